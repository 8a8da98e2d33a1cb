//! Drawing: borrows the state, never changes it. Untrusted text (flow files, pasted errors,
//! typed values) goes through `clean` so control characters never reach the terminal raw.

mod flow;
mod overlay;
mod search;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, Screen};

/// Smallest usable size; below it a message asks for a larger window.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;

/// Colours, or none at all when `NO_COLOR` is set.
#[derive(Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn from_env() -> Theme {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }
    pub fn title(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn dim(self) -> Style {
        if self.color {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default()
        }
    }
    pub fn code(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn matched(self) -> Style {
        self.fg(Color::Magenta)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
    /// The "changes state" warning: red and bold, reversed without colour.
    pub fn warning(self) -> Style {
        if self.color {
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        }
    }
    pub fn good(self) -> Style {
        self.fg(Color::Green)
    }
    pub fn selected(self) -> Style {
        if self.color {
            Style::default()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }
    pub fn command(self) -> Style {
        self.fg(Color::Green)
    }
}

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
    let theme = Theme { color: app.color };
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
    let [body, footer] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    match &app.screen {
        Screen::Search => search::draw(app, frame, body, theme),
        Screen::Flow(f) => flow::draw(app, f, frame, body, theme),
    }
    draw_footer(app, frame, footer, theme);
    if let Some(o) = &app.overlay {
        overlay::draw(app, o, frame, area, theme);
    }
}

fn draw_footer(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    let line = match &app.toast {
        Some(t) => Line::from(Span::styled(clean(t), theme.title())),
        None => {
            let hint = match (&app.overlay, &app.screen) {
                (Some(_), _) => "Enter save/close · Esc close · Up/Down move",
                (None, Screen::Search) => {
                    "type to search · Enter open · Up/Down move · Ctrl-V paste error · ? help · Ctrl-C quit"
                }
                (None, Screen::Flow(_)) => {
                    "1-9 choose · Enter · Esc back · c copy · a all · Tab shell · v values · r restart · ? help · q quit"
                }
            };
            Line::from(Span::styled(hint, theme.dim()))
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// Which list row a mouse click at (`x`, `y`) falls on, if any; mirrors the layout the
/// screens draw.
pub fn row_at(app: &App, area: Rect, x: u16, y: u16) -> Option<usize> {
    if app.overlay.is_some() || area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let [body, _] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    match &app.screen {
        Screen::Search => search::row_at(app, body, x, y),
        Screen::Flow(f) => flow::row_at(app, f, body, x, y),
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
    fn wrap_keeps_every_character() {
        let cmd = "az ad app credential list --id 11111111-2222-3333-4444-555555555555 --query \"[].{n:displayName}\"";
        let lines = wrap(cmd, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20));
        assert_eq!(lines.join(" ").replace(' ', ""), cmd.replace(' ', ""));
    }
}
