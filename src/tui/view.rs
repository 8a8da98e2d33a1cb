//! Drawing: borrows the state, never changes it. Untrusted text (flow files, pasted errors,
//! typed values) goes through `clean` so control characters never reach the terminal raw.

mod flow;
mod overlay;
pub(crate) mod scroll;
mod search;
pub mod signins;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, Screen};

/// Smallest usable size; below it a message asks for a larger window.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;

pub use crate::tui::theme::Theme;

/// Text from a file or a paste, safe to draw: control characters become `�`, tabs spaces.
pub use crate::text::clean;

/// Split `text` into lines of at most `width` characters, on spaces where possible, hard
/// where a word is longer (commands must wrap without losing characters).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut lines = Vec::new();
    for para in clean_keep_newlines(text).split('\n') {
        let mut line = String::new();
        let mut len = 0;
        for word in para.split(' ') {
            let wlen = word.chars().count();
            if len > 0 && len + 1 + wlen > width {
                lines.push(std::mem::take(&mut line));
                len = 0;
            }
            if len > 0 {
                line.push(' ');
                len += 1;
            }
            if wlen > width {
                for c in word.chars() {
                    if len == width {
                        lines.push(std::mem::take(&mut line));
                        len = 0;
                    }
                    line.push(c);
                    len += 1;
                }
            } else {
                line.push_str(word);
                len += wlen;
            }
        }
        lines.push(line);
    }
    lines
}

use crate::text::clean_keep_newlines;

pub fn view(app: &App, frame: &mut Frame) {
    let theme = app.theme;
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = Paragraph::new(vec![
            Line::from("aadsts-wizard"),
            Line::from(format!(
                "make the window larger (at least {MIN_WIDTH}x{MIN_HEIGHT})"
            )),
        ]);
        frame.render_widget(msg, area);
        return;
    }
    let [body, footer] = split_footer(app, area);
    match &app.screen {
        Screen::Search => search::draw(app, frame, body, theme),
        Screen::Flow(f) => flow::draw(app, f, frame, body, theme),
        Screen::Signins(t) => signins::draw(t, frame, body, theme),
    }
    draw_footer(app, frame, footer, theme);
    if let Some(o) = &app.overlay {
        overlay::draw(app, o, frame, area, theme);
    }
}

/// The body and the footer: one line, two when a toast needs them.
fn split_footer(app: &App, area: Rect) -> [Rect; 2] {
    let lines = footer_lines(app, area.width as usize).len() as u16;
    Layout::vertical([Constraint::Min(1), Constraint::Length(lines)]).areas(area)
}

/// The footer's hints for what has focus, most useful first; `? help` and `q quit` always end
/// it, and hints are dropped from the end of the list until it fits.
fn hints(app: &App) -> (&'static [&'static str], &'static str) {
    use crate::tui::app::Overlay;
    match (&app.overlay, &app.screen) {
        (Some(Overlay::Values(_)), _) => (
            &[
                "Enter save",
                "Esc keep valid",
                "Tab field",
                "Ctrl-O all values",
                "Ctrl-R recall",
            ],
            "Ctrl-C quit",
        ),
        (Some(Overlay::Confirm(_)), _) => (&["c copy it", "any other key: cancel"], ""),
        (Some(Overlay::Help { .. }), _) => (&["Up/Down scroll", "any key closes"], ""),
        (Some(Overlay::Paste(_)), _) => (&["Enter find the code", "Esc close"], "Ctrl-C quit"),
        (Some(Overlay::OpenLog(_)), _) => (&["Enter read it", "Esc close"], "Ctrl-C quit"),
        (None, Screen::Search) if app.search.query.is_empty() && !app.back.is_empty() => (
            &[
                "type to search",
                "Esc back",
                "Enter open",
                "Ctrl-V paste error",
            ],
            "? help · q quit",
        ),
        (None, Screen::Search) if app.search.query.is_empty() => (
            &[
                "type to search",
                "Enter open",
                "Ctrl-V paste error",
                "Ctrl-L sign-in log",
                "Tab shell",
            ],
            "? help · Esc/q quit",
        ),
        (None, Screen::Search) => (
            &["Enter open", "Esc clear", "Ctrl-V paste error", "Tab shell"],
            "F1 help · Ctrl-C quit",
        ),
        (None, Screen::Flow(_)) => (
            &[
                "1-9 choose",
                "c copy",
                "Esc back",
                "/ search",
                "a all",
                "v values",
                "Tab shell",
                "w why",
                "r restart",
            ],
            "? help · q quit",
        ),
        (None, Screen::Signins(_)) if app.back.is_empty() => (
            &[
                "Enter walk it",
                "Tab grouping",
                "x expected",
                "/ search",
                "Ctrl-L other log",
            ],
            "? help · q quit",
        ),
        (None, Screen::Signins(_)) => (
            &[
                "Enter walk it",
                "Esc back",
                "Tab grouping",
                "x expected",
                "/ search",
            ],
            "? help · q quit",
        ),
    }
}

