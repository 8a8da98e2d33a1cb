//! The sign-in table: moving, regrouping, expected codes on and off, Enter walking a row's
//! latest event, Esc coming back to the same row, and opening an export by path.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::signins::{GroupBy, Tally};
use crate::tui::app::{App, Data, Overlay, Screen};
use crate::tui::signins::{SigninsState, options};
use crate::tui::tests::{built_in, data_from};
use crate::tui::update::{Effect, Msg, update};
use crate::tui::view;

/// Eleven events: four 50126 (two of them sam's), three 50012 (a service principal sending a
/// client secret, the latest at 09:15:22 with id `sp-3`), one 53003 (kim, 07:40), one expected
/// 50140, two successes.
const SMALL: &str = include_str!("../../tests/fixtures/signins/small.jsonl");

fn data() -> Data {
    data_from(&[
        built_in(
            "flows/50012-client-credentials.yaml",
            include_str!("../../flows/50012-client-credentials.yaml"),
        ),
        built_in("flows/triage.yaml", include_str!("../../flows/triage.yaml")),
    ])
}

fn table(d: &Data, text: &str) -> SigninsState {
    let mut tally = Tally::new(options(d));
    crate::signins::read::read("small.jsonl", text.as_bytes(), &mut tally).expect("reads");
    SigninsState::new(d, "small.jsonl".into(), tally)
}

/// An app on the table, as the wizard opens it for `signins FILE`.
fn app_on_table<'d>(d: &'d Data, text: &str) -> App<'d> {
    let mut app = App::new(d);
    update(&mut app, Msg::SigninsLoaded(Ok(Box::new(table(d, text)))));
    app.back.clear();
    app
}

fn on_table<'a>(app: &'a App) -> &'a SigninsState {
    match &app.screen {
        Screen::Signins(t) => t,
        _ => panic!("not on the table"),
    }
}

fn keys(t: &SigninsState) -> Vec<String> {
    t.rows().iter().map(|r| r.key.clone()).collect()
}

fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    t.draw(|f| view::view(app, f)).expect("draw");
    let buf = t.backend().buffer().clone();
    let mut s = String::new();
    for y in 0..h {
        for x in 0..w {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

#[test]
fn the_table_opens_by_code_without_the_expected_codes() {
    let d = data();
    let app = app_on_table(&d, SMALL);
    let t = on_table(&app);
    assert_eq!((t.by(), t.shows_expected()), (GroupBy::Code, false));
    assert_eq!(keys(t), ["50126", "50012", "53003"]);
    assert_eq!(t.selected(), 0);
    let toast = app.toast.clone().unwrap_or_default();
    assert!(
        toast.contains("11 sign-in events, 8 failures in 3 rows"),
        "{toast}"
    );
}

#[test]
fn the_selection_moves_and_stops_at_either_end() {
    let d = data();
    let mut app = app_on_table(&d, SMALL);
    let sel = |app: &App| on_table(app).selected();
    for (msg, want) in [
        (Msg::Down, 1),
        (Msg::Down, 2),
        (Msg::Down, 2),
        (Msg::Up, 1),
        (Msg::Home, 0),
        (Msg::Up, 0),
        (Msg::End, 2),
        (Msg::PageUp, 0),
        (Msg::PageDown, 2),
        (Msg::ScrollUp, 1),
        (Msg::Select(0), 0),
        (Msg::Select(99), 2),
    ] {
        update(&mut app, msg.clone());
        assert_eq!(sel(&app), want, "after {msg:?}");
    }
}

#[test]
fn tab_cycles_every_grouping_and_each_keeps_its_selection() {
    let d = data();
    let mut app = app_on_table(&d, SMALL);
    update(&mut app, Msg::Down);
    let mut seen = Vec::new();
    for _ in 0..6 {
        update(&mut app, Msg::NextGrouping);
        seen.push(on_table(&app).by());
    }
    assert_eq!(
        seen,
        [
            GroupBy::App,
            GroupBy::User,
            GroupBy::Ip,
            GroupBy::Resource,
            GroupBy::Policy,
            GroupBy::Code
        ]
    );
    assert_eq!(on_table(&app).selected(), 1, "back on code, row 2 again");
    update(&mut app, Msg::PrevGrouping);
    let t = on_table(&app);
    assert_eq!(t.by(), GroupBy::Policy);
    assert_eq!(keys(t), ["(no failed policy)", "Require compliant device"]);
    assert!(!t.shows_expected(), "cycling keeps the expected-codes rule");
}

#[test]
fn x_counts_the_expected_codes_and_stays_on_the_same_group() {
    let d = data();
    let mut app = app_on_table(&d, SMALL);
    update(&mut app, Msg::NextGrouping);
    let t = on_table(&app);
    assert_eq!(keys(t), ["Outlook", "Payroll sync", "Teams"]);
    update(&mut app, Msg::End);
    let count = |app: &App| {
        on_table(app)
            .selected_row()
            .map(|r| (r.key.clone(), r.count))
    };
    assert_eq!(count(&app), Some(("Teams".into(), 1)));
    update(&mut app, Msg::ToggleExpected);
    // The 50140 interrupt is Teams' too: same row, one more failure.
    assert!(on_table(&app).shows_expected());
    assert_eq!(count(&app), Some(("Teams".into(), 2)));
    let toast = app.toast.clone().unwrap_or_default();
    assert!(toast.contains("counted: 9 failures"), "{toast}");
    update(&mut app, Msg::ToggleExpected);
    assert_eq!(count(&app), Some(("Teams".into(), 1)));
    let toast = app.toast.clone().unwrap_or_default();
    assert!(toast.contains("left out: 8 of 9 failures"), "{toast}");
}

#[test]
fn enter_walks_the_rows_latest_event_and_esc_comes_back_to_the_same_row() {
    let d = data();
    let mut app = app_on_table(&d, SMALL);
    update(&mut app, Msg::NextGrouping); // by app: Outlook, Payroll sync, Teams
    update(&mut app, Msg::Down);
    update(&mut app, Msg::Choose);
    let Screen::Flow(f) = &app.screen else {
        panic!("not on a flow")
    };
    assert_eq!(f.code, 50012);
    assert_eq!(f.flow.key(f.at), "credential-type");
    // The event says clientSecret: answer 1 is pre-selected, with the reason.
    assert_eq!(f.suggestion.as_ref().map(|(i, _)| *i), Some(0));
    assert_eq!(f.selected, 0);
    assert_eq!(
        app.ids.trace_id.as_deref(),
        Some("sp-3"),
        "the latest of the three"
    );
    assert_eq!(
        app.values.get("app-id").map(String::as_str),
        Some("00001111-aaaa-2222-bbbb-3333cccc4444")
    );
    let screen = render(&app, 80, 24);
    assert!(screen.contains("From the sign-in log"), "{screen}");
    // Enter accepts the answer; Esc goes back through it, then to the table.
    update(&mut app, Msg::Choose);
    update(&mut app, Msg::Back);
    update(&mut app, Msg::Back);
    let t = on_table(&app);
    assert_eq!((t.by(), t.selected()), (GroupBy::App, 1));
    // The event and the values it filled are gone; the next row brings its own.
    assert!(app.evidence.is_none());
    assert!(!app.values.contains_key("app-id"));
    assert!(app.ids.trace_id.is_none());
}

#[test]
fn a_non_code_row_opens_the_code_of_its_latest_event() {
    let d = data();
    let mut app = app_on_table(&d, SMALL);
    update(&mut app, Msg::NextGrouping);
    update(&mut app, Msg::NextGrouping); // by user
    let t = on_table(&app);
    let kim = t
        .rows()
        .iter()
        .position(|r| r.key == "kim@contoso.example")
        .expect("kim");
    // kim's top code is a tie won by 50126; the latest event (07:40) is the 53003.
    assert_eq!(
        t.rows()[kim].top_code.as_ref().map(|c| c.value.as_str()),
        Some("50126")
    );
    update(&mut app, Msg::Select(kim));
    update(&mut app, Msg::Choose);
    let Screen::Flow(f) = &app.screen else {
        panic!("not on a flow")
    };
    assert_eq!(f.code, 53003);
    assert_eq!(app.ids.trace_id.as_deref(), Some("u-4"));
    update(&mut app, Msg::Back);
    assert_eq!(on_table(&app).selected(), kim);
}

#[test]
fn esc_on_the_table_goes_back_or_quits() {
    let d = data();
    let mut app = app_on_table(&d, SMALL);
    update(&mut app, Msg::Back);
    assert!(app.quit, "opened on the table: Esc quits");
    // Opened from the search screen: Esc returns there.
    let mut app = App::new(&d);
    update(&mut app, Msg::SigninsLoaded(Ok(Box::new(table(&d, SMALL)))));
    update(&mut app, Msg::Back);
    assert!(matches!(app.screen, Screen::Search) && !app.quit);
}

#[test]
fn ctrl_l_asks_for_a_path_and_enter_asks_to_read_it() {
    let d = data();
    let mut app = App::new(&d);
    update(&mut app, Msg::OpenLog);
    assert!(matches!(app.overlay, Some(Overlay::OpenLog(_))));
    assert_eq!(update(&mut app, Msg::Choose), None, "nothing typed");
    assert!(matches!(app.overlay, Some(Overlay::OpenLog(_))));
    for c in "x.json".chars() {
        update(&mut app, Msg::Input(c));
    }
    update(&mut app, Msg::Erase);
    update(&mut app, Msg::Paste("n\nignored".into()));
    assert_eq!(
        update(&mut app, Msg::Choose),
        Some(Effect::LoadSignins("x.json".into()))
    );
    assert!(app.overlay.is_none());
    // A failure is a toast; the screen stays.
    update(
        &mut app,
        Msg::SigninsLoaded(Err("x.json: not a regular file".into())),
    );
    assert_eq!(app.toast.as_deref(), Some("x.json: not a regular file"));
    assert!(matches!(app.screen, Screen::Search));
    // Esc closes the box without reading.
    update(&mut app, Msg::OpenLog);
    assert_eq!(update(&mut app, Msg::Back), None);
    assert!(app.overlay.is_none());
}

#[test]
fn keys_on_the_table() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let d = data();
    let app = app_on_table(&d, SMALL);
    let key = |code| crate::tui::keys::msg_for_key(&app, KeyEvent::new(code, KeyModifiers::NONE));
    assert_eq!(key(KeyCode::Tab), Some(Msg::NextGrouping));
    assert_eq!(key(KeyCode::Char('g')), Some(Msg::NextGrouping));
    assert_eq!(key(KeyCode::BackTab), Some(Msg::PrevGrouping));
    assert_eq!(key(KeyCode::Char('x')), Some(Msg::ToggleExpected));
    assert_eq!(key(KeyCode::Home), Some(Msg::Home));
    assert_eq!(key(KeyCode::End), Some(Msg::End));
    assert_eq!(key(KeyCode::Enter), Some(Msg::Choose));
    assert_eq!(key(KeyCode::Esc), Some(Msg::Back));
    assert_eq!(key(KeyCode::Char('q')), Some(Msg::Quit));
    let search = App::new(&d);
    let ctrl_l = KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL);
    assert_eq!(
        crate::tui::keys::msg_for_key(&search, ctrl_l),
        Some(Msg::OpenLog)
    );
}

