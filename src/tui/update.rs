//! The only place that changes TUI state: a `Msg` in, maybe an `Effect` out.

use crate::command::Shell;
use crate::evidence;
use crate::explain;
use crate::flow::{Node, Step};

use crate::flow::Command;
use crate::tui::app::{App, Confirm, Field, FlowState, Overlay, Screen, SearchState, ValuesForm};
use crate::tui::signins::{PAGE, SigninsState};

/// What the user asked for, whatever key or mouse action said it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    Input(char),
    /// Several characters typed in one burst (a paste without bracketed paste): added to
    /// the query at once, so the search runs once instead of once per character.
    InputText(String),
    Erase,
    ClearQuery,
    Up,
    Down,
    PageUp,
    PageDown,
    Choose,
    /// 1-based digit key: an answer on a question, a related code on a leaf.
    Digit(usize),
    Back,
    Restart,
    Copy,
    CopyAll,
    CopyLink,
    /// Copy the trace and correlation ids of a pasted error, for a support ticket.
    CopyIds,
    ToggleShell,
    EditValues,
    Help,
    OpenPaste,
    /// Text that arrived by bracketed paste.
    Paste(String),
    /// Select a row of the current list (mouse click).
    Select(usize),
    ScrollUp,
    ScrollDown,
    /// Save the incident note of this flow to a file.
    ExportNotes,
    /// Copy the incident note.
    CopyNotes,
    /// Where the note was saved, or why not.
    NotesSaved(Result<String, crate::tui::store::StoreError>),
    /// Values form: put the next remembered value into the field.
    Recall,
    /// Values form: forget every remembered value.
    ForgetHistory,
    /// The outcome of a copy: how it was copied, or why not.
    Copied(Result<String, crate::tui::clipboard::CopyError>),
    Resize,
    /// Open the search screen from anywhere (`/`).
    OpenSearch,
    /// On a leaf: show or hide the explanation (`w`).
    ToggleWhy,
    /// Values form: show the flow's other values too, or only the screen's (Ctrl-O).
    ToggleAllValues,
    /// Capture the mouse (wheel, clicks) or leave it to the terminal's selection (`m`).
    ToggleMouse,
    /// The first / last row of a list.
    Home,
    End,
    /// Sign-in table: the next / previous grouping (code, app, user, IP, resource, policy).
    NextGrouping,
    PrevGrouping,
    /// Sign-in table: count the expected codes (interrupts, polling) or leave them out.
    ToggleExpected,
    /// Ask for the path of a sign-in log export to open as the table (Ctrl-L).
    OpenLog,
    /// A sign-in log export was read (its table), or why not.
    SigninsLoaded(Result<Box<SigninsState>, String>),
    /// The history file was written: what it holds now (other wizards' values included), or
    /// why not.
    HistorySaved(Result<Box<crate::history::History>, crate::tui::store::StoreError>),
    /// A sign-in log export is still being read; another cannot start.
    StillLoading,
    /// How far the reading of an export has got (shown in the status line).
    Progress(String),
    Quit,
}

/// What `tui.rs` must do for `update`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    CopyToClipboard(String),
    /// Write the note of the flow on screen to `./aadsts-<code>-<time>.md`.
    ExportNotes,
    /// Copy the note of the flow on screen.
    CopyNotes,
    /// Write `app.history` to the history file (removing the file when it is empty).
    SaveHistory,
    /// Turn mouse capture on or off.
    SetMouse(bool),
    /// Read the sign-in log export at this path (streamed, off the drawing thread) and answer
    /// with [`Msg::SigninsLoaded`].
    LoadSignins(String),
}

