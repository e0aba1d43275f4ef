//! portwarden's HTML report: one self-contained file to hand to someone or keep. Inline
//! CSS and inline SVG charts, no JavaScript, nothing fetched (a Content-Security-Policy
//! meta tag forbids scripts and every outside resource), every string from data
//! neutralised ([`view::clean`]) and HTML-escaped by askama, whose templates are compiled
//! at build time. No I/O: [`view::build`] turns plain data into a [`model::Report`],
//! [`render`] turns that into a `String`.

pub mod chart;
pub mod model;
pub mod view;

use askama::Template;
use model::Report;
use portwarden_i18n::{tr, Lang};

pub use view::{build, Inputs};

/// A report that could not be rendered (a template error; not expected in practice).
#[derive(Debug)]
pub struct Error(askama::Error);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the HTML report could not be rendered: {}", self.0)
    }
}

impl std::error::Error for Error {}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    r: &'a Report,
}

impl Page<'_> {
    fn t(&self, id: &str) -> String {
        portwarden_i18n::text(self.r.lang, id)
    }

    fn html_lang(&self) -> &'static str {
        match self.r.lang {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    fn height(&self, n: usize) -> u32 {
        chart::height(n)
    }

    fn bar_max(&self) -> u32 {
        chart::BAR_MAX
    }

    fn change_count(&self) -> usize {
        self.r.timeline.first().map_or(0, |s| s.items.len())
    }

    fn omitted_note(&self) -> String {
        tr!(
            self.r.lang,
            "html-listeners-omitted",
            count = self.r.listeners_omitted,
            total = self.r.listeners_total
        )
    }

    fn ports_note(&self, n: &usize) -> String {
        tr!(self.r.lang, "html-ports", count = *n)
    }

    fn texts_for_note(&self, door: &str) -> String {
        tr!(self.r.lang, "html-texts-for", door = door)
    }

    fn finding_count(&self) -> usize {
        self.r.findings.iter().map(|f| f.count).sum()
    }

    fn closed_note(&self, n: &usize) -> String {
        tr!(self.r.lang, "html-closed-ports", count = *n)
    }
}

/// Renders the report as one HTML document.
pub fn render(r: &Report) -> Result<String, Error> {
    Page { r }.render().map_err(Error)
}

#[cfg(test)]
mod tests;
