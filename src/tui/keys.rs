//! Keys to intents, and the one table of keys that help, `--help`, the man page and the README
//! describe. Which keys mean what depends on focus: the search query takes letters, the other
//! screens use them as commands.

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
            KeyCode::Char('o') => Some(Msg::ToggleAllValues),
            KeyCode::Char('l') => Some(Msg::OpenLog),
            _ => None,
        };
    }
    match &app.overlay {
        // A state-changing command waits for a second c (or y, Enter); anything else cancels.
        Some(Overlay::Confirm(_)) => {
            return Some(match key.code {
                KeyCode::Char('c') | KeyCode::Char('y') => Msg::Copy,
                KeyCode::Enter => Msg::Choose,
                _ => Msg::Back,
            });
        }
        Some(Overlay::Help { .. }) => {
            return Some(match key.code {
                KeyCode::Up | KeyCode::Char('k') => Msg::Up,
                KeyCode::Down | KeyCode::Char('j') => Msg::Down,
                KeyCode::PageUp => Msg::PageUp,
                KeyCode::PageDown | KeyCode::Char(' ') => Msg::PageDown,
                _ => Msg::Help,
            });
        }
        _ => {}
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
    if let Some(Overlay::Values(_) | Overlay::Paste(_) | Overlay::OpenLog(_)) = &app.overlay {
        return match key.code {
            KeyCode::Char(c) => Some(Msg::Input(c)),
            KeyCode::Backspace => Some(Msg::Erase),
            KeyCode::Tab => Some(Msg::Down),
            KeyCode::BackTab => Some(Msg::Up),
            _ => None,
        };
    }
    match &app.screen {
        Screen::Search => match key.code {
            KeyCode::Backspace => Some(Msg::Erase),
            KeyCode::Tab => Some(Msg::ToggleShell),
            // With an empty query, `?` asks for help and `q` quits; otherwise they are text.
            KeyCode::Char('?') if app.search.query.is_empty() => Some(Msg::Help),
            KeyCode::Char('q') if app.search.query.is_empty() => Some(Msg::Quit),
            KeyCode::Char(c) => Some(Msg::Input(c)),
            _ => None,
        },
        Screen::Flow(_) => match key.code {
            KeyCode::Char(c @ '1'..='9') => Some(Msg::Digit(c as usize - '0' as usize)),
            KeyCode::Left | KeyCode::Backspace => Some(Msg::Back),
            KeyCode::Char('j') => Some(Msg::Down),
            KeyCode::Char('k') => Some(Msg::Up),
            KeyCode::Char('/') => Some(Msg::OpenSearch),
            KeyCode::Char('r') => Some(Msg::Restart),
            KeyCode::Char('c') | KeyCode::Char('y') => Some(Msg::Copy),
            KeyCode::Char('a') => Some(Msg::CopyAll),
            KeyCode::Char('u') => Some(Msg::CopyLink),
            KeyCode::Char('i') => Some(Msg::CopyIds),
            KeyCode::Char('e') => Some(Msg::ExportNotes),
            KeyCode::Char('E') => Some(Msg::CopyNotes),
            KeyCode::Char('v') => Some(Msg::EditValues),
            KeyCode::Char('w') => Some(Msg::ToggleWhy),
            KeyCode::Char('m') => Some(Msg::ToggleMouse),
            KeyCode::Char('p') => Some(Msg::OpenPaste),
            KeyCode::Char('?') => Some(Msg::Help),
            KeyCode::Char('q') => Some(Msg::Quit),
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Char('s') => Some(Msg::ToggleShell),
            KeyCode::Char(' ') => Some(Msg::PageDown),
            _ => None,
        },
        Screen::Signins(_) => match key.code {
            KeyCode::Home => Some(Msg::Home),
            KeyCode::End => Some(Msg::End),
            KeyCode::Char('j') => Some(Msg::Down),
            KeyCode::Char('k') => Some(Msg::Up),
            KeyCode::Tab | KeyCode::Char('g') => Some(Msg::NextGrouping),
            KeyCode::BackTab | KeyCode::Char('G') => Some(Msg::PrevGrouping),
            KeyCode::Char('x') => Some(Msg::ToggleExpected),
            KeyCode::Left | KeyCode::Backspace => Some(Msg::Back),
            KeyCode::Char('/') => Some(Msg::OpenSearch),
            KeyCode::Char('m') => Some(Msg::ToggleMouse),
            KeyCode::Char('p') => Some(Msg::OpenPaste),
            KeyCode::Char('?') => Some(Msg::Help),
            KeyCode::Char('q') => Some(Msg::Quit),
            _ => None,
        },
    }
}