pub fn update(app: &mut App, msg: Msg) -> Option<Effect> {
    if !matches!(
        msg,
        Msg::Copied(_) | Msg::NotesSaved(_) | Msg::HistorySaved(_) | Msg::Resize
    ) {
        app.toast = None;
    }
    match msg {
        Msg::Quit => {
            app.quit = true;
            return None;
        }
        Msg::Copied(result) => {
            let what = app.copying.take().unwrap_or_else(|| "it".to_string());
            app.toast = Some(match result {
                Ok(how) => format!("copied {what} {how}"),
                Err(why) if app.mouse => format!(
                    "could not copy {what}: {why}; press m (mouse off), then select it on screen"
                ),
                Err(why) => format!("could not copy {what}: {why}; select it on screen"),
            });
            return None;
        }
        Msg::NotesSaved(result) => {
            app.toast = Some(match result {
                Ok(path) => format!("notes saved to {path} · E copies them"),
                Err(why) => format!("could not save the notes: {why}; E copies them instead"),
            });
            return None;
        }
        Msg::Resize => return None,
        Msg::HistorySaved(result) => {
            match result {
                Ok(merged) => app.history = *merged,
                Err(why) => app.toast = Some(why.to_string()),
            }
            return None;
        }
        Msg::Progress(text) => {
            app.toast = Some(text);
            return None;
        }
        Msg::StillLoading => {
            app.toast = Some("still reading the previous sign-in log".to_string());
            return None;
        }
        Msg::SigninsLoaded(result) => {
            match result {
                Ok(state) => {
                    app.toast = Some(loaded_toast(&state));
                    let here = std::mem::replace(&mut app.screen, Screen::Signins(state));
                    app.remember_screen(here);
                }
                Err(why) => app.toast = Some(why),
            }
            return None;
        }
        _ => {}
    }
    if let Some(overlay) = app.overlay.take() {
        return update_overlay(app, overlay, msg);
    }
    match msg {
        Msg::Help => {
            app.overlay = Some(Overlay::Help { scroll: 0 });
            None
        }
        Msg::ToggleMouse => {
            app.mouse = !app.mouse;
            app.toast = Some(if app.mouse {
                "mouse on: wheel scrolls, a click selects; m gives selection back to the terminal"
                    .to_string()
            } else {
                "mouse off: select text with the terminal; m turns the wheel and clicks on"
                    .to_string()
            });
            Some(Effect::SetMouse(app.mouse))
        }
        Msg::OpenLog => {
            app.overlay = Some(Overlay::OpenLog(String::new()));
            None
        }
        Msg::OpenSearch => {
            if let Screen::Flow(_) | Screen::Signins(_) = app.screen {
                let here = std::mem::replace(&mut app.screen, Screen::Search);
                app.remember_screen(here);
                app.search = SearchState::new(app.data, "");
            }
            None
        }
        Msg::OpenPaste => {
            app.overlay = Some(Overlay::Paste(String::new()));
            None
        }
        Msg::Paste(text) => {
            land_on_paste(app, &text);
            None
        }
        Msg::EditValues => {
            open_values(app);
            None
        }
        Msg::ToggleShell => {
            app.shell = match &app.screen {
                Screen::Flow(f) => f.next_shell(app.shell),
                _ => match app.shell {
                    Shell::Az => Shell::Powershell,
                    Shell::Powershell | Shell::Kql => Shell::Az,
                },
            };
            if let Screen::Flow(f) = &mut app.screen {
                f.selected = f.selected.min(f.row_count(app.shell).saturating_sub(1));
            }
            None
        }
        _ => match &app.screen {
            Screen::Search => update_search(app, msg),
            Screen::Flow(_) => update_flow(app, msg),
            Screen::Signins(_) => update_signins(app, msg),
        },
    }
}

