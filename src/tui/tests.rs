//! Behaviour and screen tests of the TUI on fixture data: the embedded catalog, the example
//! flow from flows/README.md and the triage flow.

use crate::catalog::Catalog;
use crate::command::Shell;
use crate::embedded;
use crate::flow::Node;
use crate::flow::library::{Library, Origin, SourceFile};
use crate::search::Searcher;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::tui::app::{App, Data, Overlay, Screen};
use crate::tui::update::{Effect, Msg, update};
use crate::tui::view;

const GUID: &str = "11111111-2222-3333-4444-555555555555";

/// A shipped (built-in) flow file for the test data.
pub(crate) fn built_in(path: &str, text: &str) -> SourceFile {
    SourceFile {
        path: path.into(),
        text: text.into(),
        origin: Origin::BuiltIn,
    }
}

/// The embedded catalog, `files` as the flow library (every one must load), and a searcher.
pub(crate) fn data_from(files: &[SourceFile]) -> Data {
    let (f, s) = embedded::CATALOG;
    let catalog = Catalog::from_yaml(f, s).expect("embedded catalog");
    let library = Library::build(&catalog, files);
    assert!(library.problems.is_empty(), "{:?}", library.problems);
    Data {
        catalog,
        library,
        searcher: Searcher::new(),
    }
}

fn data() -> Data {
    data_from(&[
        built_in(
            "tests/fixtures/flows/7000222-example.yaml",
            include_str!("../../tests/fixtures/flows/7000222-example.yaml"),
        ),
        built_in("flows/triage.yaml", include_str!("../../flows/triage.yaml")),
    ])
}

/// Feed a space-separated list of keys-as-intents: words are Msgs, `'text'` types text.
fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for k in keys.split_whitespace() {
        let msg = match k {
            "up" => Msg::Up,
            "down" => Msg::Down,
            "enter" => Msg::Choose,
            "back" => Msg::Back,
            "erase" => Msg::Erase,
            "restart" => Msg::Restart,
            "copy" => Msg::Copy,
            "all" => Msg::CopyAll,
            "link" => Msg::CopyLink,
            "tab" => Msg::ToggleShell,
            "values" => Msg::EditValues,
            "help" => Msg::Help,
            "quit" => Msg::Quit,
            d if d.len() == 1 && d.chars().all(|c| c.is_ascii_digit()) => {
                Msg::Digit(d.parse().expect("digit"))
            }
            t if t.starts_with('\'') => {
                for c in t.trim_matches('\'').chars() {
                    effects.extend(update(app, Msg::Input(if c == '_' { ' ' } else { c })));
                }
                continue;
            }
            other => panic!("unknown key {other}"),
        };
        effects.extend(update(app, msg));
    }
    effects
}

fn flow_key(app: &App) -> String {
    match &app.screen {
        Screen::Flow(f) => f.flow.key(f.at).to_string(),
        Screen::Search => "search".to_string(),
        Screen::Signins(_) => "signins".to_string(),
    }
}

#[test]
fn typing_searches_and_enter_opens_the_flow() {
    let d = data();
    let mut app = App::new(&d);
    press(&mut app, "'7000222'");
    assert_eq!(app.search.hits[0].code, 7000222);
    press(&mut app, "enter");
    assert_eq!(flow_key(&app), "secret-known");
}

#[test]
fn symptom_words_find_the_code() {
    let d = data();
    let mut app = App::new(&d);
    press(&mut app, "'secret_expired'");
    let codes: Vec<u32> = app.search.hits.iter().take(5).map(|h| h.code).collect();
    assert!(
        codes.contains(&50012) && codes.contains(&7000222),
        "{codes:?}"
    );
}

#[test]
fn digits_choose_back_undoes_and_restart_returns() {
    let d = data();
    let mut app = App::new(&d);
    app.open(7000222);
    press(&mut app, "1");
    assert_eq!(flow_key(&app), "all-expired");
    press(&mut app, "back");
    assert_eq!(flow_key(&app), "secret-known");
    press(&mut app, "down enter");
    assert_eq!(flow_key(&app), "stale-copy");
    press(&mut app, "restart");
    assert_eq!(flow_key(&app), "secret-known");
    press(&mut app, "back");
    assert!(matches!(app.screen, Screen::Search));
}