#[test]
fn the_table_at_80x24_and_40x12() {
    let d = data();
    let mut app = app_on_table(&d, SMALL);
    app.toast = None;
    insta::assert_snapshot!("signins_80x24", render(&app, 80, 24));
    insta::assert_snapshot!("signins_40x12", render(&app, 40, 12));
    update(&mut app, Msg::NextGrouping);
    update(&mut app, Msg::NextGrouping);
    insta::assert_snapshot!("signins_by_user_80x24", render(&app, 80, 24));
    // Wide: the first-seen column joins.
    let wide = render(&app, 160, 30);
    assert!(wide.contains("FIRST SEEN"), "{wide}");
}

#[test]
fn text_from_the_export_never_reaches_the_screen_raw() {
    let d = data();
    let hostile = SMALL.replace("Payroll sync", "Pay\\u001b]52;c;aGk=\\u0007roll\\u202e");
    let mut app = app_on_table(&d, &hostile);
    update(&mut app, Msg::NextGrouping);
    let screen = render(&app, 100, 30);
    assert!(screen.contains("Pay"), "{screen}");
    assert!(
        !screen
            .chars()
            .any(|c| c.is_control() && c != '\n' || c == '\u{202e}'),
        "{screen:?}"
    );
}

#[test]
fn reading_an_export_by_path_refuses_what_is_not_a_regular_file() {
    use std::sync::Arc;
    use std::sync::atomic::AtomicU64;
    let d = data();
    let dir = tempfile::tempdir().expect("tempdir");
    let progress = Arc::new(AtomicU64::new(0));
    let file = dir.path().join("small.jsonl");
    std::fs::write(&file, SMALL).expect("write");
    let read = |p: &std::path::Path| {
        crate::tui::store::read_signins(&p.to_string_lossy(), options(&d), &progress)
            .map_err(|e| e.to_string())
    };
    let (name, tally) = read(&file).expect("reads");
    assert_eq!(name, "small.jsonl");
    assert_eq!(tally.stats.events, 11);
    let err = read(dir.path()).expect_err("a folder");
    assert!(err.contains("not a regular file"), "{err}");
    let err = read(&dir.path().join("missing.json")).expect_err("missing");
    assert!(err.starts_with("cannot read "), "{err}");
    let junk = dir.path().join("notes.txt");
    std::fs::write(&junk, "hello\nworld\n").expect("write");
    let err = read(&junk).expect_err("not an export");
    assert!(err.contains("not a sign-in export"), "{err}");
    #[cfg(unix)]
    {
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).expect("path");
        // SAFETY: mkfifo with a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // No writer: a blocking open would hang here.
        let err = read(&fifo).expect_err("a FIFO");
        assert!(err.contains("not a regular file"), "{err}");
        let err = read(std::path::Path::new("/dev/zero")).expect_err("a device");
        assert!(err.contains("not a regular file"), "{err}");
    }
}

#[test]
fn a_click_selects_the_row_under_it() {
    let d = data();
    let mut app = app_on_table(&d, SMALL);
    let area = ratatui::layout::Rect::new(0, 0, 80, 24);
    let screen = render(&app, 80, 24);
    let y = screen
        .lines()
        .position(|l| l.contains("AADSTS53003") && !l.contains("selected"))
        .expect("row on screen") as u16;
    let row = view::row_at(&app, area, 10, y).expect("a row");
    update(&mut app, Msg::Select(row));
    assert_eq!(
        on_table(&app).selected_row().map(|r| r.key.as_str()),
        Some("53003")
    );
    // The header line and the borders are no row.
    let header = screen
        .lines()
        .position(|l| l.contains("FAILURES"))
        .expect("header") as u16;
    assert_eq!(view::row_at(&app, area, 10, header), None);
    assert_eq!(view::row_at(&app, area, 0, y), None);
}
