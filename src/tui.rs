//! The interactive wizard: terminal setup and restore, the event loop, and effects. State lives
//! in `app`, changes in `update`, drawing in `view`.

pub mod app;
pub mod clipboard;
pub mod keys;
pub mod signins;
pub mod store;
pub mod theme;
pub mod update;
pub mod view;

#[cfg(test)]
mod evidence_tests;
#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod signins_tests;
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
    Event, KeyCode, KeyModifiers, MouseButton, MouseEventKind,
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
    /// Open on the sign-in table of these counts (`signins FILE...`), named by the files.
    pub signins: Option<(String, Box<crate::signins::Tally>)>,
}

/// The terminal itself, whatever stdin and stdout are: `/dev/tty` on Unix, the console's input
/// and output buffers on Windows.
#[cfg(unix)]
pub const TERMINAL_IN: &str = "/dev/tty";
#[cfg(unix)]
pub const TERMINAL_OUT: &str = "/dev/tty";
#[cfg(not(unix))]
pub const TERMINAL_IN: &str = "CONIN$";
#[cfg(not(unix))]
pub const TERMINAL_OUT: &str = "CONOUT$";

/// Set when stdout is not the terminal (`cmd=$(aadsts-wizard --print)`): then the wizard draws
/// on [`TERMINAL_OUT`], so what is printed stays clean. The panic hook reads it too.
static DRAW_ON_TTY: AtomicBool = AtomicBool::new(false);

/// The terminal the wizard draws on.
fn screen() -> Box<dyn Write + Send> {
    if DRAW_ON_TTY.load(Ordering::Relaxed)
        && let Ok(tty) = std::fs::OpenOptions::new().write(true).open(TERMINAL_OUT)
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

/// ratatui's `Terminal`, dropped without a word: its own `Drop` reports a cursor it cannot
/// show with `eprintln!`, which panics (exit 101) when stderr is the terminal that just hung
/// up. Here the cursor is shown first; if that fails the terminal is gone, and the value is
/// let go without its `Drop` ([`leave`] restores what can be restored).
struct QuietTerminal<B: ratatui::backend::Backend>(Option<ratatui::Terminal<B>>);

impl<B: ratatui::backend::Backend> std::ops::Deref for QuietTerminal<B> {
    type Target = ratatui::Terminal<B>;
    fn deref(&self) -> &Self::Target {
        self.0.as_ref().expect("present until dropped")
    }
}

impl<B: ratatui::backend::Backend> std::ops::DerefMut for QuietTerminal<B> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.0.as_mut().expect("present until dropped")
    }
}

impl<B: ratatui::backend::Backend> Drop for QuietTerminal<B> {
    fn drop(&mut self) {
        if let Some(mut t) = self.0.take()
            && t.show_cursor().is_err()
        {
            std::mem::forget(t);
        }
    }
}

/// Leave the terminal as we found it, whatever way we leave.
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        leave();
    }
}

/// Signals that end the wizard: it restores the terminal and exits with 128 + N.
#[cfg(unix)]
const ENDING_SIGNALS: [i32; 5] = [
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGQUIT,
    signal_hook::consts::SIGUSR1,
];
#[cfg(not(unix))]
const ENDING_SIGNALS: [i32; 2] = [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT];

/// Leave the terminal as the shell wants it, stop as SIGTSTP would, and take the terminal
/// back when continued (`fg`): raw mode, alternate screen and a full redraw.
#[cfg(unix)]
fn suspend_and_resume<B: ratatui::backend::Backend>(
    terminal: &mut ratatui::Terminal<B>,
    mouse: bool,
) -> Result<()>
where
    B::Error: Send + Sync + 'static,
{
    leave();
    // Stops the process here (the default action of SIGTSTP); returns after SIGCONT.
    signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGTSTP)
        .context("suspending")?;
    enter(&mut screen(), mouse).context("setting up the terminal again")?;
    // A blank frame, so the next draw repaints every cell of the fresh screen (clear() would
    // ask the terminal for the cursor position, an answer the event thread would take).
    terminal
        .draw(|f| f.render_widget(ratatui::widgets::Clear, f.area()))
        .context("redrawing")?;
    Ok(())
}

