//! The interactive wizard: terminal setup and restore, the event loop, and effects. State lives
//! in `app`, changes in `update`, drawing in `view`.

pub mod app;
pub mod clipboard;
pub mod keys;
pub mod update;
pub mod view;

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod tests;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event, MouseButton, MouseEventKind,
};
use ratatui::crossterm::execute;

use crate::command::Values;

use app::{App, Data, SearchState};
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
    /// Clipboard mode: auto, system, osc52, none.
    pub copy_mode: String,
}

/// Leave the terminal as we found it, whatever way we leave.
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = execute!(
            std::io::stdout(),
            DisableMouseCapture,
            DisableBracketedPaste
        );
        ratatui::restore();
    }
}

/// Run the wizard; returns the command to print after the terminal is restored (`--print`).
pub fn run(data: &Data, opts: Options) -> Result<Option<String>> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .context("installing signal handlers")?;
    }
    // Our hook runs after ratatui's (which restores the screen): turn mouse and paste off too.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(
            std::io::stdout(),
            DisableMouseCapture,
            DisableBracketedPaste
        );
        previous(info);
    }));

    let mut app = App::new(data);
    app.values = opts.values;
    app.print_mode = opts.print;
    app.toast = opts.toast;
    if let Some(q) = &opts.query {
        app.search = SearchState::new(data, q);
    }
    if let Some(code) = opts.code {
        app.open(code);
    }
    if let Some(text) = opts.paste {
        update(&mut app, Msg::Paste(text));
    }

    let mut terminal = ratatui::init();
    let _restore = Restore;
    execute!(std::io::stdout(), EnableMouseCapture, EnableBracketedPaste)
        .context("enabling mouse and paste")?;
    let mut clipboard: Option<clipboard::Clipboard> = None;

    while !app.quit {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        terminal
            .draw(|frame| view::view(&app, frame))
            .context("drawing")?;
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
        if let Some(Effect::CopyToClipboard(text)) = update(&mut app, msg) {
            let cb = clipboard.get_or_insert_with(|| clipboard::Clipboard::new(&opts.copy_mode));
            let mut out = std::io::stdout();
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