#[test]
fn copy_on_the_leaf_asks_for_exactly_the_rendered_command() {
    let d = data();
    let mut app = App::new(&d);
    app.values.insert("app-id".into(), GUID.into());
    app.open(7000222);
    press(&mut app, "1");
    // The first row of the az tab is the sign-in line the commands below need.
    let effects = press(&mut app, "copy");
    assert_eq!(
        effects,
        vec![Effect::CopyToClipboard(
            "az login --allow-no-subscriptions".to_string()
        )]
    );
    let effects = press(&mut app, "down copy");
    assert_eq!(
        effects,
        vec![Effect::CopyToClipboard(format!(
            "az ad app credential list --id {GUID} -o table"
        ))]
    );
    // A state-changing command asks first, naming what it changes; a second c copies it.
    assert!(press(&mut app, "down copy").is_empty());
    let Some(Overlay::Confirm(c)) = &app.overlay else {
        panic!("no confirmation")
    };
    assert_eq!(
        c.title,
        "Add a new secret valid for one year (prints the value once)"
    );
    assert!(
        render(&app, 80, 24).contains("⚠ This changes state: Add a new secret valid for one year"),
        "{}",
        render(&app, 80, 24)
    );
    let effects = press(&mut app, "copy");
    assert_eq!(
        effects,
        vec![Effect::CopyToClipboard(format!(
            "az ad app credential reset --id {GUID} --append --display-name rotated --years 1"
        ))]
    );
    // Any other key cancels.
    press(&mut app, "copy back");
    assert!(app.overlay.is_none());
    assert!(
        app.toast
            .as_deref()
            .is_some_and(|t| t.starts_with("not copied"))
    );
    let effects = press(&mut app, "tab copy");
    assert!(
        matches!(&effects[..], [Effect::CopyToClipboard(c)] if c.starts_with("Get-MgApplicationByAppId -AppId '11111111"))
    );
    assert_eq!(app.shell, Shell::Powershell);
}

#[test]
fn copy_all_leaves_out_state_changes() {
    let d = data();
    let mut app = App::new(&d);
    app.open(7000222);
    press(&mut app, "1");
    let effects = press(&mut app, "all");
    let [Effect::CopyToClipboard(text)] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert!(
        text.contains("az ad app credential list --id <app-id>"),
        "{text}"
    );
    assert!(
        !text.contains("credential reset"),
        "a state-changing command was copied: {text}"
    );
    // What was left out is named, in the text (a comment) and in the toast.
    assert!(
        text.contains(
            "# Left out (changes state or carries a secret; copy each with c): Add a new secret"
        ),
        "{text}"
    );
    update(&mut app, Msg::Copied(Ok("to the clipboard".into())));
    let toast = app.toast.clone().unwrap_or_default();
    assert!(
        toast.starts_with("copied 2 read-only command(s), from az login")
            && toast.contains("left out Add a new secret")
            && toast.contains("to the clipboard"),
        "{toast}"
    );
}

#[test]
fn print_mode_chooses_and_quits() {
    let d = data();
    let mut app = App::new(&d);
    app.print_mode = true;
    app.open(7000222);
    press(&mut app, "1 down down copy");
    assert!(
        !app.quit,
        "a state-changing command asks first, in --print mode too"
    );
    press(&mut app, "back up copy");
    assert!(app.quit);
    assert_eq!(
        app.chosen.as_deref(),
        Some("az ad app credential list --id <app-id> -o table")
    );
}