/// The footer text for `width` columns: the toast (up to two lines), or the hints.
fn footer_lines(app: &App, width: usize) -> Vec<String> {
    if let Some(t) = &app.toast {
        let lines = wrap(t, width);
        if lines.len() > 2 {
            let mut two: Vec<String> = lines[..2].to_vec();
            let last: String = two[1].chars().take(width.saturating_sub(1)).collect();
            two[1] = format!("{last}…");
            return two;
        }
        return lines;
    }
    let (hints, tail) = hints(app);
    let mut n = hints.len();
    loop {
        let mut parts: Vec<&str> = hints[..n].to_vec();
        if !tail.is_empty() {
            parts.push(tail);
        }
        let line = parts.join(" · ");
        if line.chars().count() <= width || n == 0 {
            return vec![line];
        }
        n -= 1;
    }
}

fn draw_footer(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    let style = if app.toast.is_some() {
        theme.title()
    } else {
        theme.dim()
    };
    let lines: Vec<Line> = footer_lines(app, area.width as usize)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, style)))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// The first row a list shows so that `selected` is visible, given each row's height and
/// the lines available; the same rule ratatui's `List` follows from offset 0. Returns
/// (first row shown, rows hidden above, rows hidden below).
pub fn window(heights: &[u16], selected: usize, visible: u16) -> (usize, usize, usize) {
    let selected = selected.min(heights.len().saturating_sub(1));
    let mut offset = 0;
    let mut used: u16 = heights.iter().take(selected + 1).sum();
    while used > visible && offset < selected {
        used -= heights[offset];
        offset += 1;
    }
    let mut end = offset;
    let mut total: u16 = 0;
    while end < heights.len() && total + heights[end] <= visible {
        total += heights[end];
        end += 1;
    }
    // A row cut at the bottom is still partly seen; count it as hidden.
    (offset, offset, heights.len().saturating_sub(end))
}

/// "↑ 2 · ↓ 5 more" for a list's bottom border, empty when nothing is hidden.
pub fn hidden_note(above: usize, below: usize) -> String {
    match (above, below) {
        (0, 0) => String::new(),
        (0, b) => format!(" ↓ {b} more "),
        (a, 0) => format!(" ↑ {a} more "),
        (a, b) => format!(" ↑ {a} · ↓ {b} more "),
    }
}

/// Which list row a mouse click at (`x`, `y`) falls on, if any; mirrors the layout the
/// screens draw.
pub fn row_at(app: &App, area: Rect, x: u16, y: u16) -> Option<usize> {
    if app.overlay.is_some() || area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let [body, _] = split_footer(app, area);
    match &app.screen {
        Screen::Search => search::row_at(app, body, x, y),
        Screen::Flow(f) => flow::row_at(app, f, body, x, y),
        Screen::Signins(t) => signins::row_at(t, body, x, y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_removes_control_characters() {
        assert_eq!(clean("a\x1b[31mb\x07c\td"), "a\u{FFFD}[31mb\u{FFFD}c d");
    }

    #[test]
    fn window_keeps_the_selection_visible_and_counts_the_rest() {
        // Rows of 2 lines, 5 lines to show them in.
        let h = [2, 2, 2, 2, 2];
        assert_eq!(window(&h, 0, 5), (0, 0, 3));
        assert_eq!(window(&h, 3, 5), (2, 2, 1));
        assert_eq!(window(&h, 4, 5), (3, 3, 0));
        assert_eq!(window(&[], 0, 5), (0, 0, 0));
        assert_eq!(hidden_note(0, 0), "");
        assert_eq!(hidden_note(2, 1), " ↑ 2 · ↓ 1 more ");
    }

    #[test]
    fn wrap_keeps_every_character() {
        let cmd = "az ad app credential list --id 11111111-2222-3333-4444-555555555555 --query \"[].{n:displayName}\"";
        let lines = wrap(cmd, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20));
        assert_eq!(lines.join(" ").replace(' ', ""), cmd.replace(' ', ""));
    }
}
