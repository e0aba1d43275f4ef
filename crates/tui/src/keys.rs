//! Keys: the model's own input type, and the mapping from crossterm's key events.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// A key the model understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A printable character.
    Char(char),
    /// ↑.
    Up,
    /// ↓.
    Down,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Home.
    Home,
    /// End.
    End,
    /// Enter.
    Enter,
    /// Escape.
    Esc,
    /// Backspace.
    Backspace,
    /// Tab.
    Tab,
    /// Shift-Tab.
    BackTab,
    /// Ctrl-C.
    CtrlC,
}

/// Maps a crossterm key event (presses only) to an [`Input`].
pub fn from_crossterm(k: KeyEvent) -> Option<Input> {
    if k.kind == KeyEventKind::Release {
        return None;
    }
    if k.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(k.code, KeyCode::Char('c' | 'C')).then_some(Input::CtrlC);
    }
    Some(match k.code {
        KeyCode::Char(c) => Input::Char(c),
        KeyCode::Up => Input::Up,
        KeyCode::Down => Input::Down,
        KeyCode::PageUp => Input::PageUp,
        KeyCode::PageDown => Input::PageDown,
        KeyCode::Home => Input::Home,
        KeyCode::End => Input::End,
        KeyCode::Enter => Input::Enter,
        KeyCode::Esc => Input::Esc,
        KeyCode::Backspace => Input::Backspace,
        KeyCode::Tab => Input::Tab,
        KeyCode::BackTab => Input::BackTab,
        _ => return None,
    })
}

/// The keys the help overlay lists: (keys, catalog id of what they do).
pub const HELP: &[(&str, &str)] = &[
    ("↑ ↓ j k PgUp PgDn", "top-help-move"),
    ("Tab 1 2 3", "top-help-tabs"),
    ("/", "top-help-filter"),
    ("space", "top-help-pause"),
    ("< > s r", "top-help-sort"),
    ("t u l w o", "top-help-toggles"),
    ("Enter d", "top-help-detail"),
    ("c", "top-help-close"),
    ("x", "top-help-drop"),
    ("K", "top-help-kill"),
    ("O", "top-help-undo"),
    ("?", "top-help-help"),
    ("q Ctrl-C", "top-help-quit"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_ctrl_c_and_ignores_releases() {
        let k = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(from_crossterm(k), Some(Input::CtrlC));
        let mut r = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(from_crossterm(r), Some(Input::Char('q')));
        r.kind = KeyEventKind::Release;
        assert_eq!(from_crossterm(r), None);
    }
}