#[test]
fn values_form_rejects_a_bad_guid_and_keeps_a_good_one() {
    let d = data();
    let mut app = App::new(&d);
    app.open(7000222);
    press(&mut app, "values 'hello' enter");
    assert!(
        matches!(app.overlay, Some(Overlay::Values(_))),
        "a bad value keeps the form open"
    );
    assert!(app.toast.as_deref().is_some_and(|t| t.contains("app-id")));
    assert!(!app.values.contains_key("app-id"));
    for _ in 0..5 {
        press(&mut app, "erase");
    }
    press(&mut app, &format!("'{GUID}' enter"));
    assert!(app.overlay.is_none());
    assert_eq!(app.values.get("app-id").map(String::as_str), Some(GUID));
}

#[test]
fn saved_values_are_remembered_and_offered_next_time() {
    let d = data();
    let mut app = App::new(&d);
    app.remember = true;
    app.open(7000222);
    let effects = press(&mut app, &format!("values '{GUID}' enter"));
    assert_eq!(effects, [Effect::SaveHistory]);
    assert_eq!(app.history.recent("app-id"), [GUID]);
    // Saving the same value again changes nothing, so nothing is written.
    assert!(press(&mut app, "values enter").is_empty());

    // Next session: the form offers it; Ctrl-R fills it in.
    let mut next = App::new(&d);
    next.remember = true;
    next.history = app.history.clone();
    next.open(7000222);
    press(&mut next, "values");
    let Some(Overlay::Values(form)) = &next.overlay else {
        panic!("values form open")
    };
    assert_eq!(form.fields[0].recent, [GUID]);
    assert!(
        form.fields[0].input.is_empty(),
        "offered, not filled in unasked"
    );
    assert!(render(&next, 80, 24).contains(&format!("Ctrl-R: {GUID} (1/1)")));
    assert_eq!(update(&mut next, Msg::Recall), None);
    press(&mut next, "enter");
    assert_eq!(next.values.get("app-id").map(String::as_str), Some(GUID));

    // Ctrl-X forgets everything and asks for the file to be rewritten.
    press(&mut next, "values");
    assert_eq!(
        update(&mut next, Msg::ForgetHistory),
        Some(Effect::SaveHistory)
    );
    assert!(next.history.is_empty());
}

#[test]
fn nothing_is_remembered_when_remembering_is_off() {
    let d = data();
    let mut app = App::new(&d);
    assert!(!app.remember, "off unless the caller turns it on");
    app.open(7000222);
    assert!(press(&mut app, &format!("values '{GUID}' enter")).is_empty());
    assert!(app.history.is_empty());
}

#[test]
fn e_asks_to_save_notes_and_the_outcome_is_shown() {
    let d = data();
    let mut app = App::new(&d);
    app.open(7000222);
    press(&mut app, "1");
    assert_eq!(
        update(&mut app, Msg::ExportNotes),
        Some(Effect::ExportNotes)
    );
    update(
        &mut app,
        Msg::NotesSaved(Ok("./aadsts-7000222-20261121T031244Z.md".into())),
    );
    assert!(
        app.toast
            .as_deref()
            .is_some_and(|t| t.contains("./aadsts-7000222-20261121T031244Z.md")),
        "{:?}",
        app.toast
    );
    assert!(render(&app, 80, 24).contains("aadsts-7000222-20261121T031244Z.md"));
}

#[test]
fn code_without_a_flow_gets_triage_with_its_code_filled_in() {
    let d = data();
    let mut app = App::new(&d);
    assert!(app.open(50126));
    let Screen::Flow(f) = &app.screen else {
        panic!("not on a flow")
    };
    assert!(!f.own_flow);
    assert!(f.flow.fallback);
    assert_eq!(
        app.values.get("error-code").map(String::as_str),
        Some("50126")
    );
    press(&mut app, "3");
    let Screen::Flow(f) = &app.screen else {
        panic!()
    };
    let Node::Leaf(l) = f.node() else {
        panic!("expected a leaf")
    };
    assert!(
        l.commands[0]
            .render(&app.values)
            .contains("status/errorCode eq 50126")
    );
    let effects = press(&mut app, "link");
    assert_eq!(
        effects,
        vec![Effect::CopyToClipboard(
            "https://login.microsoftonline.com/error?code=50126".into()
        )]
    );
}