/// Events from the terminal, read on their own thread so that the loop below stays in
/// charge: it notices signals and a lost terminal even when reading would block or spin.
fn spawn_reader() -> std::sync::mpsc::Receiver<std::io::Result<Event>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        loop {
            let ev = event::read();
            let failed = ev.is_err();
            if tx.send(ev).is_err() || failed {
                break;
            }
        }
    });
    rx
}

/// The next message from the events that arrived together, read with the state as it is
/// now (a key's meaning depends on the screen the previous key led to). Characters typed into
/// the query in one burst become one `InputText`, so a paste without bracketed paste searches
/// once; a burst with line breaks, or a very long one, is pasted error text for `explain`.
fn next_msg(
    app: &App,
    pending: &mut std::collections::VecDeque<Event>,
    area: ratatui::layout::Rect,
) -> Option<Msg> {
    let ev = pending.pop_front()?;
    let typing_query = app.overlay.is_none() && matches!(app.screen, Screen::Search);
    let plain_char = |ev: &Event| match ev {
        Event::Key(k) if k.is_press() => (matches!(k.code, KeyCode::Char(_))
            && !k
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT))
        .then_some(k.code),
        _ => None,
    };
    // Only a key that would type into the query starts a burst (`q` or `?` on an empty query
    // keep their own meaning).
    let types = match &ev {
        Event::Key(k) if k.is_press() => {
            matches!(keys::msg_for_key(app, *k), Some(Msg::Input(_)))
        }
        _ => false,
    };
    if typing_query
        && types
        && let Some(KeyCode::Char(c)) = plain_char(&ev)
    {
        let mut text = String::from(c);
        let mut lines = 0;
        loop {
            match pending.front() {
                Some(next) if let Some(KeyCode::Char(c)) = plain_char(next) => text.push(c),
                Some(Event::Key(k)) if k.is_press() && k.code == KeyCode::Enter => {
                    // Enter ends a typed query; inside a longer burst it is a pasted newline.
                    if pending.len() == 1 && lines == 0 && text.len() < PASTE_CHARS {
                        break;
                    }
                    text.push('\n');
                    lines += 1;
                }
                _ => break,
            }
            pending.pop_front();
        }
        return Some(text_msg(text, lines));
    }
    match ev {
        Event::Key(key) if key.is_press() => keys::msg_for_key(app, key),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(..) => Some(Msg::Resize),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::ScrollUp => Some(Msg::ScrollUp),
            MouseEventKind::ScrollDown => Some(Msg::ScrollDown),
            MouseEventKind::Down(MouseButton::Left) => {
                view::row_at(app, area, m.column, m.row).map(Msg::Select)
            }
            _ => None,
        },
        _ => None,
    }
}

/// Key presses closer together than this belong to one burst (a paste); people type slower.
const BURST_GAP: Duration = Duration::from_millis(50);

/// Longer than this, typed text is a paste to explain, not a query.
const PASTE_CHARS: usize = 256;

fn text_msg(text: String, lines: usize) -> Msg {
    if lines > 0 || text.len() >= PASTE_CHARS {
        Msg::Paste(text)
    } else if text.chars().count() == 1 {
        Msg::Input(text.chars().next().unwrap_or(' '))
    } else {
        Msg::InputText(text)
    }
}

/// A sign-in log export read on its own thread, so the wizard keeps drawing and answering
/// keys (and signals) while a large file is read.
struct Loading {
    path: String,
    bytes: Arc<std::sync::atomic::AtomicU64>,
    done:
        std::sync::mpsc::Receiver<Result<(String, crate::signins::Tally), store::SigninsReadError>>,
}

impl Loading {
    fn start(path: String, opts: crate::signins::Options) -> Loading {
        let bytes = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (tx, done) = std::sync::mpsc::channel();
        let (p, b) = (path.clone(), Arc::clone(&bytes));
        std::thread::spawn(move || {
            let result = store::read_signins(&p, opts, &b);
            let _ = tx.send(result);
        });
        Loading { path, bytes, done }
    }
}