fn update_search(app: &mut App, msg: Msg) -> Option<Effect> {
    let s = &mut app.search;
    match msg {
        Msg::Input(c) => {
            let mut q = std::mem::take(&mut s.query);
            q.push(c);
            app.search = SearchState::new(app.data, &q);
        }
        Msg::InputText(text) => {
            let mut q = std::mem::take(&mut s.query);
            q.push_str(&text);
            app.search = SearchState::new(app.data, &q);
        }
        // Backspace on an empty query goes back to the screen before, if any.
        Msg::Erase if s.query.is_empty() => {
            if let Some(prev) = app.back.pop() {
                app.screen = prev;
            }
        }
        Msg::Erase => {
            let mut q = std::mem::take(&mut s.query);
            q.pop();
            app.search = SearchState::new(app.data, &q);
        }
        Msg::ClearQuery => app.search = SearchState::new(app.data, ""),
        // Esc clears the query; on an empty one it goes back, or quits when there is no back.
        Msg::Back if s.query.is_empty() => match app.back.pop() {
            Some(prev) => app.screen = prev,
            None => app.quit = true,
        },
        Msg::Back => app.search = SearchState::new(app.data, ""),
        Msg::Up | Msg::ScrollUp => s.selected = s.selected.saturating_sub(1),
        Msg::Down | Msg::ScrollDown => {
            s.selected = (s.selected + 1).min(s.hits.len().saturating_sub(1))
        }
        Msg::PageUp => s.selected = s.selected.saturating_sub(10),
        Msg::PageDown => s.selected = (s.selected + 10).min(s.hits.len().saturating_sub(1)),
        Msg::Select(i) if i < s.hits.len() => s.selected = i,
        Msg::Choose => {
            if let Some(hit) = s.hits.get(s.selected) {
                let code = hit.code;
                app.open_from_here(code);
            }
        }
        Msg::CopyLink => {
            if let Some(e) = app.entry() {
                app.copying = Some(format!("the lookup link of AADSTS{}", e.code));
                return Some(Effect::CopyToClipboard(e.lookup_url()));
            }
        }
        _ => {}
    }
    None
}

fn update_flow(app: &mut App, msg: Msg) -> Option<Effect> {
    let shell = app.shell;
    let event = app.evidence.as_ref();
    let Screen::Flow(f) = &mut app.screen else {
        return None;
    };
    let rows = f.row_count(shell);
    match msg {
        Msg::Up => f.selected = f.selected.saturating_sub(1),
        Msg::Down => f.selected = (f.selected + 1).min(rows.saturating_sub(1)),
        Msg::ScrollUp | Msg::PageUp => {
            f.scroll = f
                .scroll
                .saturating_sub(if msg == Msg::PageUp { 10 } else { 2 })
        }
        Msg::ScrollDown | Msg::PageDown => {
            f.scroll = f
                .scroll
                .saturating_add(if msg == Msg::PageDown { 10 } else { 2 })
        }
        Msg::Select(i) if i < rows => f.selected = i,
        Msg::Digit(n) => match f.node() {
            Node::Question(_) => choose_answer(f, n.saturating_sub(1), event),
            Node::Leaf(_) => {
                if let Some(code) = f.related().get(n.saturating_sub(1)).copied() {
                    app.open_from_here(code);
                }
            }
        },
        Msg::ToggleWhy => {
            if matches!(f.node(), Node::Leaf(_)) {
                f.show_why = !f.show_why;
                f.scroll = 0;
            }
        }
        Msg::Choose => {
            if f.selected < f.answer_count() {
                let i = f.selected;
                choose_answer(f, i, event);
            } else if let Some(c) = f.selected_command(shell) {
                return copy_command(app, c);
            }
        }
        Msg::Back | Msg::Erase if !f.step_back(event) => {
            app.screen = app.back.pop().unwrap_or(Screen::Search);
            if let Screen::Signins(_) = app.screen {
                // Back at the table: the next row brings its own event.
                forget_evidence(app);
            }
        }
        Msg::Restart => f.restart(event),
        Msg::Copy => {
            let cmd = f
                .selected_command(shell)
                .or_else(|| f.commands(shell).first().copied());
            match cmd {
                Some(c) => return copy_command(app, c),
                None => {
                    app.toast = Some(format!(
                        "no {} command here; Tab switches shell",
                        shell.title()
                    ))
                }
            }
        }
        Msg::CopyAll => return copy_all(app),
        Msg::CopyLink => {
            if let Some(e) = app.data.catalog.get(f.code) {
                app.copying = Some(format!("the lookup link of AADSTS{}", f.code));
                return Some(Effect::CopyToClipboard(e.lookup_url()));
            }
        }
        Msg::ExportNotes => return Some(Effect::ExportNotes),
        Msg::CopyNotes => {
            app.copying = Some(format!("the notes of AADSTS{}", f.code));
            return Some(Effect::CopyNotes);
        }
        Msg::CopyIds => {
            let ids = &app.ids;
            let lines: Vec<String> = [
                ("Trace ID", &ids.trace_id),
                ("Correlation ID", &ids.correlation_id),
                ("Timestamp", &ids.timestamp),
            ]
            .iter()
            .filter_map(|(label, v)| v.as_ref().map(|v| format!("{label}: {v}")))
            .collect();
            if lines.is_empty() {
                app.toast =
                    Some("no trace or correlation id yet: paste the error text (p)".to_string());
            } else {
                app.copying = Some("the trace and correlation ids".to_string());
                return Some(Effect::CopyToClipboard(format!(
                    "AADSTS{}\n{}",
                    f.code,
                    lines.join("\n")
                )));
            }
        }
        _ => {}
    }
    None
}

