//! The interactive wizard: terminal setup and restore, the event loop, and effects. State lives
//! in `app`, changes in `update`, drawing in `view`.

pub mod app;
pub mod clipboard;
pub mod keys;
pub mod store;
pub mod update;
pub mod view;

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod tests;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event, MouseButton, MouseEventKind,
};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};

use crate::command::{Shell, Values};
use crate::config::CopyMode;

use app::{App, Data, Screen, SearchState};
use update::{Effect, Msg, update};

/// How the wizard starts.
#[derive(Default)]
pub struct Options {
    /// Open this code straight away.
    pub code: Option<u32>,
    /// A query to start the search with (an unknown code, for instance).
    pub query: Option<String>,
    pub values: Values,
    /// Quit when a command is chosen, and print it.
    pub print: bool,
    /// Error text to explain and open at start.
    pub paste: Option<String>,
    /// A message to show first (e.g. flow files that failed to load).
    pub toast: Option<String>,
    pub copy_mode: CopyMode,
    /// The shell tab shown first.
    pub shell: Option<Shell>,
    /// Colours off.
    pub no_color: bool,
    /// Where remembered values live; `None` turns remembering off.
    pub history: Option<PathBuf>,
    /// Where `e` writes notes (`notes_dir:` in the config); `None`: the current folder.
    pub notes_dir: Option<PathBuf>,
    /// Capture the mouse from the start (`mouse: true`); `m` toggles it.
    pub mouse: bool,
}

/// Set when stdout is not the terminal (`cmd=$(aadsts-wizard --print)`): then the wizard draws
/// on `/dev/tty`, so what is printed stays clean. The panic hook reads it too.
static DRAW_ON_TTY: AtomicBool = AtomicBool::new(false);

/// The terminal the wizard draws on.
fn screen() -> Box<dyn Write + Send> {
    if DRAW_ON_TTY.load(Ordering::Relaxed)
        && let Ok(tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty")
    {
        return Box::new(tty);
    }
    Box::new(std::io::stdout())
}

/// Whether the terminal is set up by [`enter`] and not yet restored: a panic restores it in the
/// hook and again while unwinding, and a second "leave the alternate screen" would move the
/// cursor back up over the panic message.
static ENTERED: AtomicBool = AtomicBool::new(false);

fn enter(out: &mut impl Write, mouse: bool) -> std::io::Result<()> {
    ENTERED.store(true, Ordering::SeqCst);
    enable_raw_mode()?;
    execute!(out, EnterAlternateScreen, EnableBracketedPaste)?;
    // Off by default, so the terminal's own selection works; `m` turns it on.
    if mouse {
        execute!(out, EnableMouseCapture)?;
    }
    Ok(())
}

/// Undo [`enter`], once; every step is tried even if one fails.
fn leave() {
    if !ENTERED.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = screen();
    let _ = execute!(
        out,
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = out.flush();
    let _ = disable_raw_mode();
}

/// Leave the terminal as we found it, whatever way we leave.
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        leave();
    }
}

/// The signal that ended the last run (0: none), so the caller can exit with 128 + N as
/// shells do and `$(aadsts-wizard --print)` can tell an interrupted run from a chosen command.
pub static ENDED_BY_SIGNAL: AtomicUsize = AtomicUsize::new(0);

/// Whether the controlling terminal has gone away (SSH dropped, tmux session killed, window
/// closed): the terminal answers `tcgetattr` with an error once it is hung up. Reads would
/// then return at once forever, so the wizard leaves instead of spinning.
#[cfg(unix)]
fn terminal_gone(tty: Option<&std::fs::File>) -> bool {
    use std::os::fd::AsRawFd;
    let Some(tty) = tty else { return false };
    // SAFETY: tcgetattr only writes into the termios we pass; the fd is open for the call.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    unsafe { libc::tcgetattr(tty.as_raw_fd(), &mut t) != 0 }
}

#[cfg(not(unix))]
fn terminal_gone(_tty: Option<&std::fs::File>) -> bool {
    false
}