#[test]
fn pasting_an_error_opens_its_code_with_values() {
    let d = data();
    let mut app = App::new(&d);
    let text = "AADSTS7000222: The provided client secret keys for app '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b' are expired.\r\nTrace ID: 0d5e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a\r\nCorrelation ID: 9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
    update(&mut app, Msg::Paste(text.into()));
    assert_eq!(flow_key(&app), "secret-known");
    assert_eq!(
        app.values.get("app-id").map(String::as_str),
        Some("3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b")
    );
    assert_eq!(
        app.ids.trace_id.as_deref(),
        Some("0d5e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a")
    );
    assert!(render(&app, 80, 24).contains("trace 0d5e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a"));
    let effect = update(&mut app, Msg::CopyIds);
    assert_eq!(
        effect,
        Some(Effect::CopyToClipboard(
            "AADSTS7000222\nTrace ID: 0d5e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a\nCorrelation ID: 9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d".into()
        ))
    );
}

#[test]
fn a_pasted_errors_ids_put_the_fetch_commands_first_on_the_first_screen() {
    let d = data();
    let mut app = App::new(&d);
    let trace = "0d5e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
    let text = format!(
        "AADSTS7000222: The provided client secret keys for app '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b' are expired.\r\nTrace ID: {trace}"
    );
    update(&mut app, Msg::Paste(text));
    let Screen::Flow(f) = &app.screen else {
        panic!("the code opens")
    };
    assert!(matches!(f.node(), Node::Question(_)));
    let az: Vec<String> = f
        .commands(Shell::Az)
        .iter()
        .map(|c| c.render(&app.values))
        .collect();
    assert_eq!(az[0], "az login --allow-no-subscriptions", "{az:#?}");
    assert!(
        az[1].starts_with("az rest") && az[1].contains(&format!("id eq '{trace}'")),
        "{az:#?}"
    );
    // Its own checks follow, after the fetch rows.
    assert!(az.len() > 2, "{az:#?}");
    // Tab reaches the KQL form, though the flow has no KQL of its own, and comes back.
    press(&mut app, "tab tab");
    assert_eq!(app.shell, Shell::Kql);
    assert!(render(&app, 100, 30).contains(&format!("where Id == '{trace}'")));
    press(&mut app, "tab");
    assert_eq!(app.shell, Shell::Az);
    // The first screen only: once a question is answered the rows are the flow's own.
    update(&mut app, Msg::Digit(1));
    let Screen::Flow(f) = &app.screen else {
        panic!("still on the flow")
    };
    assert!(
        !f.commands(Shell::Az)
            .iter()
            .any(|c| c.render(&app.values).contains(trace)),
        "the fetch rows stay on the first screen"
    );
    assert_eq!(
        f.next_shell(Shell::Powershell),
        Shell::Az,
        "no KQL tab past the first screen"
    );
}

#[test]
fn related_codes_are_one_key_away() {
    let d = data();
    let mut app = App::new(&d);
    app.open(7000222);
    press(&mut app, "1 1");
    let Screen::Flow(f) = &app.screen else {
        panic!()
    };
    assert_eq!(f.code, 7000215);
}

