//! Pasting a sign-in event: the wizard opens its code, fills the values and pre-selects the
//! answers the event decides; Enter accepts, another answer overrides, notes say which is which.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::tui::app::{App, Data, Screen};
use crate::tui::tests::{built_in, data_from};
use crate::tui::update::{Msg, update};
use crate::tui::view;

fn data() -> Data {
    data_from(&[built_in(
        "flows/50012-client-credentials.yaml",
        include_str!("../../flows/50012-client-credentials.yaml"),
    )])
}

/// A Graph service-principal sign-in that failed with 50012 while sending a client secret.
const EVENT: &str = r#"{"id":"a1b2c3d4-0000-4a1b-9c2d-0123456789ab","correlationId":"bbbb1111-cc22-3333-44dd-555555eeeeee",
 "createdDateTime":"2025-03-04T09:15:22Z","appId":"00001111-aaaa-2222-bbbb-3333cccc4444",
 "resourceTenantId":"aaaabbbb-0000-cccc-1111-dddd2222eeee","clientCredentialType":"clientSecret",
 "servicePrincipalCredentialKeyId":"{PII Removed}","signInEventTypes":["servicePrincipal"],
 "status":{"errorCode":50012,"failureReason":"Invalid client secret provided."}}"#;

fn at(app: &App) -> (String, usize, Option<usize>) {
    match &app.screen {
        Screen::Flow(f) => (
            f.flow.key(f.at).to_string(),
            f.selected,
            f.suggestion.as_ref().map(|(i, _)| *i),
        ),
        Screen::Search => ("search".to_string(), 0, None),
        Screen::Signins(_) => ("signins".to_string(), 0, None),
    }
}

#[test]
fn a_pasted_event_opens_its_code_with_the_decided_answer_selected() {
    let d = data();
    let mut app = App::new(&d);
    update(&mut app, Msg::Paste(EVENT.into()));
    assert_eq!(at(&app), ("credential-type".to_string(), 0, Some(0)));
    assert_eq!(
        app.values.get("app-id").map(String::as_str),
        Some("00001111-aaaa-2222-bbbb-3333cccc4444")
    );
    assert_eq!(
        app.values.get("tenant-id").map(String::as_str),
        Some("aaaabbbb-0000-cccc-1111-dddd2222eeee")
    );
    // A masked value does not pass as a GUID and is not filled in.
    assert!(!app.values.contains_key("key-id"));
    assert_eq!(
        app.ids.trace_id.as_deref(),
        Some("a1b2c3d4-0000-4a1b-9c2d-0123456789ab")
    );
    let toast = app.toast.clone().unwrap_or_default();
    assert!(
        toast.contains("AADSTS50012") && toast.contains("pre-selected"),
        "{toast}"
    );

    let mut term = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    term.draw(|f| view::view(&app, f)).expect("draw");
    let screen: String = term
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(
        screen.contains("From the sign-in log: clientCredentialType = clientSecret"),
        "{screen}"
    );
    assert!(screen.contains("[sign-in log]"), "{screen}");

    // Enter accepts; the next question (is it expired?) is not decided by a 50012 event.
    update(&mut app, Msg::Choose);
    assert_eq!(at(&app), ("secret-expired-check".to_string(), 0, None));
    let notes = app.notes("2025-03-04T10:00:00Z").expect("notes");
    assert!(
        notes.contains("(from the sign-in log: clientCredentialType = clientSecret)"),
        "{notes}"
    );
    assert!(
        notes.contains("Trace ID: `a1b2c3d4-0000-4a1b-9c2d-0123456789ab`"),
        "{notes}"
    );

    // Back returns to the suggestion; choosing another answer overrides it and is not marked.
    update(&mut app, Msg::Back);
    assert_eq!(at(&app), ("credential-type".to_string(), 0, Some(0)));
    update(&mut app, Msg::Digit(2));
    assert_eq!(at(&app).0, "cert-registered");
    let notes = app.notes("2025-03-04T10:00:00Z").expect("notes");
    assert!(!notes.contains("from the sign-in log"), "{notes}");
}

#[test]
fn plain_error_text_still_goes_through_explain_and_drops_the_event() {
    let d = data();
    let mut app = App::new(&d);
    update(&mut app, Msg::Paste(EVENT.into()));
    assert!(app.evidence.is_some());
    update(
        &mut app,
        Msg::Paste("AADSTS7000222: The provided client secret keys are expired.".into()),
    );
    assert!(app.evidence.is_none());
    assert_eq!(at(&app), ("newer-secret-exists".to_string(), 0, None));
}
