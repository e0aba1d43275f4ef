//! How output should look: language, colour, width. Chosen by the binary.

use portwarden_kb::{Lang, Risk};

/// Presentation settings shared by every renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Language of labels and curated texts.
    pub lang: Lang,
    /// Whether to emit ANSI colour.
    pub color: bool,
    /// Terminal width in columns; 0 means no limit (output is not a terminal).
    pub width: usize,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            lang: Lang::En,
            color: false,
            width: 100,
        }
    }
}

impl Style {
    /// Wraps `s` in the SGR code `code` when colour is on.
    pub fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\u{1b}[{code}m{s}\u{1b}[0m")
        } else {
            s.to_string()
        }
    }

    /// Bold text.
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }

    /// Dim text.
    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }

    /// A risk level's label in its colour.
    pub fn risk(&self, r: Risk) -> String {
        let code = match r {
            Risk::Info => "2",
            Risk::Low => "32",
            Risk::Medium => "33",
            Risk::High => "1;31",
            Risk::Critical => "1;97;41",
        };
        self.paint(code, r.label(self.lang))
    }

    /// A catalog message without arguments in the chosen language (labels, headers).
    pub fn text(&self, id: &'static str) -> &'static str {
        portwarden_i18n::label(self.lang, id)
    }

    /// A catalog message in the chosen language.
    pub fn msg(&self, m: &portwarden_i18n::Msg) -> String {
        portwarden_i18n::format(self.lang, m)
    }
}