#[test]
fn help_opens_and_any_key_closes() {
    let d = data();
    let mut app = App::new(&d);
    press(&mut app, "help");
    assert!(matches!(app.overlay, Some(Overlay::Help { .. })));
    press(&mut app, "help");
    assert!(app.overlay.is_none());
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

fn screens(d: &Data) -> Vec<(&'static str, App<'_>)> {
    let mut out = Vec::new();
    let mut app = App::new(d);
    press(&mut app, "'expired_secret'");
    out.push(("search", app));
    let mut app = App::new(d);
    app.open(7000222);
    out.push(("question", app));
    let mut app = App::new(d);
    app.values.insert("app-id".into(), GUID.into());
    app.open(7000222);
    press(&mut app, "1");
    out.push(("leaf", app));
    let mut app = App::new(d);
    app.open(50126);
    out.push(("no-flow", app));
    let mut app = App::new(d);
    app.open(7000222);
    press(&mut app, "values 'not-a-guid'");
    out.push(("values", app));
    let mut app = App::new(d);
    press(&mut app, "help");
    out.push(("help", app));
    out
}

#[test]
fn screens_at_80x24() {
    let d = data();
    for (name, app) in screens(&d) {
        insta::assert_snapshot!(format!("{name}_80x24"), render(&app, 80, 24));
    }
}

#[test]
fn screens_at_40x12() {
    let d = data();
    for (name, app) in screens(&d) {
        insta::assert_snapshot!(format!("{name}_40x12"), render(&app, 40, 12));
    }
}

#[test]
fn too_small_asks_for_a_larger_window() {
    let d = data();
    let app = App::new(&d);
    assert!(render(&app, 30, 8).contains("make the window larger"));
}

/// Whatever `NO_COLOR` says where the tests run: the theme is set here.
#[test]
fn state_change_mark_is_red() {
    let d = data();
    let mut app = App::new(&d);
    app.open(7000222);
    press(&mut app, "1");
    let mark_style = |app: &App| {
        let mut t = Terminal::new(TestBackend::new(100, 30)).expect("backend");
        t.draw(|f| view::view(app, f)).expect("draw");
        let buf = t.backend().buffer().clone();
        let mark = (0..30u16)
            .flat_map(|y| (0..100u16).map(move |x| (x, y)))
            .find(|&(x, y)| buf[(x, y)].symbol() == "⚠")
            .expect("a state-change mark is drawn");
        (buf[mark].fg, buf[mark].modifier)
    };
    app.theme = crate::tui::theme::Theme { color: true };
    let (fg, modifier) = mark_style(&app);
    assert_eq!(fg, ratatui::style::Color::Red);
    assert!(modifier.contains(ratatui::style::Modifier::BOLD));
    // Without colour the mark still stands out: reversed.
    app.theme = crate::tui::theme::Theme { color: false };
    let (fg, modifier) = mark_style(&app);
    assert_eq!(fg, ratatui::style::Color::Reset);
    assert!(modifier.contains(ratatui::style::Modifier::REVERSED));
}

#[test]
fn control_characters_in_flow_text_never_reach_the_buffer() {
    let d = data();
    let mut app = App::new(&d);
    press(&mut app, "'\u{1b}[31m'");
    let screen = render(&app, 80, 24);
    assert!(!screen.contains('\u{1b}'), "raw escape drawn");
}

/// A family flow for 7000215 and 7000218 whose leaf lists its own codes among the related,
/// with a secret and a tenant among its values, and a value no command on the leaf uses.
const FAMILY: &str = r#"
codes: [7000215, 7000218]
title: Test family
start: which
entry:
  7000215: leaf
  7000218: leaf
placeholders:
  client-secret:
    prompt: The client secret
    example: abc~123
    kind: secret
  tenant-id:
    prompt: Tenant
    example: contoso.onmicrosoft.com
    kind: tenant
  upn:
    prompt: A user
    example: ops@contoso.com
    kind: upn
nodes:
  which:
    question: Which?
    answers:
      - label: The leaf
        next: leaf
      - label: The leaf again
        next: leaf
    checks:
      - title: Look up the user
        shell: az
        command: az ad user show --id <upn>
  leaf:
    cause: Test cause
    explanation: Test explanation.
    fix:
      - Do the thing.
    commands:
      - title: Ask for a token as the app
        shell: az
        changes_state: false
        command: az rest --method get --url "https://login.microsoftonline.com/<tenant-id>/v2.0/.well-known/openid-configuration?x=<client-secret>"
      - title: Show the tenant
        shell: az
        changes_state: false
        command: az account show --query tenantId -o tsv
      - title: Show the tenant
        shell: powershell
        changes_state: false
        command: Get-AzContext
    related: [7000215, 7000218, 50012]
"#;

fn family_data() -> Data {
    data_from(&[
        built_in(
            "tests/fixtures/flows/7000222-example.yaml",
            include_str!("../../tests/fixtures/flows/7000222-example.yaml"),
        ),
        built_in("family.yaml", FAMILY),
        built_in("flows/triage.yaml", include_str!("../../flows/triage.yaml")),
    ])
}

fn code_on_screen(app: &App) -> Option<u32> {
    match &app.screen {
        Screen::Flow(f) => Some(f.code),
        Screen::Search | Screen::Signins(_) => None,
    }
}

#[test]
fn esc_comes_back_from_a_related_code_with_the_answers_kept() {
    let d = family_data();
    let mut app = App::new(&d);
    app.open(7000222);
    press(&mut app, "1");
    assert_eq!(flow_key(&app), "all-expired");
    press(&mut app, "1");
    assert_eq!(code_on_screen(&app), Some(7000215));
    assert!(render(&app, 80, 24).contains("from AADSTS7000222"));
    press(&mut app, "back");
    assert_eq!(code_on_screen(&app), Some(7000222));
    assert_eq!(flow_key(&app), "all-expired", "the answers are kept");
    // Back through the answer, then to search.
    press(&mut app, "back back");
    assert!(matches!(app.screen, Screen::Search));
}

#[test]
fn a_code_is_never_in_its_own_related_list() {
    let d = family_data();
    let mut app = App::new(&d);
    app.open(7000215);
    assert_eq!(flow_key(&app), "leaf");
    let Screen::Flow(f) = &app.screen else {
        panic!()
    };
    assert_eq!(f.related(), [7000218, 50012]);
    assert!(!render(&app, 120, 40).contains("] 7000215"));
    press(&mut app, "1");
    assert_eq!(code_on_screen(&app), Some(7000218));
}

#[test]
fn slash_searches_from_a_flow_and_esc_on_the_empty_query_returns_or_quits() {
    let d = data();
    let mut app = App::new(&d);
    app.open(7000222);
    press(&mut app, "1");
    update(&mut app, Msg::OpenSearch);
    assert!(matches!(app.screen, Screen::Search));
    press(&mut app, "'50012' back");
    assert!(matches!(app.screen, Screen::Search), "Esc clears first");
    assert!(app.search.query.is_empty());
    press(&mut app, "back");
    assert_eq!(flow_key(&app), "all-expired");
    press(&mut app, "back back");
    assert!(matches!(app.screen, Screen::Search) && !app.quit);
    press(&mut app, "back");
    assert!(
        app.quit,
        "Esc on an empty query with nowhere to go back quits"
    );
}

#[test]
fn q_quits_on_an_empty_query_and_types_otherwise() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let d = data();
    let mut app = App::new(&d);
    let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    assert_eq!(crate::tui::keys::msg_for_key(&app, q), Some(Msg::Quit));
    press(&mut app, "'5'");
    assert_eq!(
        crate::tui::keys::msg_for_key(&app, q),
        Some(Msg::Input('q'))
    );
    app.open(7000222);
    let slash = KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE);
    assert_eq!(
        crate::tui::keys::msg_for_key(&app, slash),
        Some(Msg::OpenSearch)
    );
}