/// What runs the effects `update` asks for, and what they need: the clipboard (made on first
/// use), the export being read, where notes and history go.
struct Effects<'d> {
    clipboard: Option<clipboard::Clipboard>,
    /// A sign-in log export being read (Ctrl-L): its outcome arrives here.
    loading: Option<Loading>,
    data: &'d Data,
    notes_dir: Option<PathBuf>,
    history: Option<PathBuf>,
    copy_mode: CopyMode,
}

impl Effects<'_> {
    /// The reading export's outcome when it is ready, or its progress.
    fn poll_loading(&mut self, show_progress: bool) -> Option<Msg> {
        let l = self.loading.as_ref()?;
        match l.done.try_recv() {
            Ok(result) => {
                self.loading = None;
                // The message keeps the reason as text (messages are compared in tests).
                Some(Msg::SigninsLoaded(
                    result
                        .map(|(source, tally)| {
                            Box::new(signins::SigninsState::new(self.data, source, tally))
                        })
                        .map_err(|e| e.to_string()),
                ))
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => {
                let mb = l.bytes.load(Ordering::Relaxed) / 1_000_000;
                (mb > 0 && show_progress)
                    .then(|| Msg::Progress(format!("reading {}: {mb} MB…", l.path)))
            }
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.loading = None;
                Some(Msg::SigninsLoaded(Err(
                    "reading the sign-in log failed".to_string()
                )))
            }
        }
    }
}

/// Run `effect`; what it reports comes back as a message for `update`.
fn perform(effect: Effect, app: &App, fx: &mut Effects) -> Option<Msg> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let copy = match effect {
        Effect::CopyToClipboard(text) => Some(text),
        Effect::CopyNotes => app.notes(&crate::notes::utc_time(now)),
        Effect::ExportNotes => {
            let (Some(text), Screen::Flow(f)) =
                (app.notes(&crate::notes::utc_time(now)), &app.screen)
            else {
                return None;
            };
            let dir = fx.notes_dir.as_deref().unwrap_or(std::path::Path::new("."));
            return Some(Msg::NotesSaved(store::save_notes(dir, f.code, now, &text)));
        }
        Effect::SetMouse(on) => {
            let mut out = screen();
            let _ = if on {
                execute!(out, EnableMouseCapture)
            } else {
                execute!(out, DisableMouseCapture)
            };
            return None;
        }
        Effect::LoadSignins(path) => {
            if fx.loading.is_some() {
                return Some(Msg::StillLoading);
            }
            fx.loading = Some(Loading::start(path, signins::options(fx.data)));
            return None;
        }
        Effect::SaveHistory => {
            let path = fx.history.as_ref()?;
            return Some(Msg::HistorySaved(
                store::save_history(path, &app.history).map(Box::new),
            ));
        }
    };
    let text = copy?;
    let mode = fx.copy_mode;
    let cb = fx
        .clipboard
        .get_or_insert_with(|| clipboard::Clipboard::new(mode));
    let mut out = screen();
    let result = cb.copy(&text, &mut out);
    let _ = out.flush();
    Some(Msg::Copied(result))
}

/// The signal that ended the last run (0: none), so the caller can exit with 128 + N as
/// shells do and `$(aadsts-wizard --print)` can tell an interrupted run from a chosen command.
pub static ENDED_BY_SIGNAL: AtomicUsize = AtomicUsize::new(0);

