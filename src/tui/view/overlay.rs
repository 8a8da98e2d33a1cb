//! Overlays drawn over the current screen: help, the values form, the paste box.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::app::Field;
use crate::tui::app::{App, Overlay, Screen};
use crate::tui::keys::{Place, keys_for};
use crate::tui::view::{Theme, clean, hidden_note, window, wrap};

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [r] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(area);
    let [r] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(r);
    r
}

pub fn draw(app: &App, overlay: &Overlay, frame: &mut Frame, area: Rect, theme: Theme) {
    match overlay {
        Overlay::Help { scroll } => {
            let r = centered(area, 96, area.height);
            let lines = help_lines(app, r.width.saturating_sub(2) as usize, theme);
            let inner = r.height.saturating_sub(2);
            let r = centered(area, 96, (lines.len() as u16 + 2).min(area.height));
            let max = (lines.len() as u16).saturating_sub(inner);
            let scroll = (*scroll).min(max);
            let below = (lines.len() as u16).saturating_sub(scroll + inner);
            let title = match &app.screen {
                Screen::Search => " keys: search · any other key closes ",
                Screen::Flow(_) => " keys: question or result · any other key closes ",
                Screen::Signins(_) => " keys: sign-in table · any other key closes ",
            };
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(lines).scroll((scroll, 0)).block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(title)
                        .title_bottom(hidden_note(scroll as usize, below as usize)),
                ),
                r,
            );
        }
        Overlay::Confirm(c) => {
            let width = area.width.min(96);
            let text = [
                format!("⚠ This changes state: {}", clean(&c.title)),
                clean(&c.shown),
                "c (or y, Enter) copies it · any other key cancels".to_string(),
            ];
            let mut lines = Vec::new();
            for (i, t) in text.iter().enumerate() {
                let style = match i {
                    0 => theme.warning(),
                    1 => theme.command(),
                    _ => theme.dim(),
                };
                for l in wrap(t, width.saturating_sub(2) as usize) {
                    lines.push(Line::from(Span::styled(l, style)));
                }
            }
            let h = (lines.len() as u16 + 2).min(area.height.saturating_sub(1));
            // At the bottom, above the footer, so the command list stays in view.
            let [_, bottom, _] = Layout::vertical([
                Constraint::Min(0),
                Constraint::Length(h),
                Constraint::Length(1),
            ])
            .areas(area);
            let [r] = Layout::horizontal([Constraint::Length(width)])
                .flex(Flex::Center)
                .areas(bottom);
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(lines).block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(" copy a state-changing command? "),
                ),
                r,
            );
        }
        Overlay::Values(form) => {
            let inner = area.width.min(96).saturating_sub(2) as usize;
            let visible = form.visible();
            // Each field takes as many lines as its text needs at this width; when they do not
            // all fit, a window around the selection is shown.
            let blocks: Vec<Vec<Line>> = form
                .fields
                .iter()
                .enumerate()
                .take(visible)
                .map(|(i, f)| field_lines(f, i == form.selected, inner, theme))
                .collect();
            let heights: Vec<u16> = blocks.iter().map(|b| b.len() as u16).collect();
            let room = area.height.saturating_sub(5).max(1);
            let (first, _, _) = window(&heights, form.selected, room);
            let mut lines = Vec::new();
            let mut shown = 0;
            for block in blocks.into_iter().skip(first) {
                if shown > 0 && lines.len() + block.len() > room as usize {
                    break;
                }
                lines.extend(block);
                shown += 1;
            }
            let fits = shown;
            if form.fields.iter().any(|f| !f.recent.is_empty()) {
                lines.push(Line::from(Span::styled(
                    "  Ctrl-R fills in a remembered value · Ctrl-X forgets them all",
                    theme.dim(),
                )));
            }
            let others = form.fields.len() - form.on_screen;
            if others > 0 {
                let note = if form.all {
                    "  Ctrl-O: only the values the commands on screen use".to_string()
                } else {
                    format!(
                        "  Ctrl-O: {others} more value(s) of this flow, not used on this screen"
                    )
                };
                lines.push(Line::from(Span::styled(note, theme.dim())));
            }
            let more = if visible > fits {
                format!(" {}/{} · ", form.selected + 1, visible)
            } else {
                String::new()
            };
            let scope = if form.all && form.on_screen < form.fields.len() {
                "all values of this flow"
            } else {
                "values for this screen"
            };
            let r = centered(area, 96, lines.len() as u16 + 2);
            // The keys only when the whole title fits (the footer names them too).
            let mut title = format!(" {scope}{more} · Enter save · Esc keep valid ones ");
            if title.chars().count() + 2 > r.width as usize {
                title = format!(" {scope}{more} ");
            }
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
                r,
            );
        }
        Overlay::Paste(text) => {
            let shown: String = clean(&text.replace('\n', " ⏎ "));
            let lines = vec![
                Line::from(Span::styled(
                    "Paste the error text (az output, MSAL exception, JSON, browser page), then Enter.",
                    theme.dim(),
                )),
                Line::from(shown),
            ];
            let r = centered(area, 96, 10);
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(" paste an error "),
                ),
                r,
            );
        }
        Overlay::OpenLog(path) => {
            let lines = vec![
                Line::from(Span::styled(
                    "The path of a sign-in log export: Graph JSON (lines, pages, arrays), PowerShell ConvertTo-Json, the admin center's JSON or CSV, Log Analytics rows or a query API response; .gz too. Then Enter.",
                    theme.dim(),
                )),
                Line::from(vec![
                    Span::styled("> ", theme.title()),
                    Span::raw(clean(path)),
                    Span::styled("▏", theme.dim()),
                ]),
            ];
            let r = centered(area, 96, 8);
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(" open a sign-in log "),
                ),
                r,
            );
        }
    }
}