#[test]
fn secrets_are_masked_on_screen_and_only_the_copy_has_them() {
    let d = family_data();
    let mut app = App::new(&d);
    app.values
        .insert("client-secret".into(), "s3cr3t~Value".into());
    app.values
        .insert("tenant-id".into(), "contoso.onmicrosoft.com".into());
    app.open(7000215);
    let screen = render(&app, 120, 40);
    assert!(!screen.contains("s3cr3t"), "{screen}");
    assert!(screen.contains("x=<client-secret:"), "{screen}");
    // Select the sign-in-as-the-app row (after the sign-in line) and copy it.
    let Screen::Flow(f) = &app.screen else {
        panic!()
    };
    let row = f
        .commands(Shell::Az)
        .iter()
        .position(|c| c.title == "Ask for a token as the app")
        .expect("row");
    for _ in 0..row {
        press(&mut app, "down");
    }
    let effects = press(&mut app, "copy");
    let [Effect::CopyToClipboard(text)] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert!(text.contains("s3cr3t~Value"), "{text}");
    update(&mut app, Msg::Copied(Ok("to the clipboard".into())));
    let toast = app.toast.clone().unwrap_or_default();
    assert!(
        !toast.contains("s3cr3t") && toast.starts_with("copied az rest"),
        "{toast}"
    );
    // Copy-all leaves a command carrying a secret out.
    let effects = press(&mut app, "all");
    let [Effect::CopyToClipboard(text)] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert!(
        !text.contains("s3cr3t") && text.contains("az account show"),
        "{text}"
    );
}