/// Copy the read-only commands of the screen's shell as one block; a command that changes
/// state, or that carries a secret, is left out (and named), to be copied on its own.
fn copy_all(app: &mut App) -> Option<Effect> {
    let shell = app.shell;
    let Screen::Flow(f) = &app.screen else {
        return None;
    };
    let flow = f.flow;
    let is_secret = |n: &str| flow.is_secret(n);
    // Only what is safe to paste as a block: a command that changes state, or that
    // carries a secret, is copied on its own with `c`.
    let (safe, held): (Vec<&Command>, Vec<&Command>) = f
        .commands(shell)
        .into_iter()
        .partition(|c| !c.changes_state && !c.carries_secret(&app.values, is_secret));
    let held_note = held_back(&held);
    if safe.is_empty() {
        app.toast = Some(match held_note {
            Some(note) => format!("nothing read-only to copy here: {note}"),
            None => format!("no {} commands here", shell.title()),
        });
        return None;
    }
    let mut blocks: Vec<String> = safe
        .iter()
        .map(|c| format!("# {}\n{}", c.title, c.render(&app.values)))
        .collect();
    if !held.is_empty() {
        let titles: Vec<String> = held.iter().map(|c| c.title.clone()).collect();
        blocks.push(format!(
            "# Left out (changes state or carries a secret; copy each with c): {}",
            titles.join("; ")
        ));
    }
    let mut what = format!(
        "{} read-only command(s), from {}",
        safe.len(),
        label(safe[0], &app.values, &is_secret)
    );
    if let Some(note) = held_note {
        what.push_str(&format!(" · {note}"));
    }
    app.copying = Some(what);
    Some(Effect::CopyToClipboard(blocks.join("\n\n")))
}

/// What copy-all leaves out, for the toast: "left out 1 that changes state (Add a new
/// secret…): select it and press c".
fn held_back(held: &[&Command]) -> Option<String> {
    let first = held.first()?;
    let why = if first.changes_state {
        "changes state"
    } else {
        "carries a secret"
    };
    let more = if held.len() > 1 {
        format!(" and {} more", held.len() - 1)
    } else {
        String::new()
    };
    Some(format!(
        "left out {}{more} that {why}: select it, press c",
        shorten(&first.title, 40)
    ))
}

/// A command as the toast names it: its first line with values (secrets masked), shortened.
fn label(c: &Command, values: &crate::command::Values, is_secret: &dyn Fn(&str) -> bool) -> String {
    let shown = c.render_masked(values, is_secret);
    let first = shown.lines().next().unwrap_or("");
    shorten(first, 48)
}

