//! Hostile text (escape sequences, control characters) never reaches the terminal raw: a flow
//! whose every text carries them, a pasted error, typed and pasted values, and toasts, drawn on
//! every screen they reach; no cell of the rendered buffer may hold a control character.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::catalog::Catalog;
use crate::embedded;
use crate::flow::library::{Origin, SourceFile};
use crate::tui::app::{App, Data, Overlay};
use crate::tui::update::{Msg, update};
use crate::tui::view;

/// Colour change, OSC 52 clipboard write, OSC title, carriage return, backspace, DEL, C1 CSI
/// and NEL, bell, NUL, vertical tab, form feed, and the bidi overrides (right-to-left
/// override, isolates) that reorder what is shown.
const HOSTILE: &str = "\u{1b}[31mRED\u{1b}[0m \u{1b}]52;c;cHduZWQ=\u{7} \u{1b}]0;title\u{1b}\\ a\rb\u{8}c\u{7f} \u{9b}31m \u{85} \u{0} \u{b}\u{c} \u{202e}evil\u{202c} \u{2066}iso\u{2069} end";

/// `HOSTILE` as a YAML double-quoted string body.
fn yaml_escaped() -> String {
    HOSTILE
        .chars()
        .map(|c| match c {
            '"' => "\\\"".to_string(),
            '\\' => "\\\\".to_string(),
            c if c.is_control() || ('\u{200e}'..='\u{206f}').contains(&c) => {
                format!("\\u{:04X}", c as u32)
            }
            c => c.to_string(),
        })
        .collect()
}

/// A valid flow for 7000222 with `HOSTILE` in every text a user sees. (A placeholder's example
/// must be one line and a link an https URL: the loader refuses these with control characters.)
fn hostile_flow() -> String {
    let h = yaml_escaped();
    format!(
        r#"codes: [7000222]
title: "Title {h}"
start: ask
placeholders:
  app-id:
    prompt: "Prompt {h}"
    example: "Example"
    kind: text
nodes:
  ask:
    question: "Question {h}"
    help: "Help {h}"
    checks:
      - title: "Check {h}"
        shell: az
        command: "az ad app show --id <app-id> # {h}"
      - title: "Check {h}"
        shell: powershell
        command: "Get-MgApplicationByAppId -AppId <app-id> # {h}"
        needs: {{scopes: [Application.Read.All]}}
    answers:
      - label: "Answer one {h}"
        next: leaf
      - label: "Answer two {h}"
        next: leaf
  leaf:
    cause: "Cause {h}"
    explanation: "Explanation {h}"
    fix:
      - "Fix {h}"
    commands:
      - title: "Command {h}"
        shell: az
        changes_state: false
        command: "az ad app show --id <app-id> -o json # {h}"
      - title: "Command {h}"
        shell: powershell
        changes_state: false
        command: "Get-MgApplicationByAppId -AppId <app-id> # {h}"
        needs: {{scopes: [Application.Read.All]}}
    links:
      - "https://example.com/x"
"#
    )
}

fn data() -> Data {
    let hostile = SourceFile {
        path: "hostile.yaml".into(),
        text: hostile_flow(),
        origin: Origin::User,
    };
    let triage =
        crate::tui::tests::built_in("flows/triage.yaml", include_str!("../../flows/triage.yaml"));
    // The validator refuses every one of these texts (see `the_validator_refuses_hostile_text`);
    // let them through here to check the screen's own cleaning beneath it.
    crate::flow::validate::ALLOW_CONTROL_TEXT.with(|c| c.set(true));
    let data = crate::tui::tests::data_from(&[hostile, triage]);
    crate::flow::validate::ALLOW_CONTROL_TEXT.with(|c| c.set(false));
    let flow = data.library.for_code(7000222).expect("hostile flow loaded");
    assert!(flow.title.contains('\u{1b}'), "the loader kept the text");
    data
}

#[test]
fn the_validator_refuses_hostile_text() {
    let (f, s) = embedded::CATALOG;
    let catalog = Catalog::from_yaml(f, s).expect("embedded catalog");
    let errs = crate::flow::load("hostile.yaml", &hostile_flow(), &catalog)
        .expect_err("control characters are refused");
    let lines: Vec<usize> = errs
        .iter()
        .filter(|e| e.message.starts_with("control character U+"))
        .map(|e| e.line)
        .collect();
    // title, prompt, question, help, check titles and commands, labels, cause,
    // explanation, fix, command titles and commands: each named at its own line.
    assert!(lines.len() >= 14, "{errs:?}");
    assert!(lines.contains(&2), "the title (line 2) is named: {errs:?}");
}

/// A pasted error with the hostile text around a real code and ids.
fn pasted_error() -> String {
    format!(
        "{HOSTILE}\nAADSTS7000222: The provided client secret keys for app \
         '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b' are expired. {HOSTILE}\n\
         Trace ID: 0d5e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a\n\
         Correlation ID: 9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d\n\
         Timestamp: 2026-11-20 08:15:42Z {HOSTILE}"
    )
}

fn draw(app: &App, w: u16, h: u16) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    t.draw(|f| view::view(app, f)).expect("draw");
    let buf = t.backend().buffer();
    (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| buf[(x, y)].symbol().to_string())
        .collect()
}