#[test]
fn values_form_offers_the_values_on_screen_first() {
    let d = family_data();
    let mut app = App::new(&d);
    app.open(7000215);
    press(&mut app, "values");
    let Some(Overlay::Values(form)) = &app.overlay else {
        panic!("form open")
    };
    let names: Vec<&str> = form.fields.iter().map(|f| f.name.as_str()).collect();
    // The sign-in line uses tenant-id first.
    assert_eq!(names, ["tenant-id", "client-secret", "upn"]);
    assert_eq!(form.visible(), 2, "upn is not used on this screen");
    assert!(render(&app, 80, 24).contains("Ctrl-O: 1 more value(s)"));
    update(&mut app, Msg::ToggleAllValues);
    let Some(Overlay::Values(form)) = &app.overlay else {
        panic!("form open")
    };
    assert_eq!(form.visible(), 3);
    // tenant-id takes a domain name; saving says what was saved.
    press(&mut app, "'contoso.onmicrosoft.com' enter");
    assert!(app.overlay.is_none(), "{:?}", app.toast);
    assert_eq!(
        app.values.get("tenant-id").map(String::as_str),
        Some("contoso.onmicrosoft.com")
    );
    assert_eq!(
        app.toast.as_deref(),
        Some("saved tenant-id: the commands now use them")
    );
}

#[test]
fn the_leaf_at_80x24_shows_cause_fix_and_the_selected_command() {
    let d = data();
    let mut app = App::new(&d);
    app.open(7000222);
    press(&mut app, "1 down");
    let screen = render(&app, 80, 24);
    for want in [
        "Cause: Every client secret",
        "3. Delete the expired secret",
        "az ad app credential list --id <app-id>",
        "? help · q quit",
    ] {
        assert!(screen.contains(want), "{want:?} missing:\n{screen}");
    }
    // The explanation is one key away.
    press(&mut app, "up");
    update(&mut app, Msg::ToggleWhy);
    assert!(render(&app, 80, 24).contains("A secret stops working at its end date"));
}

#[test]
fn footers_fit_and_always_offer_help() {
    let d = data();
    for (name, app) in screens(&d) {
        for w in [40u16, 80] {
            let screen = render(&app, w, 24);
            let footer = screen.lines().last().unwrap_or("").trim_end().to_string();
            if app.overlay.is_none() && app.toast.is_none() {
                assert!(
                    footer.contains("help") || footer.contains("F1"),
                    "{name} at {w}: {footer:?}"
                );
                assert!(!footer.ends_with("·"), "{name} at {w}: {footer:?}");
            }
        }
    }
}

#[test]
fn the_empty_search_reaches_every_code() {
    let d = data();
    let mut app = App::new(&d);
    let all = d.catalog.entries().len();
    assert_eq!(app.search.hits.len(), all);
    assert!(render(&app, 80, 24).contains(&format!("all {all} codes")));
    for _ in 0..all / 10 + 1 {
        update(&mut app, Msg::PageDown);
    }
    let last = d.catalog.entries().last().expect("codes").code;
    assert_eq!(app.search.hits[app.search.selected].code, last);
    assert!(render(&app, 80, 24).contains(&format!("AADSTS{last}")));
}