/// `text` cut to `max` characters, with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Take answer `i`; the notes record it as from the sign-in log when it is the answer the
/// event picked (any other choice overrides the event).
fn choose_answer(f: &mut FlowState, i: usize, event: Option<&serde_json::Value>) {
    if let Node::Question(q) = f.node()
        && let Some(a) = q.answers.get(i)
    {
        if let Some((s, why)) = f.suggestion.take()
            && s == i
        {
            f.from_log.push((f.steps.len(), why));
        }
        f.steps.push(Step {
            node: f.at,
            answer: i,
        });
        f.at = a.next;
        f.selected = 0;
        f.scroll = 0;
        f.suggest(event);
    }
}

/// Copy a command, or in `--print` mode choose it and quit. A command that changes state
/// asks first, naming what it changes.
fn copy_command(app: &mut App, c: &Command) -> Option<Effect> {
    let is_secret = |n: &str| app.is_secret(n);
    let text = c.render(&app.values);
    if c.changes_state {
        app.overlay = Some(Overlay::Confirm(Confirm {
            text,
            title: c.title.clone(),
            shown: c.render_masked(&app.values, is_secret),
        }));
        return None;
    }
    let shown = label(c, &app.values, &is_secret);
    send_command(app, text, shown)
}

fn send_command(app: &mut App, text: String, shown: String) -> Option<Effect> {
    if app.print_mode {
        app.chosen = Some(text);
        app.quit = true;
        return None;
    }
    app.copying = Some(shown);
    Some(Effect::CopyToClipboard(text))
}

fn open_values(app: &mut App) {
    let Screen::Flow(f) = &app.screen else {
        app.toast = Some("open a code first; its commands say which values they need".to_string());
        return;
    };
    let on_screen = f.placeholders_on_screen(app.shell);
    let field = |p: &crate::flow::Placeholder| Field {
        name: p.name.clone(),
        prompt: p.prompt.clone(),
        example: p.example.clone(),
        kind: p.kind,
        input: app.values.get(&p.name).cloned().unwrap_or_default(),
        recent: app.history.recent(&p.name).to_vec(),
        recalled: None,
    };
    // The values the commands on screen use first, in their order; then the flow's others.
    let mut fields: Vec<Field> = on_screen
        .iter()
        .filter_map(|n| {
            f.flow
                .placeholder(n)
                .or_else(|| crate::evidence::fetch::flow().and_then(|ff| ff.placeholder(n)))
        })
        .map(field)
        .collect();
    let shown = fields.len();
    fields.extend(
        f.flow
            .placeholders
            .iter()
            .filter(|p| {
                p.name != crate::flow::names::ERROR_CODE && !on_screen.contains(&p.name.as_str())
            })
            .map(field),
    );
    if fields.is_empty() {
        app.toast = Some("this flow's commands need no values".to_string());
        return;
    }
    app.overlay = Some(Overlay::Values(ValuesForm {
        fields,
        on_screen: shown,
        // Nothing on screen needs a value: show the flow's values rather than an empty form.
        all: shown == 0,
        selected: 0,
    }));
}