/// Where a key works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Search,
    /// A question or a result of a flow.
    Flow,
    /// The sign-in table (`signins FILE`, Ctrl-L).
    Signins,
    Values,
    Help,
}

impl Place {
    pub const ALL: [Place; 5] = [
        Place::Search,
        Place::Flow,
        Place::Signins,
        Place::Values,
        Place::Help,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Place::Search => "search screen",
            Place::Flow => "question or result",
            Place::Signins => "sign-in table",
            Place::Values => "values form (v)",
            Place::Help => "help",
        }
    }

    /// The heading of this place's keys when shown after another's.
    pub fn heading(self) -> String {
        match self {
            Place::Help => "In help:".to_string(),
            p => format!("In the {}:", p.title()),
        }
    }
}

/// One row of the key table.
pub struct KeyHelp {
    pub keys: &'static str,
    pub what: &'static str,
    pub places: &'static [Place],
}

use Place::{Flow, Help as InHelp, Search, Signins, Values};

const fn k(keys: &'static str, what: &'static str, places: &'static [Place]) -> KeyHelp {
    KeyHelp { keys, what, places }
}

/// Every key, by where it works: the help overlay shows the rows of the screen below it;
/// `--help`, the man page and the README list them all.
pub const KEYS: &[KeyHelp] = &[
    k("type", "search by code, name or symptom words", &[Search]),
    k(
        "Up/Down, Ctrl-N/P",
        "move the selection",
        &[Search, Flow, Signins, Values],
    ),
    k(
        "j/k",
        "move the selection (on the search screen they are text)",
        &[Flow, Signins],
    ),
    k("PgUp/PgDn", "move ten rows", &[Search, Signins]),
    k("Home/End", "first / last row", &[Signins]),
    k(
        "Enter",
        "open the row's code with the group's latest sign-in as evidence: values filled, the answers it decides pre-selected",
        &[Signins],
    ),
    k(
        "Tab, g / Shift-Tab, G",
        "next / previous grouping: code, app, user, IP, resource, failed CA policy",
        &[Signins],
    ),
    k(
        "x",
        "count the expected codes (interrupts, polling) too, or leave them out",
        &[Signins],
    ),
    k(
        "Esc, Left, Backspace",
        "back to the screen before (quit when the wizard opened on the table)",
        &[Signins],
    ),
    k("Enter", "open the selected code", &[Search]),
    k(
        "Backspace",
        "erase; on an empty query, back to the screen before",
        &[Search],
    ),
    k("Ctrl-U", "clear the query", &[Search]),
    k(
        "Esc",
        "clear the query; on an empty one, back to the screen before, or quit",
        &[Search],
    ),
    k(
        "q",
        "quit when the query is empty (otherwise it is text)",
        &[Search],
    ),
    k(
        "1-9",
        "choose an answer; on a result, open related code N",
        &[Flow],
    ),
    k(
        "Enter",
        "choose the answer / copy the selected command",
        &[Flow],
    ),
    k(
        "Esc, Left, Backspace",
        "back one answer; at the start, back to the code, search or sign-in table before",
        &[Flow],
    ),
    k(
        "/",
        "search again (Esc on the empty query comes back)",
        &[Flow, Signins],
    ),
    k("r", "restart the flow from its first question", &[Flow]),
    k(
        "c, y",
        "copy the selected command; one that changes state asks for c again",
        &[Flow],
    ),
    k(
        "a",
        "copy the read-only commands of this shell (never the state-changing ones)",
        &[Flow],
    ),
    k("u", "copy Microsoft's lookup URL for the code", &[Flow]),
    k(
        "i",
        "copy the trace and correlation ids of a pasted error",
        &[Flow],
    ),
    k("Tab", "switch between Azure CLI and PowerShell", &[Search]),
    k("Tab, s", "switch between Azure CLI and PowerShell", &[Flow]),
    k("w", "on a result: show or hide the explanation", &[Flow]),
    k(
        "PgUp/PgDn, Space",
        "scroll the question or result text",
        &[Flow],
    ),
    k(
        "e, E",
        "save the incident notes (notes_dir, else ./aadsts-<code>-<time>.md); E copies them",
        &[Flow],
    ),
    k(
        "v",
        "values: app id, tenant, UPN... used by the commands on screen",
        &[Flow],
    ),
    k(
        "m",
        "mouse capture on/off (off: the terminal selects text)",
        &[Flow, Signins],
    ),
    k(
        "Ctrl-L",
        "open a sign-in log export as the table of what is failing",
        &[Search, Flow, Signins],
    ),
    k(
        "Ctrl-V",
        "paste an error message to find its code",
        &[Search],
    ),
    k(
        "p, Ctrl-V",
        "paste an error message to find its code",
        &[Flow, Signins],
    ),
    k("Tab, Shift-Tab", "next / previous field", &[Values]),
    k(
        "Ctrl-O",
        "show the flow's other values too, or only the screen's",
        &[Values],
    ),
    k(
        "Ctrl-R, Ctrl-X",
        "fill in a remembered value (again: older); forget them all",
        &[Values],
    ),
    k(
        "Enter / Esc",
        "save / keep the valid values and close",
        &[Values],
    ),
    k(
        "Up/Down, PgUp/PgDn",
        "scroll this help; any other key closes it",
        &[InHelp],
    ),
    k(
        "?, F1",
        "help for the screen you are on",
        &[Search, Flow, Signins],
    ),
    k("q", "quit", &[Flow, Signins]),
    k(
        "Ctrl-C, Ctrl-Q",
        "quit from anywhere",
        &[Search, Flow, Signins, Values],
    ),
];