/// The help of the screen under the overlay, wrapped to `width`: each key with what it does,
/// the description continuing under itself.
fn help_lines<'a>(app: &App, width: usize, theme: Theme) -> Vec<Line<'a>> {
    let places: &[Place] = match &app.screen {
        Screen::Search => &[Place::Search, Place::Help],
        Screen::Flow(_) => &[Place::Flow, Place::Values, Place::Help],
        Screen::Signins(_) => &[Place::Signins, Place::Help],
    };
    let key_w = (width / 3).clamp(8, 22);
    let mut lines = Vec::new();
    for (n, place) in places.iter().enumerate() {
        if n > 0 {
            lines.push(Line::from(Span::styled(place.heading(), theme.title())));
        }
        for k in keys_for(*place) {
            let keys = wrap(k.keys, key_w);
            let what = wrap(k.what, width.saturating_sub(key_w + 1));
            for i in 0..keys.len().max(what.len()) {
                let key = keys.get(i).map_or("", String::as_str);
                lines.push(Line::from(vec![
                    Span::styled(format!("{key:<key_w$} "), theme.code()),
                    Span::raw(what.get(i).cloned().unwrap_or_default()),
                ]));
            }
        }
    }
    if matches!(app.screen, Screen::Flow(_)) {
        for l in wrap(
            "Commands marked ⚠ CHANGES STATE modify your tenant: read them first; a copies only the others.",
            width,
        ) {
            lines.push(Line::from(Span::styled(l, theme.warning())));
        }
    }
    lines
}

/// A field of the values form, wrapped to `width` columns so nothing is cut off: the name and
/// the input (continued under itself), the check (beside the input when it fits, else below),
/// then the prompt and the example.
fn field_lines<'a>(f: &Field, selected: bool, width: usize, theme: Theme) -> Vec<Line<'a>> {
    const NAME: usize = 16;
    let marker = if selected { "› " } else { "  " };
    let status = match f.check() {
        Ok(()) if f.input.is_empty() => Span::styled("  (empty)", theme.dim()),
        Ok(()) => Span::styled("  ✓", theme.good()),
        Err(expected) => Span::styled(format!("  ✗ expected {expected}"), theme.warning()),
    };
    let shown = if f.kind == crate::flow::Kind::Secret {
        "•".repeat(f.input.chars().count())
    } else {
        clean(&f.input)
    };
    let cursor = if selected { "▏" } else { "" };
    // The input in pieces that fit beside the name column; a long value continues below.
    let indent = marker.chars().count() + NAME;
    let piece = width.saturating_sub(indent + 1).max(8);
    let chars: Vec<char> = shown.chars().collect();
    let mut pieces: Vec<String> = chars.chunks(piece).map(|c| c.iter().collect()).collect();
    if pieces.is_empty() {
        pieces.push(String::new());
    }
    let last = pieces.len() - 1;
    let mut lines = Vec::new();
    for (n, p) in pieces.into_iter().enumerate() {
        let head = if n == 0 {
            vec![
                Span::raw(marker),
                Span::styled(format!("{:<NAME$}", f.name), theme.code()),
            ]
        } else {
            vec![Span::raw(" ".repeat(indent))]
        };
        let mut spans = head;
        let used = indent + p.chars().count();
        spans.push(Span::raw(p));
        if n == last {
            spans.push(Span::styled(cursor, theme.dim()));
            let status_len = status.content.chars().count();
            if used + cursor.chars().count() + status_len <= width {
                spans.push(status.clone());
                lines.push(Line::from(spans));
                continue;
            }
            lines.push(Line::from(spans));
            let text = status.content.trim_start().to_string();
            for l in wrap(&text, width.saturating_sub(4)) {
                lines.push(Line::from(Span::styled(format!("    {l}"), status.style)));
            }
            continue;
        }
        lines.push(Line::from(spans));
    }
    let recall = if selected && !f.recent.is_empty() {
        let next = f.recalled.map_or(0, |r| (r + 1) % f.recent.len());
        format!(
            "Ctrl-R: {} ({}/{}) · ",
            clean(&f.recent[next]),
            next + 1,
            f.recent.len()
        )
    } else {
        String::new()
    };
    let about = format!("{recall}{} · e.g. {}", clean(&f.prompt), clean(&f.example));
    for l in wrap(&about, width.saturating_sub(4)) {
        lines.push(Line::from(Span::styled(format!("    {l}"), theme.dim())));
    }
    lines
}