fn update_overlay(app: &mut App, overlay: Overlay, msg: Msg) -> Option<Effect> {
    match overlay {
        Overlay::Help { scroll } => match msg {
            Msg::Up | Msg::ScrollUp => {
                app.overlay = Some(Overlay::Help {
                    scroll: scroll.saturating_sub(1),
                })
            }
            Msg::Down | Msg::ScrollDown => {
                app.overlay = Some(Overlay::Help {
                    scroll: scroll.saturating_add(1),
                })
            }
            Msg::PageUp => {
                app.overlay = Some(Overlay::Help {
                    scroll: scroll.saturating_sub(8),
                })
            }
            Msg::PageDown => {
                app.overlay = Some(Overlay::Help {
                    scroll: scroll.saturating_add(8),
                })
            }
            // Close keys only close; any other key closes help and acts.
            Msg::Help | Msg::Back | Msg::Choose | Msg::Erase | Msg::Quit => {}
            _ => return update(app, msg),
        },
        Overlay::Confirm(c) => match msg {
            Msg::Copy | Msg::Choose => {
                let first = c.shown.lines().next().unwrap_or("");
                return send_command(app, c.text, shorten(first, 48));
            }
            _ => app.toast = Some(format!("not copied: {}", c.title)),
        },
        Overlay::Paste(mut text) => match msg {
            Msg::Input(c) => {
                text.push(c);
                app.overlay = Some(Overlay::Paste(text));
            }
            Msg::Paste(more) => {
                text.push_str(&more);
                app.overlay = Some(Overlay::Paste(text));
            }
            Msg::Erase => {
                text.pop();
                app.overlay = Some(Overlay::Paste(text));
            }
            Msg::Choose => land_on_paste(app, &text),
            Msg::Back => {}
            _ => app.overlay = Some(Overlay::Paste(text)),
        },
        Overlay::OpenLog(mut path) => match msg {
            Msg::Input(c) => {
                path.push(c);
                app.overlay = Some(Overlay::OpenLog(path));
            }
            // A pasted path: its first line, without the quotes a file manager adds.
            Msg::Paste(text) | Msg::InputText(text) => {
                let line = text.lines().next().unwrap_or("").trim();
                path.push_str(line.trim_matches(|c| c == '\'' || c == '"'));
                app.overlay = Some(Overlay::OpenLog(path));
            }
            Msg::Erase => {
                path.pop();
                app.overlay = Some(Overlay::OpenLog(path));
            }
            Msg::ClearQuery => app.overlay = Some(Overlay::OpenLog(String::new())),
            Msg::Choose if path.trim().is_empty() => {
                app.toast = Some("type the path of a sign-in log export, or Esc".to_string());
                app.overlay = Some(Overlay::OpenLog(path));
            }
            Msg::Choose => {
                let path = path.trim().to_string();
                app.toast = Some(format!("reading {path}…"));
                return Some(Effect::LoadSignins(path));
            }
            Msg::Back => {}
            _ => app.overlay = Some(Overlay::OpenLog(path)),
        },
        Overlay::Values(mut form) => {
            let n = form.visible().max(1);
            match msg {
                Msg::ToggleAllValues => {
                    form.all = !form.all || form.on_screen == 0;
                    form.selected = form.selected.min(form.visible().saturating_sub(1));
                }
                Msg::Input(c) => form.fields[form.selected].input.push(c),
                Msg::Paste(t) => form.fields[form.selected].input.push_str(t.trim()),
                Msg::Erase => {
                    form.fields[form.selected].input.pop();
                }
                Msg::ClearQuery => form.fields[form.selected].input.clear(),
                Msg::Up => form.selected = form.selected.saturating_sub(1),
                Msg::Down => form.selected = (form.selected + 1).min(n - 1),
                Msg::Select(i) if i < n => form.selected = i,
                Msg::Recall => {
                    let field = &mut form.fields[form.selected];
                    if field.recent.is_empty() {
                        app.toast = Some(format!("no remembered values for {}", field.name));
                    } else {
                        let next = field.recalled.map_or(0, |i| (i + 1) % field.recent.len());
                        field.input = field.recent[next].clone();
                        field.recalled = Some(next);
                    }
                }
                Msg::ForgetHistory => {
                    app.history.clear();
                    for field in &mut form.fields {
                        field.recent.clear();
                        field.recalled = None;
                    }
                    app.toast = Some("remembered values forgotten".to_string());
                    app.overlay = Some(Overlay::Values(form));
                    return Some(Effect::SaveHistory);
                }
                Msg::Choose | Msg::Back => {
                    let mut bad = Vec::new();
                    for field in &form.fields {
                        match field.check() {
                            Ok(()) if field.input.is_empty() => {
                                app.values.remove(&field.name);
                            }
                            Ok(()) => {
                                app.values.insert(field.name.clone(), field.input.clone());
                            }
                            Err(_) => bad.push(field.name.clone()),
                        }
                    }
                    if !bad.is_empty() && msg == Msg::Choose {
                        app.toast = Some(format!(
                            "fix or clear: {} (Esc leaves them unchanged)",
                            bad.join(", ")
                        ));
                        app.overlay = Some(Overlay::Values(form));
                        return None;
                    }
                    let set: Vec<&str> = form
                        .fields
                        .iter()
                        .filter(|f| !f.input.is_empty() && f.check().is_ok())
                        .map(|f| f.name.as_str())
                        .collect();
                    app.toast = Some(match (bad.is_empty(), set.is_empty()) {
                        (false, _) => format!(
                            "saved the valid values; not saved (invalid): {}",
                            bad.join(", ")
                        ),
                        (true, true) => "no values set; commands show <placeholders>".to_string(),
                        (true, false) => {
                            format!("saved {}: the commands now use them", set.join(", "))
                        }
                    });
                    if !app.remember {
                        return None;
                    }
                    let mut changed = false;
                    for field in form.fields.iter().filter(|f| f.check().is_ok()) {
                        changed |= app.history.remember(&field.name, &field.input, field.kind);
                    }
                    return changed.then_some(Effect::SaveHistory);
                }
                _ => {}
            }
            app.overlay = Some(Overlay::Values(form));
        }
    }
    None
}

