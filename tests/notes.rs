//! Incident notes taken in the wizard (`e` / `E`): what they hold, that secrets never appear,
//! and that they are the same text `walk --markdown` prints.

use std::process::Command;

use aadsts_wizard::embedded;
use aadsts_wizard::flow::library::Library;
use aadsts_wizard::search::Searcher;
use aadsts_wizard::tui::app::{App, Data, Screen};
use aadsts_wizard::tui::update::{Effect, Msg, update};

const APP: &str = "11111111-2222-3333-4444-555555555555";
const TENANT: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const SECRET: &str = "Sup3r~Secret.Value_do-not-leak";

fn data() -> Data {
    let catalog = embedded::catalog().expect("embedded catalog");
    let library = Library::with_embedded(&catalog, embedded::FLOWS, &[]);
    Data {
        catalog,
        library,
        searcher: Searcher::new(),
    }
}

/// The answers (1-based) that lead from the start of 50012's flow to the leaf `key`.
fn answers_to(d: &Data, key: &str) -> Vec<usize> {
    let flow = d.library.for_code(50012).expect("50012 has a flow");
    let (answers, _) = flow
        .leaf_paths(flow.start_for(50012))
        .into_iter()
        .find(|(_, id)| flow.key(*id) == key)
        .expect("the leaf is reachable");
    answers
}

#[test]
fn notes_hold_the_session_and_never_a_secret() {
    let d = data();
    let answers = answers_to(&d, "wrong-secret-value");
    let mut app = App::new(&d);
    assert!(app.open(50012));
    for a in &answers {
        update(&mut app, Msg::Digit(*a));
    }
    let Screen::Flow(f) = &app.screen else {
        panic!("on the flow")
    };
    assert_eq!(f.flow.key(f.at), "wrong-secret-value");
    app.values.insert("app-id".into(), APP.into());
    app.values.insert("tenant-id".into(), TENANT.into());
    app.values.insert("client-secret".into(), SECRET.into());
    // A value typed for another flow (a password, say) has no place in this note.
    app.values
        .insert("password".into(), "hunter2-other-flow".into());
    app.ids.trace_id = Some("0f1e2d3c-0000-4000-8000-000000000001".into());
    app.ids.correlation_id = Some("0f1e2d3c-0000-4000-8000-000000000002".into());

    assert_eq!(
        update(&mut app, Msg::ExportNotes),
        Some(Effect::ExportNotes)
    );
    assert_eq!(update(&mut app, Msg::CopyNotes), Some(Effect::CopyNotes));
    let md = app.notes("2026-11-21T03:12:44Z").expect("a flow is open");

    assert!(md.starts_with("# AADSTS50012 "), "{md}");
    assert!(md.contains("- Time (UTC): 2026-11-21T03:12:44Z"));
    assert!(md.contains("- Trace ID: `0f1e2d3c-0000-4000-8000-000000000001`"));
    assert!(md.contains("- Correlation ID: `0f1e2d3c-0000-4000-8000-000000000002`"));
    assert!(md.contains(&format!("- `app-id`: `{APP}`")));
    assert!(md.contains("- `client-secret`: `<redacted>`"));
    assert!(md.contains("## Diagnosis") && md.contains("## Cause") && md.contains("## Fix"));
    assert!(
        md.matches("\n1. ").count() >= 2,
        "numbered answers and fix steps"
    );
    assert!(
        [
            "--password '<redacted>'",
            "--password <redacted>",
            "--password='<redacted>'"
        ]
        .iter()
        .any(|form| md.contains(form)),
        "{md}"
    );
    assert!(md.contains(&format!("--username {APP}")));
    assert!(!md.contains(SECRET), "the secret leaked:\n{md}");
    assert!(
        !md.contains("hunter2"),
        "another flow's value leaked:\n{md}"
    );
}

#[test]
fn notes_are_the_text_walk_markdown_prints() {
    let d = data();
    let answers = answers_to(&d, "secret-expired");
    let mut app = App::new(&d);
    app.open(50012);
    for a in &answers {
        update(&mut app, Msg::Digit(*a));
    }
    app.values.insert("app-id".into(), APP.into());
    app.values.insert("client-secret".into(), SECRET.into());
    let md = app.notes("TIME").expect("a flow is open");

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"));
    cmd.args(["walk", "50012", "--markdown"])
        .args(["--var", &format!("app-id={APP}")])
        .args(["--var", &format!("client-secret={SECRET}")])
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env_remove("AADSTS_WIZARD_FLOWS");
    for a in &answers {
        cmd.args(["--answer", &a.to_string()]);
    }
    let out = cmd.output().expect("run walk");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(!printed.contains(SECRET));
    // Same text but for the time the note was taken.
    let time_line = |s: &str| {
        s.lines()
            .map(|l| {
                if l.starts_with("- Time (UTC): ") {
                    "- Time (UTC): TIME"
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(time_line(&printed), time_line(&md));
}

#[test]
fn no_notes_on_the_search_screen() {
    let d = data();
    let app = App::new(&d);
    assert_eq!(app.notes("TIME"), None);
}