/// Run the wizard; returns the command to print after the terminal is restored (`--print`).
pub fn run(data: &Data, opts: Options) -> Result<Option<String>> {
    let stop = Arc::new(AtomicUsize::new(0));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register_usize(sig, Arc::clone(&stop), sig as usize)
            .context("installing signal handlers")?;
    }
    ENDED_BY_SIGNAL.store(0, Ordering::Relaxed);
    let tty = std::fs::File::open("/dev/tty").ok();
    DRAW_ON_TTY.store(!std::io::stdout().is_terminal(), Ordering::Relaxed);
    // Restore the screen first, so the panic message lands on a normal terminal.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave();
        previous(info);
    }));

    let mut app = App::new(data);
    app.values = opts.values;
    app.print_mode = opts.print;
    app.toast = opts.toast;
    app.shell = opts.shell.unwrap_or(app.shell);
    app.color &= !opts.no_color;
    app.mouse = opts.mouse;
    if let Some(path) = &opts.history {
        let (history, warning) = store::load_history(path);
        app.history = history;
        app.remember = true;
        if let Some(w) = warning {
            app.toast = Some(match app.toast.take() {
                Some(t) => format!("{t} · {w}"),
                None => w,
            });
        }
    }
    if let Some(q) = &opts.query {
        app.search = SearchState::new(data, q);
    }
    if let Some(code) = opts.code {
        app.open(code);
    }
    if let Some(text) = opts.paste {
        update(&mut app, Msg::Paste(text));
    }

    let mut out = screen();
    let _restore = Restore;
    enter(&mut out, opts.mouse).context("setting up the terminal")?;
    let mut terminal = ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(out))
        .context("setting up the terminal")?;
    let mut clipboard: Option<clipboard::Clipboard> = None;

    let test_panic = std::env::var_os("AADSTS_WIZARD_TEST_PANIC").is_some();
    while !app.quit {
        let signal = stop.load(Ordering::Relaxed);
        if signal != 0 {
            ENDED_BY_SIGNAL.store(signal, Ordering::Relaxed);
            break;
        }
        if terminal_gone(tty.as_ref()) {
            ENDED_BY_SIGNAL.store(signal_hook::consts::SIGHUP as usize, Ordering::Relaxed);
            break;
        }
        terminal
            .draw(|frame| view::view(&app, frame))
            .context("drawing")?;
        // Only for the pseudo-terminal test in tests/e2e.rs: is the terminal restored on panic?
        if test_panic {
            panic!("AADSTS_WIZARD_TEST_PANIC is set");
        }
        if !event::poll(Duration::from_millis(200)).context("reading events")? {
            continue;
        }
        let msg = match event::read().context("reading events")? {
            Event::Key(key) if key.is_press() => keys::msg_for_key(&app, key),
            Event::Paste(text) => Some(Msg::Paste(text)),
            Event::Resize(..) => Some(Msg::Resize),
            Event::Mouse(m) => match m.kind {
                MouseEventKind::ScrollUp => Some(Msg::ScrollUp),
                MouseEventKind::ScrollDown => Some(Msg::ScrollDown),
                MouseEventKind::Down(MouseButton::Left) => {
                    let area = terminal
                        .size()
                        .map(|s| ratatui::layout::Rect::new(0, 0, s.width, s.height))
                        .unwrap_or_default();
                    view::row_at(&app, area, m.column, m.row).map(Msg::Select)
                }
                _ => None,
            },
            _ => None,
        };
        let Some(msg) = msg else { continue };
        let Some(effect) = update(&mut app, msg) else {
            continue;
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let copy = match effect {
            Effect::CopyToClipboard(text) => Some(text),
            Effect::CopyNotes => app.notes(&crate::notes::utc_time(now)),
            Effect::ExportNotes => {
                if let (Some(text), Screen::Flow(f)) =
                    (app.notes(&crate::notes::utc_time(now)), &app.screen)
                {
                    let dir = opts
                        .notes_dir
                        .as_deref()
                        .unwrap_or(std::path::Path::new("."));
                    let result = store::save_notes(dir, f.code, now, &text);
                    update(&mut app, Msg::NotesSaved(result));
                }
                None
            }
            Effect::SetMouse(on) => {
                let mut out = screen();
                let _ = if on {
                    execute!(out, EnableMouseCapture)
                } else {
                    execute!(out, DisableMouseCapture)
                };
                None
            }
            Effect::SaveHistory => {
                if let Some(path) = &opts.history
                    && let Err(e) = store::save_history(path, &app.history)
                {
                    app.toast = Some(e);
                }
                None
            }
        };
        if let Some(text) = copy {
            let cb =
                clipboard.get_or_insert_with(|| clipboard::Clipboard::new(opts.copy_mode.as_str()));
            let mut out = screen();
            let result = cb.copy(&text, &mut out);
            let _ = out.flush();
            update(&mut app, Msg::Copied(result));
        }
    }
    drop(_restore);
    // Dropping the clipboard after the terminal is restored lets arboard hand the copied text
    // to a clipboard manager on X11, so it survives our exit.
    drop(clipboard);
    Ok(app.chosen)
}
