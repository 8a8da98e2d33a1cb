//! Keys to intents. Depends on what has focus: the search query takes letters, other screens
//! use them as commands.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::app::{App, Overlay, Screen};
use crate::tui::update::Msg;

pub fn msg_for_key(app: &App, key: KeyEvent) -> Option<Msg> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl {
        return match key.code {
            KeyCode::Char('c') | KeyCode::Char('q') => Some(Msg::Quit),
            KeyCode::Char('n') => Some(Msg::Down),
            KeyCode::Char('p') => Some(Msg::Up),
            KeyCode::Char('u') => Some(Msg::ClearQuery),
            KeyCode::Char('v') => Some(Msg::OpenPaste),
            KeyCode::Char('r') => Some(Msg::Recall),
            KeyCode::Char('x') => Some(Msg::ForgetHistory),
            _ => None,
        };
    }
    // Keys every screen shares.
    match key.code {
        KeyCode::Up => return Some(Msg::Up),
        KeyCode::Down => return Some(Msg::Down),
        KeyCode::PageUp => return Some(Msg::PageUp),
        KeyCode::PageDown => return Some(Msg::PageDown),
        KeyCode::Enter => return Some(Msg::Choose),
        KeyCode::Esc => return Some(Msg::Back),
        KeyCode::F(1) => return Some(Msg::Help),
        _ => {}
    }
    match &app.overlay {
        Some(Overlay::Values(_)) | Some(Overlay::Paste(_)) => {
            return match key.code {
                KeyCode::Char(c) => Some(Msg::Input(c)),
                KeyCode::Backspace => Some(Msg::Erase),
                KeyCode::Tab => Some(Msg::Down),
                KeyCode::BackTab => Some(Msg::Up),
                _ => None,
            };
        }
        Some(Overlay::Help) => return Some(Msg::Help),
        None => {}
    }
    match &app.screen {
        Screen::Search => match key.code {
            KeyCode::Backspace => Some(Msg::Erase),
            KeyCode::Tab => Some(Msg::ToggleShell),
            // With an empty query, `?` asks for help; otherwise it is part of the query.
            KeyCode::Char('?') if app.search.query.is_empty() => Some(Msg::Help),
            KeyCode::Char(c) => Some(Msg::Input(c)),
            _ => None,
        },
        Screen::Flow(_) => match key.code {
            KeyCode::Char(c @ '1'..='9') => Some(Msg::Digit(c as usize - '0' as usize)),
            KeyCode::Left | KeyCode::Backspace | KeyCode::Char('h') => Some(Msg::Back),
            KeyCode::Char('j') => Some(Msg::Down),
            KeyCode::Char('k') => Some(Msg::Up),
            KeyCode::Char('r') => Some(Msg::Restart),
            KeyCode::Char('c') | KeyCode::Char('y') => Some(Msg::Copy),
            KeyCode::Char('a') => Some(Msg::CopyAll),
            KeyCode::Char('l') => Some(Msg::CopyLink),
            KeyCode::Char('i') => Some(Msg::CopyIds),
            KeyCode::Char('e') => Some(Msg::ExportNotes),
            KeyCode::Char('E') => Some(Msg::CopyNotes),
            KeyCode::Char('v') => Some(Msg::EditValues),
            KeyCode::Char('p') => Some(Msg::OpenPaste),
            KeyCode::Char('?') => Some(Msg::Help),
            KeyCode::Char('q') => Some(Msg::Quit),
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Char('s') => Some(Msg::ToggleShell),
            KeyCode::Char(' ') => Some(Msg::PageDown),
            _ => None,
        },
    }
}

/// Every key, for the help overlay: (keys, what they do).
pub const HELP: &[(&str, &str)] = &[
    ("type", "search by code, name or symptom (search screen)"),
    ("Up/Down, Ctrl-N/P", "move the selection"),
    (
        "Enter",
        "open the code / choose the answer / copy the command",
    ),
    ("1-9", "choose an answer; on a result, open a related code"),
    (
        "Esc, Left, Backspace",
        "go back one step (Backspace on an empty query)",
    ),
    ("r", "restart the flow from its first question"),
    ("c, y", "copy the selected command"),
    ("a", "copy all commands of this shell"),
    ("l", "copy Microsoft's lookup link for the code"),
    ("i", "copy the trace and correlation ids of a pasted error"),
    ("Tab, s", "switch between Azure CLI and PowerShell"),
    (
        "e, E",
        "save notes to ./aadsts-<code>-<time>.md; E copies them",
    ),
    ("v", "edit values: app id, tenant, UPN..."),
    (
        "Ctrl-R, Ctrl-X",
        "values form: fill in a remembered value; forget all",
    ),
    ("p, Ctrl-V", "paste an error message to find its code"),
    ("PgUp/PgDn, Space, wheel", "scroll long text"),
    ("?, F1", "this help"),
    ("q", "quit (when not typing); Ctrl-C quits anywhere"),
];
