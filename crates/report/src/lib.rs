//! Renderers for portwarden: plain data in, text out.
//!
//! Every function here is pure: it takes the plain data types that the probes and the
//! knowledge base produce, plus [`Style`], and returns a `String`. No renderer reads the
//! system, the clock or the environment; the binary decides language, colour and width.

pub mod audit;
pub mod card;
pub mod control;
pub mod fleet;
pub mod history;
pub mod ls;
pub mod sanitize;
pub mod style;

pub use style::Style;
pub mod scan;
