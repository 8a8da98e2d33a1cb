//! Overlays drawn over the current screen: help, the values form, the paste box.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::app::{App, Overlay};
use crate::tui::keys::HELP;
use crate::tui::view::{Theme, clean};

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [r] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(area);
    let [r] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(r);
    r
}

pub fn draw(_app: &App, overlay: &Overlay, frame: &mut Frame, area: Rect, theme: Theme) {
    match overlay {
        Overlay::Help => {
            let mut lines: Vec<Line> = HELP
                .iter()
                .map(|(k, v)| {
                    Line::from(vec![
                        Span::styled(format!("{k:<24}"), theme.code()),
                        Span::raw(*v),
                    ])
                })
                .collect();
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                "Commands marked ⚠ CHANGES STATE modify your tenant: read them first.",
                theme.warning(),
            )));
            let r = centered(area, 90, lines.len() as u16 + 2);
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(" keys · any key closes "),
                ),
                r,
            );
        }
        Overlay::Values(form) => {
            // Two lines a field; when they do not all fit, show a window around the selection.
            let fits = (area.height.saturating_sub(4) / 2).max(1) as usize;
            let first = form
                .selected
                .saturating_sub(fits.saturating_sub(1))
                .min(form.fields.len().saturating_sub(fits));
            let mut lines = Vec::new();
            for (i, f) in form.fields.iter().enumerate().skip(first).take(fits) {
                let marker = if i == form.selected { "› " } else { "  " };
                let status = match f.check() {
                    Ok(()) if f.input.is_empty() => Span::styled("  (empty)", theme.dim()),
                    Ok(()) => Span::styled("  ✓", theme.good()),
                    Err(expected) => {
                        Span::styled(format!("  ✗ expected {expected}"), theme.warning())
                    }
                };
                let shown = if f.kind == crate::flow::Kind::Secret {
                    "•".repeat(f.input.chars().count())
                } else {
                    clean(&f.input)
                };
                lines.push(Line::from(vec![
                    Span::raw(marker),
                    Span::styled(format!("{:<16}", f.name), theme.code()),
                    Span::raw(shown),
                    if i == form.selected {
                        Span::styled("▏", theme.dim())
                    } else {
                        Span::raw("")
                    },
                    status,
                ]));
                let recall = if i == form.selected && !f.recent.is_empty() {
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
                lines.push(Line::from(Span::styled(
                    format!(
                        "    {recall}{} · e.g. {}",
                        clean(&f.prompt),
                        clean(&f.example)
                    ),
                    theme.dim(),
                )));
            }
            if form.fields.iter().any(|f| !f.recent.is_empty()) {
                lines.push(Line::from(Span::styled(
                    "  Ctrl-R fills in a remembered value · Ctrl-X forgets them all",
                    theme.dim(),
                )));
            }
            let more = if form.fields.len() > fits {
                format!(" {}/{} · ", form.selected + 1, form.fields.len())
            } else {
                String::new()
            };
            let r = centered(area, 96, lines.len() as u16 + 2);
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(format!(
                    " values{more} · Up/Down field · Enter save · Esc keep valid ones "
                ))),
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
    }
}