/// What a lost terminal counts as: SIGHUP, so the run exits with 129 as a hung-up shell job.
#[cfg(unix)]
const HANGUP: usize = signal_hook::consts::SIGHUP as usize;
/// Windows has no SIGHUP (nor a check for a lost console: see `terminal_gone`); 1 keeps the
/// exit status the same everywhere.
#[cfg(not(unix))]
const HANGUP: usize = 1;

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
    for sig in ENDING_SIGNALS {
        signal_hook::flag::register_usize(sig, Arc::clone(&stop), sig as usize)
            .context("installing signal handlers")?;
    }
    #[cfg(unix)]
    let suspend = {
        let flag = Arc::new(AtomicBool::new(false));
        signal_hook::flag::register(signal_hook::consts::SIGTSTP, Arc::clone(&flag))
            .context("installing signal handlers")?;
        flag
    };
    ENDED_BY_SIGNAL.store(0, Ordering::Relaxed);
    // Watched for a hang-up (Unix only; see `terminal_gone`).
    #[cfg(unix)]
    let tty = std::fs::File::open(TERMINAL_IN).ok();
    #[cfg(not(unix))]
    let tty: Option<std::fs::File> = None;
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
    if opts.no_color {
        app.theme.color = false;
    }
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
    if let Some((source, tally)) = opts.signins {
        let state = signins::SigninsState::new(data, source, *tally);
        let toast = app.toast.take();
        update(&mut app, Msg::SigninsLoaded(Ok(Box::new(state))));
        // The table is where the wizard starts: Esc there quits.
        app.back.clear();
        if let Some(t) = toast {
            app.toast = Some(match app.toast.take() {
                Some(loaded) => format!("{loaded} · {t}"),
                None => t,
            });
        }
    }

    let mut out = screen();
    let _restore = Restore;
    enter(&mut out, opts.mouse).context("setting up the terminal")?;
    let mut terminal = QuietTerminal(Some(
        ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(out))
            .context("setting up the terminal")?,
    ));

    // Only in debug builds, for the pseudo-terminal tests in tests/e2e.rs: panic after the
    // first frame, to check that the terminal is restored.
    #[cfg(debug_assertions)]
    let test_panic = std::env::var_os("AADSTS_WIZARD_TEST_PANIC").is_some();
    let events = spawn_reader();
    let mut pending: std::collections::VecDeque<Event> = std::collections::VecDeque::new();
    let mut effects = Effects {
        clipboard: None,
        loading: None,
        data,
        notes_dir: opts.notes_dir.clone(),
        history: opts.history.clone(),
        copy_mode: opts.copy_mode,
    };
    while !app.quit {
        let signal = stop.load(Ordering::Relaxed);
        if signal != 0 {
            ENDED_BY_SIGNAL.store(signal, Ordering::Relaxed);
            break;
        }
        #[cfg(unix)]
        if suspend.swap(false, Ordering::Relaxed) {
            suspend_and_resume(&mut terminal, app.mouse)?;
        }
        if terminal_gone(tty.as_ref()) {
            ENDED_BY_SIGNAL.store(HANGUP, Ordering::Relaxed);
            break;
        }
        if let Some(msg) = effects.poll_loading(app.overlay.is_none()) {
            update(&mut app, msg);
        }
        if pending.is_empty() {
            if let Err(e) = terminal.draw(|frame| view::view(&app, frame)) {
                // A terminal that hung up between our checks fails the write (EIO): that is
                // the terminal going away, not an error to report on it.
                if terminal_gone(tty.as_ref()) {
                    ENDED_BY_SIGNAL.store(HANGUP, Ordering::Relaxed);
                    break;
                }
                return Err(e).context("drawing");
            }
            #[cfg(debug_assertions)]
            if test_panic {
                panic!("AADSTS_WIZARD_TEST_PANIC is set");
            }
            let first = match events.recv_timeout(Duration::from_millis(200)) {
                Ok(ev) => ev.context("reading events")?,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
                // The reader ended: the terminal is gone.
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            };
            pending.push_back(first);
            // A paste without bracketed paste arrives as many key presses in quick succession
            // (in chunks, as the terminal writes them): gather everything that follows with
            // gaps under BURST_GAP, up to a bound, so it becomes one message.
            let started = std::time::Instant::now();
            while pending.len() < 1_000_000 && started.elapsed() < Duration::from_secs(2) {
                match events.recv_timeout(BURST_GAP) {
                    Ok(ev) => pending.push_back(ev.context("reading events")?),
                    Err(_) => break,
                }
            }
        }
        let area = terminal
            .size()
            .map(|s| ratatui::layout::Rect::new(0, 0, s.width, s.height))
            .unwrap_or_default();
        let Some(msg) = next_msg(&app, &mut pending, area) else {
            continue;
        };
        // Effects run here; what they report comes back as a message, so only `update`
        // changes the state.
        let mut effect = update(&mut app, msg);
        while let Some(e) = effect {
            let reply = perform(e, &app, &mut effects);
            effect = reply.and_then(|m| update(&mut app, m));
        }
    }
    drop(_restore);
    // Dropping the clipboard after the terminal is restored lets arboard hand the copied text
    // to a clipboard manager on X11, so it survives our exit.
    drop(effects);
    Ok(app.chosen)
}