/// A pasted sign-in event (JSON of any shape `evidence` reads, with an error code): open its
/// code with its values filled and the answers it decides pre-selected. `false` when the text
/// is not one.
fn land_on_event(app: &mut App, text: &str) -> bool {
    let t = text.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return false;
    }
    let Ok(doc) = evidence::read(t) else {
        return false;
    };
    let Some(event) = evidence::pick(&doc.events, None).cloned() else {
        return false;
    };
    let Some(code) = load_event(app, event, false) else {
        return false;
    };
    if let Screen::Flow(f) = &app.screen
        && f.code == code
    {
        let picked = if f.suggestion.is_some() {
            ": its answers are pre-selected (Enter)"
        } else {
            ""
        };
        app.toast = Some(format!("sign-in event: AADSTS{code}{picked}"));
    }
    true
}

/// Forget the sign-in event in use and the values it filled in (those still as it left them),
/// so the next event starts clean.
fn forget_evidence(app: &mut App) {
    if let Some(old) = app.evidence.take() {
        for (name, v) in evidence::values(&old) {
            if app.values.get(name) == Some(&v) {
                app.values.remove(name);
            }
        }
        app.ids = Default::default();
    }
}

/// Use `event` (normalised) as the evidence: fill in its values and ids and open its code,
/// keeping the screen on display for Esc when `keep_screen`. Returns the code, `None` when
/// the event is no failure.
fn load_event(app: &mut App, event: serde_json::Value, keep_screen: bool) -> Option<u32> {
    let code = evidence::code(&event)?;
    forget_evidence(app);
    let (trace_id, correlation_id, timestamp) = evidence::ids(&event);
    app.ids.trace_id = trace_id;
    app.ids.correlation_id = correlation_id;
    app.ids.timestamp = timestamp;
    let flow = app
        .data
        .library
        .for_code(code)
        .or_else(|| app.data.library.fallback());
    for (name, v) in evidence::values(&event) {
        // Only values the flow's placeholder accepts (a masked `{PII Removed}` is no GUID).
        if flow
            .and_then(|f| f.placeholder(name))
            .is_none_or(|p| p.kind.check(&v).is_ok())
        {
            app.values.insert(name.to_string(), v);
        }
    }
    app.evidence = Some(event);
    if keep_screen {
        app.open_from_here(code);
    } else {
        app.open(code);
    }
    Some(code)
}

fn update_signins(app: &mut App, msg: Msg) -> Option<Effect> {
    let Screen::Signins(t) = &mut app.screen else {
        return None;
    };
    match msg {
        Msg::Up | Msg::ScrollUp => t.step(-1),
        Msg::Down | Msg::ScrollDown => t.step(1),
        Msg::PageUp => t.step(-(PAGE as isize)),
        Msg::PageDown => t.step(PAGE as isize),
        Msg::Home => t.select(0),
        Msg::End => t.select(usize::MAX),
        Msg::Select(i) => t.select(i),
        Msg::NextGrouping => t.cycle(true),
        Msg::PrevGrouping => t.cycle(false),
        Msg::ToggleExpected => app.toast = t.toggle_expected().then(|| expected_toast(t)),
        Msg::Choose => return open_row(app),
        Msg::Back | Msg::Erase => match app.back.pop() {
            Some(prev) => app.screen = prev,
            None => app.quit = true,
        },
        _ => {}
    }
    None
}

