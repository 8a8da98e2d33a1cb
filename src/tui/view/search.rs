//! The search screen: the query, live results with matched characters highlighted, and a
//! preview of the selected code.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::catalog::Entry;
use crate::search::Hit;

use crate::tui::app::App;
use crate::tui::view::scroll::{hidden_counts, row_of_line, scroll_top};
use crate::tui::view::{Theme, clean, hidden_note};

struct Areas {
    query: Rect,
    results: Rect,
    preview: Option<Rect>,
}

fn areas(area: Rect) -> Areas {
    let [query, rest] = Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
    if area.width >= 100 {
        let [results, preview] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(rest);
        Areas {
            query,
            results,
            preview: Some(preview),
        }
    } else if area.height >= 22 {
        let [results, preview] =
            Layout::vertical([Constraint::Min(5), Constraint::Length(8)]).areas(rest);
        Areas {
            query,
            results,
            preview: Some(preview),
        }
    } else {
        Areas {
            query,
            results: rest,
            preview: None,
        }
    }
}

/// A string with the characters at `positions` highlighted.
fn highlighted<'a>(
    text: &str,
    positions: &[usize],
    theme: Theme,
    base: ratatui::style::Style,
) -> Vec<Span<'a>> {
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            let style = if positions.contains(&i) {
                theme.matched()
            } else {
                base
            };
            Span::styled(c.to_string(), style)
        })
        .collect()
}

fn hit_line<'a>(app: &App, hit: &Hit, e: &Entry, theme: Theme) -> Line<'a> {
    let code = e.code.to_string();
    let mut spans = vec![Span::styled("AADSTS", theme.dim())];
    spans.extend(highlighted(
        &code,
        &hit.highlights.code,
        theme,
        theme.code(),
    ));
    spans.push(Span::raw(" ".repeat(9usize.saturating_sub(code.len()))));
    let flow = if app.data.library.has_flow(e.code) {
        "▶ "
    } else {
        "  "
    };
    spans.push(Span::styled(flow, theme.good()));
    match &e.name {
        Some(name) => spans.extend(highlighted(
            &clean(name),
            &hit.highlights.name,
            theme,
            ratatui::style::Style::default(),
        )),
        None => {
            let short: String = e.summary.chars().take(48).collect();
            spans.push(Span::styled(clean(&short), theme.dim()));
        }
    }
    spans.extend(why_spans(hit, e, theme));
    spans.push(Span::styled(format!("  {}", e.category), theme.dim()));
    Line::from(spans)
}

/// Why a hit matched when its name shows nothing: the matched keyword, or the words of the
/// summary around the first match, highlighted.
fn why_spans<'a>(hit: &Hit, e: &Entry, theme: Theme) -> Vec<Span<'a>> {
    let h = &hit.highlights;
    let mut spans = Vec::new();
    if !h.name.is_empty() || !h.code.is_empty() {
        return spans;
    }
    if let Some((i, pos)) = h.keywords.iter().find(|(_, p)| !p.is_empty())
        && let Some(kw) = e.keywords.get(*i)
    {
        spans.push(Span::styled("  keyword: ", theme.dim()));
        spans.extend(highlighted(&clean(kw), pos, theme, theme.dim()));
    } else if let Some(&first) = h.summary.first() {
        // A window of the summary from the start of the word holding the first match.
        let chars: Vec<char> = clean(&e.summary).chars().collect();
        let start = chars[..first.min(chars.len())]
            .iter()
            .rposition(|c| *c == ' ')
            .map_or(0, |p| p + 1);
        let end = (start + 36).min(chars.len());
        let text: String = chars[start..end].iter().collect();
        let pos: Vec<usize> = h
            .summary
            .iter()
            .filter(|&&p| p >= start && p < end)
            .map(|p| p - start)
            .collect();
        spans.push(Span::styled("  summary: ", theme.dim()));
        if start > 0 {
            spans.push(Span::styled("…", theme.dim()));
        }
        spans.extend(highlighted(&text, &pos, theme, theme.dim()));
        if end < chars.len() {
            spans.push(Span::styled("…", theme.dim()));
        }
    }
    spans
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    let a = areas(area);
    let s = &app.search;
    let query = Paragraph::new(Line::from(vec![
        Span::styled("> ", theme.title()),
        Span::raw(clean(&s.query)),
        Span::styled("▏", theme.dim()),
    ]))
    .block(Block::default().borders(Borders::ALL).title(Span::styled(
        " aadsts-wizard · code, name or symptom ",
        theme.title(),
    )));
    frame.render_widget(query, a.query);

    let title = if s.hits.is_empty() {
        " no match: try other words, or paste the error (Ctrl-V) ".to_string()
    } else if s.query.trim().is_empty() {
        format!(" all {} codes · ▶ has a flow ", s.hits.len())
    } else {
        format!(" {} result(s) · ▶ has a flow ", s.hits.len())
    };
    let visible = a.results.height.saturating_sub(2);
    let heights = vec![1; s.hits.len()];
    let selected = (!s.hits.is_empty()).then_some(s.selected);
    let top = scroll_top(&heights, selected, visible, s.top.get());
    s.top.set(top);
    let (above, below) = hidden_counts(&heights, top, visible);
    // Only the rows in the window are built.
    let lines: Vec<Line> = s
        .hits
        .iter()
        .enumerate()
        .skip(top as usize)
        .take(visible as usize)
        .map(|(i, h)| {
            let width = a.results.width.saturating_sub(4) as usize;
            let mut line = fit(
                hit_line(app, h, &app.data.catalog.entries()[h.index], theme),
                width,
            );
            let chosen = selected == Some(i);
            line.spans
                .insert(0, Span::raw(if chosen { "› " } else { "  " }));
            if chosen {
                line = line.patch_style(theme.selected());
            }
            line
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title)
                .title_bottom(hidden_note(above, below)),
        ),
        a.results,
    );

    if let Some(preview) = a.preview {
        let lines = match app.entry() {
            Some(e) => preview_lines(app, e, theme),
            None => vec![Line::from("")],
        };
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(Block::default().borders(Borders::ALL).title(" preview ")),
            preview,
        );
    }
}

