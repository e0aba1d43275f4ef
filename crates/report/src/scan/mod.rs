//! Renderers for scan results.