/// The rows that work in `place`.
pub fn keys_for(place: Place) -> impl Iterator<Item = &'static KeyHelp> {
    KEYS.iter().filter(move |k| k.places.contains(&place))
}

/// The key table as plain text, by screen, for `--help` and the man page.
pub fn help_text() -> String {
    let mut out = String::from("Keys in the wizard:\n");
    for place in Place::ALL {
        out.push_str(&format!("\n  {}:\n", place.title()));
        for k in keys_for(place) {
            out.push_str(&format!("    {:<22} {}\n", k.keys, k.what));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::flow::library::{Library, Origin, SourceFile};
    use crate::search::Searcher;
    use crate::tui::app::{Confirm, Data, ValuesForm};

    fn data() -> Data {
        let (f, s) = crate::embedded::CATALOG;
        let catalog = Catalog::from_yaml(f, s).expect("embedded catalog");
        let triage = SourceFile {
            path: "flows/triage.yaml".into(),
            text: include_str!("../../flows/triage.yaml").into(),
            origin: Origin::BuiltIn,
        };
        let library = Library::build(&catalog, &[triage]);
        assert!(library.problems.is_empty(), "{:?}", library.problems);
        Data {
            catalog,
            library,
            searcher: Searcher::new(),
        }
    }

    /// Where the keys are pressed.
    #[derive(Clone, Copy, Debug)]
    enum Mode {
        EmptyQuery,
        Query,
        Flow,
        Help,
        Confirm,
        Values,
        Paste,
    }

    fn app_in(d: &Data, mode: Mode) -> App<'_> {
        let mut app = App::new(d);
        if !matches!(mode, Mode::EmptyQuery | Mode::Query) {
            assert!(app.open(50012), "the triage flow opens any code");
        }
        match mode {
            Mode::EmptyQuery | Mode::Flow => {}
            Mode::Query => app.search.query = "ab".to_string(),
            Mode::Help => app.overlay = Some(Overlay::Help { scroll: 0 }),
            Mode::Confirm => {
                app.overlay = Some(Overlay::Confirm(Confirm {
                    text: "az ad app credential reset".into(),
                    title: "Reset".into(),
                    shown: "az ad app credential reset".into(),
                }));
            }
            Mode::Values => {
                app.overlay = Some(Overlay::Values(ValuesForm {
                    fields: Vec::new(),
                    on_screen: 0,
                    all: false,
                    selected: 0,
                }));
            }
            Mode::Paste => app.overlay = Some(Overlay::Paste(String::new())),
        }
        app
    }

    /// `ctrl-c`, `enter`, `backtab`, `f1`, `space`, or one character (`E` comes with Shift,
    /// as terminals send it).
    fn key(spec: &str) -> KeyEvent {
        let (mods, name) = match spec.strip_prefix("ctrl-") {
            Some(rest) => (KeyModifiers::CONTROL, rest),
            None => (KeyModifiers::NONE, spec),
        };
        let code = match name {
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "bs" => KeyCode::Backspace,
            "del" => KeyCode::Delete,
            "space" => KeyCode::Char(' '),
            f if f.len() > 1 && f.starts_with('f') => KeyCode::F(f[1..].parse().expect("F key")),
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().expect("one char")),
            other => panic!("unknown key spec {other}"),
        };
        let shift = matches!(code, KeyCode::BackTab)
            || matches!(code, KeyCode::Char(c) if c.is_ascii_uppercase());
        let mods = if shift {
            mods | KeyModifiers::SHIFT
        } else {
            mods
        };
        KeyEvent::new(code, mods)
    }

    fn check(mode: Mode, table: &[(&str, Option<Msg>)]) {
        let d = data();
        let app = app_in(&d, mode);
        for (spec, want) in table {
            assert_eq!(msg_for_key(&app, key(spec)), *want, "{spec} in {mode:?}");
        }
    }

    /// Ctrl keys mean the same everywhere, overlays included; other Ctrl keys mean nothing.
    #[test]
    fn ctrl_keys_work_in_every_mode() {
        use Msg::*;
        let table = [
            ("ctrl-c", Some(Quit)),
            ("ctrl-q", Some(Quit)),
            ("ctrl-n", Some(Down)),
            ("ctrl-p", Some(Up)),
            ("ctrl-u", Some(ClearQuery)),
            ("ctrl-v", Some(OpenPaste)),
            ("ctrl-r", Some(Recall)),
            ("ctrl-x", Some(ForgetHistory)),
            ("ctrl-o", Some(ToggleAllValues)),
            ("ctrl-a", None),
            ("ctrl-z", None),
            ("ctrl-enter", None),
        ];
        for mode in [
            Mode::EmptyQuery,
            Mode::Query,
            Mode::Flow,
            Mode::Help,
            Mode::Confirm,
            Mode::Values,
            Mode::Paste,
        ] {
            check(mode, &table);
        }
    }

    #[test]
    fn search_keys() {
        use Msg::*;
        let shared = [
            ("up", Some(Up)),
            ("down", Some(Down)),
            ("pgup", Some(PageUp)),
            ("pgdn", Some(PageDown)),
            ("enter", Some(Choose)),
            ("esc", Some(Back)),
            ("f1", Some(Help)),
            ("bs", Some(Erase)),
            ("tab", Some(ToggleShell)),
            // Letters, digits and punctuation are the query, `j`, `k`, `s`, `p` included.
            ("a", Some(Input('a'))),
            ("j", Some(Input('j'))),
            ("k", Some(Input('k'))),
            ("s", Some(Input('s'))),
            ("p", Some(Input('p'))),
            ("7", Some(Input('7'))),
            ("E", Some(Input('E'))),
            ("space", Some(Input(' '))),
            // Unknown keys mean nothing.
            ("left", None),
            ("right", None),
            ("home", None),
            ("del", None),
            ("backtab", None),
            ("f2", None),
        ];
        check(Mode::EmptyQuery, &shared);
        check(Mode::Query, &shared);
        // `?` and `q` are commands only while the query is empty.
        check(Mode::EmptyQuery, &[("?", Some(Help)), ("q", Some(Quit))]);
        check(
            Mode::Query,
            &[("?", Some(Input('?'))), ("q", Some(Input('q')))],
        );
    }

    #[test]
    fn flow_keys() {
        use Msg::*;
        let mut table: Vec<(&str, Option<Msg>)> = vec![
            ("up", Some(Up)),
            ("down", Some(Down)),
            ("k", Some(Up)),
            ("j", Some(Down)),
            ("pgup", Some(PageUp)),
            ("pgdn", Some(PageDown)),
            ("space", Some(PageDown)),
            ("enter", Some(Choose)),
            ("esc", Some(Back)),
            ("left", Some(Back)),
            ("bs", Some(Back)),
            ("f1", Some(Help)),
            ("?", Some(Help)),
            ("/", Some(OpenSearch)),
            ("r", Some(Restart)),
            ("c", Some(Copy)),
            ("y", Some(Copy)),
            ("a", Some(CopyAll)),
            ("u", Some(CopyLink)),
            ("i", Some(CopyIds)),
            ("e", Some(ExportNotes)),
            ("E", Some(CopyNotes)),
            ("v", Some(EditValues)),
            ("w", Some(ToggleWhy)),
            ("m", Some(ToggleMouse)),
            ("p", Some(OpenPaste)),
            ("q", Some(Quit)),
            ("tab", Some(ToggleShell)),
            ("backtab", Some(ToggleShell)),
            ("s", Some(ToggleShell)),
            // Unknown keys mean nothing.
            ("0", None),
            ("x", None),
            ("z", None),
            ("C", None),
            ("right", None),
            ("home", None),
            ("del", None),
            ("f2", None),
        ];
        let digits = ["1", "2", "3", "4", "5", "6", "7", "8", "9"];
        for (n, d) in digits.iter().enumerate() {
            table.push((d, Some(Digit(n + 1))));
        }
        check(Mode::Flow, &table);
    }

    /// Help takes every key: scrolling keys scroll, any other closes it.
    #[test]
    fn help_keys() {
        use Msg::*;
        check(
            Mode::Help,
            &[
                ("up", Some(Up)),
                ("k", Some(Up)),
                ("down", Some(Down)),
                ("j", Some(Down)),
                ("pgup", Some(PageUp)),
                ("pgdn", Some(PageDown)),
                ("space", Some(PageDown)),
                ("esc", Some(Help)),
                ("enter", Some(Help)),
                ("q", Some(Help)),
                ("f1", Some(Help)),
                ("left", Some(Help)),
            ],
        );
    }

    /// A state-changing command waits for a second `c` (or `y`, Enter); any other key cancels.
    #[test]
    fn confirm_keys() {
        use Msg::*;
        check(
            Mode::Confirm,
            &[
                ("c", Some(Copy)),
                ("y", Some(Copy)),
                ("enter", Some(Choose)),
                ("esc", Some(Back)),
                ("n", Some(Back)),
                ("q", Some(Back)),
                ("C", Some(Back)),
                ("down", Some(Back)),
                ("f1", Some(Back)),
            ],
        );
    }

    /// The values form and the paste box take text; Tab moves between fields.
    #[test]
    fn text_box_keys() {
        use Msg::*;
        let table = [
            ("up", Some(Up)),
            ("down", Some(Down)),
            ("pgup", Some(PageUp)),
            ("pgdn", Some(PageDown)),
            ("enter", Some(Choose)),
            ("esc", Some(Back)),
            ("f1", Some(Help)),
            ("bs", Some(Erase)),
            ("tab", Some(Down)),
            ("backtab", Some(Up)),
            ("q", Some(Input('q'))),
            ("c", Some(Input('c'))),
            ("?", Some(Input('?'))),
            ("1", Some(Input('1'))),
            ("E", Some(Input('E'))),
            ("space", Some(Input(' '))),
            // Unknown keys mean nothing.
            ("left", None),
            ("right", None),
            ("home", None),
            ("del", None),
            ("f2", None),
        ];
        check(Mode::Values, &table);
        check(Mode::Paste, &table);
    }

    #[test]
    fn every_place_has_keys_and_help_lists_every_row() {
        let text = help_text();
        for place in Place::ALL {
            assert!(keys_for(place).next().is_some(), "{place:?}");
        }
        for k in KEYS {
            assert!(text.contains(k.what), "{}", k.keys);
        }
    }
}