/// Unicode bidi controls: not control characters (they are format characters), but they
/// reorder the text after them on screen.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Every screen the hostile text reaches, by name.
fn screens(d: &Data) -> Vec<(&'static str, App<'_>)> {
    let mut out = Vec::new();

    // Search: the typed query echoed, and the preview of the flow's title.
    let mut app = App::new(d);
    for c in HOSTILE.chars() {
        update(&mut app, Msg::Input(c));
    }
    out.push(("search query", app));
    let mut app = App::new(d);
    for c in "7000222".chars() {
        update(&mut app, Msg::Input(c));
    }
    out.push(("search preview", app));

    // Question, with a hostile value in its checks; then the leaf, both shells.
    let hostile_value =
        || crate::command::Values::from([("app-id".to_string(), format!("v {HOSTILE}"))]);
    let mut app = App::new(d);
    app.values = hostile_value();
    app.open(7000222);
    out.push(("question", app));
    let mut app = App::new(d);
    app.values = hostile_value();
    app.open(7000222);
    update(&mut app, Msg::Digit(1));
    out.push(("leaf az", app));
    let mut app = App::new(d);
    app.values = hostile_value();
    app.open(7000222);
    update(&mut app, Msg::Digit(2));
    update(&mut app, Msg::ToggleShell);
    out.push(("leaf powershell", app));

    // The values form: hostile prompt and example, typed and pasted input.
    let mut app = App::new(d);
    app.open(7000222);
    update(&mut app, Msg::EditValues);
    assert!(matches!(app.overlay, Some(Overlay::Values(_))));
    for c in HOSTILE.chars() {
        update(&mut app, Msg::Input(c));
    }
    update(&mut app, Msg::Paste(HOSTILE.to_string()));
    out.push(("values form", app));
    // Saved: the toast names the field, the commands show the value.
    let mut app = App::new(d);
    app.open(7000222);
    update(&mut app, Msg::EditValues);
    update(&mut app, Msg::Paste(HOSTILE.to_string()));
    update(&mut app, Msg::Choose);
    out.push(("values saved", app));

    // The paste box, typed and pasted into; then the pasted error opened.
    let mut app = App::new(d);
    update(&mut app, Msg::OpenPaste);
    update(&mut app, Msg::Paste(pasted_error()));
    for c in HOSTILE.chars() {
        update(&mut app, Msg::Input(c));
    }
    out.push(("paste box", app));
    let mut app = App::new(d);
    update(&mut app, Msg::Paste(pasted_error()));
    out.push(("pasted error opened", app));
    let mut app = App::new(d);
    update(&mut app, Msg::Paste(HOSTILE.to_string()));
    out.push(("paste without a code", app));

    // Toasts with hostile text: a copy that failed, one that worked, a start-up message.
    let mut app = App::new(d);
    app.open(7000222);
    update(
        &mut app,
        Msg::Copied(Err(crate::tui::clipboard::CopyError::System(
            HOSTILE.to_string(),
        ))),
    );
    out.push(("toast error", app));
    let mut app = App::new(d);
    update(&mut app, Msg::Copied(Ok(HOSTILE.to_string())));
    out.push(("toast ok", app));
    let mut app = App::new(d);
    app.toast = Some(HOSTILE.to_string());
    out.push(("toast at start", app));
    out
}

#[test]
fn no_control_character_reaches_the_buffer() {
    let d = data();
    for (name, app) in screens(&d) {
        for (w, h) in [(120, 40), (80, 24), (40, 12)] {
            let cells = draw(&app, w, h);
            let bad: Vec<(usize, &String)> = cells
                .iter()
                .enumerate()
                .filter(|(_, s)| s.chars().any(char::is_control))
                .collect();
            assert!(
                bad.is_empty(),
                "{name} at {w}x{h}: control characters in cells {bad:?}"
            );
        }
    }
}

#[test]
fn hostile_text_is_shown_not_dropped() {
    // The replacement character stands where the control character was, and the readable
    // text around it stays: the screens above really drew the hostile text.
    let d = data();
    for (name, app) in screens(&d) {
        let screen: String = draw(&app, 120, 40).concat();
        let shown = screen.contains("[31mRED") || screen.contains("31mRED");
        let expected = !matches!(
            name,
            "search preview" | "pasted error opened" | "values saved" | "paste without a code"
        );
        if expected {
            assert!(
                shown,
                "{name}: the hostile text is not on screen:\n{screen}"
            );
        }
        if shown {
            assert!(
                screen.contains('\u{fffd}'),
                "{name}: no replacement character"
            );
        }
    }
}

/// Bidi overrides are format characters, not control characters: `clean` keeps them, so a
/// flow or a paste can reverse the text drawn after them (U+202E makes `evil` read `live`).
#[test]
fn no_bidi_control_reaches_the_buffer() {
    let d = data();
    for (name, app) in screens(&d) {
        let cells = draw(&app, 120, 40);
        assert!(
            !cells.iter().any(|s| s.chars().any(is_bidi_control)),
            "{name}: a bidi control is drawn"
        );
    }
}