/// `line` cut to `width` characters, ending in `…` when something was cut (so a cut row
/// never looks whole).
fn fit(line: Line<'_>, width: usize) -> Line<'_> {
    let total: usize = line.spans.iter().map(|s| s.content.chars().count()).sum();
    if total <= width || width == 0 {
        return line;
    }
    let mut left = width - 1;
    let mut spans = Vec::new();
    for span in line.spans {
        if left == 0 {
            break;
        }
        let n = span.content.chars().count();
        if n <= left {
            left -= n;
            spans.push(span);
        } else {
            let cut: String = span.content.chars().take(left).collect();
            spans.push(Span::styled(cut, span.style));
            left = 0;
        }
    }
    spans.push(Span::raw("…"));
    Line::from(spans).style(line.style)
}

fn preview_lines<'a>(app: &App, e: &Entry, theme: Theme) -> Vec<Line<'a>> {
    let mut lines = vec![Line::from(vec![
        Span::styled(e.label(), theme.code()),
        Span::raw("  "),
        Span::styled(clean(e.name.as_deref().unwrap_or("")), theme.title()),
    ])];
    lines.push(Line::from(clean(&e.summary)));
    lines.push(Line::from(vec![
        Span::styled("who fixes ", theme.dim()),
        Span::raw(e.who_fixes.to_string()),
        Span::styled("  retry helps ", theme.dim()),
        Span::raw(if e.transient { "yes" } else { "no" }),
        Span::styled("  ", theme.dim()),
        Span::raw(e.category.to_string()),
    ]));
    if !e.related.is_empty() {
        let rel: Vec<String> = e.related.iter().map(u32::to_string).collect();
        lines.push(Line::from(vec![
            Span::styled("related ", theme.dim()),
            Span::raw(rel.join(" ")),
        ]));
    }
    let flow = if app.data.library.has_flow(e.code) {
        "Enter: walk its diagnosis flow"
    } else {
        "Enter: general triage (no flow of its own yet)"
    };
    lines.push(Line::from(Span::styled(flow, theme.good())));
    lines
}

pub fn row_at(app: &App, area: Rect, x: u16, y: u16) -> Option<usize> {
    let r = areas(area).results;
    let inside =
        x > r.x && x < r.right().saturating_sub(1) && y > r.y && y < r.bottom().saturating_sub(1);
    if !inside {
        return None;
    }
    let heights = vec![1; app.search.hits.len()];
    // The rows as last drawn: the view keeps the offset in the search state.
    row_of_line(&heights, app.search.top.get(), y - r.y - 1)
}

#[cfg(test)]
mod fit_tests {
    use super::*;

    #[test]
    fn a_cut_row_ends_in_an_ellipsis_and_a_whole_one_is_untouched() {
        let line = Line::from(vec![
            Span::raw("AADSTS"),
            Span::raw("50126 keyword: idp client secret"),
        ]);
        let cut = fit(line.clone(), 20);
        let text: String = cut.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "AADSTS50126 keyword…");
        assert_eq!(text.chars().count(), 20);
        assert_eq!(fit(line.clone(), 80), line);
    }
}