#[test]
fn search_rows_say_which_field_matched() {
    let d = data();
    let mut app = App::new(&d);
    press(&mut app, "'secret_expired'");
    let screen = render(&app, 99, 30);
    let row = |code: &str| {
        screen
            .lines()
            .find(|l| l.contains(&format!("AADSTS{code} ")))
            .unwrap_or_else(|| panic!("no row for {code}:\n{screen}"))
            .to_string()
    };
    for code in ["70002", "40015"] {
        let r = row(code);
        assert!(r.contains("keyword: ") || r.contains("summary: "), "{r}");
    }
}

#[test]
fn help_scrolls_and_belongs_to_the_screen() {
    let d = data();
    let mut app = App::new(&d);
    press(&mut app, "help");
    let small = render(&app, 40, 12);
    assert!(small.contains("more"), "{small}");
    assert!(small.contains("keys: search"), "{small}");
    let before = small.clone();
    for _ in 0..40 {
        update(&mut app, Msg::Down);
    }
    assert!(matches!(app.overlay, Some(Overlay::Help { .. })));
    let after = render(&app, 40, 12);
    assert_ne!(before, after);
    assert!(
        after.contains("quit from"),
        "the last row is reachable:\n{after}"
    );
    // On a flow, the flow's keys.
    press(&mut app, "back");
    app.open(7000222);
    press(&mut app, "help");
    let flow_help = render(&app, 80, 24);
    assert!(
        flow_help.contains("copy the read-only commands"),
        "{flow_help}"
    );
}

#[test]
fn mouse_is_off_until_toggled() {
    let d = data();
    let mut app = App::new(&d);
    assert!(!app.mouse);
    app.open(7000222);
    assert_eq!(
        update(&mut app, Msg::ToggleMouse),
        Some(Effect::SetMouse(true))
    );
    update(&mut app, Msg::Copy);
    update(
        &mut app,
        Msg::Copied(Err(crate::tui::clipboard::CopyError::NoDisplay)),
    );
    assert!(
        app.toast.as_deref().is_some_and(|t| t.contains("press m")),
        "{:?}",
        app.toast
    );
    update(&mut app, Msg::ToggleMouse);
    update(&mut app, Msg::Copy);
    update(
        &mut app,
        Msg::Copied(Err(crate::tui::clipboard::CopyError::NoDisplay)),
    );
    assert!(
        app.toast
            .as_deref()
            .is_some_and(|t| t.ends_with("select it on screen") && !t.contains("press m")),
        "{:?}",
        app.toast
    );
}

#[test]
fn wide_terminals_show_both_shells() {
    let d = data();
    let mut app = App::new(&d);
    app.open(7000222);
    press(&mut app, "1");
    let wide = render(&app, 160, 40);
    assert!(wide.contains("az ad app credential list"), "{wide}");
    assert!(wide.contains("Get-MgApplicationByAppId"), "{wide}");
    let narrow = render(&app, 159, 40);
    assert!(!narrow.contains("Get-MgApplicationByAppId"), "{narrow}");
}

#[test]
fn effect_outcomes_come_back_as_messages() {
    let d = data();
    let mut app = App::new(&d);
    let mut merged = crate::history::History::default();
    merged.remember("app-id", GUID, crate::flow::Kind::Guid);
    update(&mut app, Msg::HistorySaved(Ok(Box::new(merged.clone()))));
    assert_eq!(
        app.history, merged,
        "the file's values become the session's"
    );
    let err = crate::tui::store::StoreError::NoFolder { path: "/x".into() };
    let shown = err.to_string();
    update(&mut app, Msg::HistorySaved(Err(err)));
    assert_eq!(app.toast.as_deref(), Some(shown.as_str()));
    assert_eq!(app.history, merged, "a failed save keeps the values");
    update(&mut app, Msg::StillLoading);
    assert!(
        app.toast
            .as_deref()
            .is_some_and(|t| t.contains("still reading"))
    );
    update(&mut app, Msg::Progress("reading x.json: 5 MB…".into()));
    assert_eq!(app.toast.as_deref(), Some("reading x.json: 5 MB…"));
}