/// What `x` did, with the failures now counted.
fn expected_toast(t: &SigninsState) -> String {
    let n = crate::text::thousands;
    let (failures, all) = t.summary().map_or((0, 0), |s| {
        (
            s.stats.failures,
            s.stats.failures + s.stats.expected_skipped,
        )
    });
    if t.shows_expected() {
        format!(
            "expected codes (interrupts, polling) counted: {} failures · x leaves them out",
            n(failures)
        )
    } else {
        format!(
            "expected codes left out: {} of {} failures · x counts them",
            n(failures),
            n(all)
        )
    }
}

/// Enter on a table row: the code of the group's latest event, with that event as evidence.
fn open_row(app: &mut App) -> Option<Effect> {
    let Screen::Signins(t) = &app.screen else {
        return None;
    };
    let Some(row) = t.selected_row() else {
        app.toast = Some("no rows: nothing failed in this view".to_string());
        return None;
    };
    let Some(latest) = row.latest.clone() else {
        app.toast = Some("no event was kept for this row".to_string());
        return None;
    };
    let count = row.count;
    let when = row.last_seen.clone();
    let event = evidence::read(&latest.event)
        .ok()
        .and_then(|doc| evidence::pick(&doc.events, Some(latest.code)).cloned());
    let Some(event) = event else {
        app.toast = Some(format!(
            "the latest AADSTS{} event of this row could not be read again",
            latest.code
        ));
        return None;
    };
    let code = load_event(app, event, true)?;
    if let Screen::Flow(f) = &app.screen
        && f.code == code
    {
        let picked = if f.suggestion.is_some() {
            ": its answers are pre-selected (Enter)"
        } else {
            ""
        };
        let when = when
            .map(|w| format!(", {}", w.replace('T', " ").trim_end_matches('Z')))
            .unwrap_or_default();
        app.toast = Some(format!(
            "AADSTS{code} from the sign-in log: the latest of {} failure(s){when}{picked} · Esc back to the table",
            crate::text::thousands(count)
        ));
    }
    None
}

/// What a freshly read export holds, for the toast.
fn loaded_toast(t: &SigninsState) -> String {
    let Some(s) = t.summary() else {
        return String::new();
    };
    let st = &s.stats;
    let n = crate::text::thousands;
    let mut text = format!(
        "{}: {} sign-in events, {} failures in {} rows",
        t.source,
        n(st.events),
        n(st.failures),
        n(s.rows.len() as u64)
    );
    if st.malformed > 0 {
        let first = st
            .malformed_at
            .first()
            .map(|a| format!(" (first at {a})"))
            .unwrap_or_default();
        text.push_str(&format!(
            " · {} malformed record(s) skipped{first}",
            n(st.malformed)
        ));
    }
    text
}

/// Run `explain` on pasted text and open the primary code with the values it found.
fn land_on_paste(app: &mut App, text: &str) {
    if land_on_event(app, text) {
        return;
    }
    app.evidence = None;
    let ex = explain::explain(text);
    let Some(code) = ex.primary_code else {
        app.toast = Some("no AADSTS code found in the pasted text".to_string());
        return;
    };
    for (name, v) in ex.values() {
        app.values.insert(name.to_string(), v);
    }
    app.ids.trace_id = ex.trace_id.clone();
    app.ids.correlation_id = ex.correlation_id.clone();
    app.ids.timestamp = ex.timestamp.clone();
    if app.open_from_here(code) {
        let others = ex.codes.len().saturating_sub(1);
        let more = if others > 0 {
            format!(" (+{others} more code(s) in the text)")
        } else {
            String::new()
        };
        app.toast = Some(format!("found AADSTS{code}{more}"));
    }
}
