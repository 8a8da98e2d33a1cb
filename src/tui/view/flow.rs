//! The wizard: a question with its answers and check commands, or a leaf with the cause, the
//! fix and the commands (values filled in), each state change marked.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph};

use crate::command::Shell;
use crate::flow::Node;

use crate::tui::app::{App, FlowState};
use crate::tui::view::{Theme, clean, wrap};

fn header_lines<'a>(app: &App, f: &FlowState, width: usize, theme: Theme) -> Vec<Line<'a>> {
    let entry = app.data.catalog.get(f.code);
    let name = entry.and_then(|e| e.name.clone()).unwrap_or_default();
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("AADSTS{}", f.code), theme.code()),
        Span::raw("  "),
        Span::styled(clean(&name), theme.title()),
        Span::styled(format!("  {}", clean(&f.flow.title)), theme.dim()),
    ])];
    if !f.own_flow
        && let Some(e) = entry
    {
        for l in wrap(&e.summary, width) {
            lines.push(Line::from(l));
        }
        let note = format!(
            "No flow for this code yet: general triage below. Microsoft's page: {} (l copies it)",
            e.lookup_url()
        );
        for l in wrap(&note, width) {
            lines.push(Line::from(Span::styled(l, theme.dim())));
        }
    }
    let ids: Vec<String> = [
        ("trace", &app.ids.trace_id),
        ("correlation", &app.ids.correlation_id),
        ("time", &app.ids.timestamp),
    ]
    .iter()
    .filter_map(|(label, v)| v.as_ref().map(|v| format!("{label} {}", clean(v))))
    .collect();
    if !ids.is_empty() {
        for l in wrap(&format!("{} (i copies)", ids.join(" · ")), width) {
            lines.push(Line::from(Span::styled(l, theme.dim())));
        }
    }
    let crumbs: Vec<String> = f
        .steps
        .iter()
        .map(|s| f.flow.describe(s).1.to_string())
        .collect();
    let crumb = if crumbs.is_empty() {
        "start".to_string()
    } else {
        format!("start › {}", crumbs.join(" › "))
    };
    // Keep the end of a long breadcrumb: the latest answers matter most.
    let chars: Vec<char> = clean(&crumb).chars().collect();
    let shown: String = if chars.len() > width {
        std::iter::once('…')
            .chain(chars[chars.len() + 1 - width..].iter().copied())
            .collect()
    } else {
        chars.into_iter().collect()
    };
    lines.push(Line::from(Span::styled(shown, theme.dim())));
    lines
}

/// The text part: the question and its help, or the leaf's cause, explanation, fix and related.
fn text_lines<'a>(app: &App, f: &FlowState, width: usize, theme: Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    match f.node() {
        Node::Question(q) => {
            for l in wrap(&q.text, width) {
                lines.push(Line::from(Span::styled(l, theme.title())));
            }
            if let Some((i, why)) = &f.suggestion {
                let text = format!(
                    "From the sign-in log: {} -> answer {} (Enter accepts it)",
                    clean(why),
                    i + 1
                );
                for l in wrap(&text, width) {
                    lines.push(Line::from(Span::styled(l, theme.good())));
                }
            }
            if let Some(h) = &q.help {
                for l in wrap(h, width) {
                    lines.push(Line::from(Span::styled(l, theme.dim())));
                }
            }
        }
        Node::Leaf(l) => {
            for t in wrap(&format!("Cause: {}", l.cause), width) {
                lines.push(Line::from(Span::styled(t, theme.code())));
            }
            for t in wrap(&l.explanation, width) {
                lines.push(Line::from(t));
            }
            lines.push(Line::from(Span::styled("Fix", theme.title())));
            for (i, step) in l.fix.iter().enumerate() {
                for (j, t) in wrap(step, width.saturating_sub(4)).into_iter().enumerate() {
                    let prefix = if j == 0 {
                        format!("{:>2}. ", i + 1)
                    } else {
                        "    ".to_string()
                    };
                    lines.push(Line::from(format!("{prefix}{t}")));
                }
            }
            if !l.related.is_empty() {
                let rel: Vec<String> = l
                    .related
                    .iter()
                    .take(9)
                    .enumerate()
                    .map(|(i, c)| {
                        let name = app
                            .data
                            .catalog
                            .get(*c)
                            .and_then(|e| e.name.clone())
                            .unwrap_or_default();
                        format!("[{}] {c} {}", i + 1, clean(&name))
                    })
                    .collect();
                for t in wrap(
                    &format!("Related (press the number): {}", rel.join("  ")),
                    width,
                ) {
                    lines.push(Line::from(Span::styled(t, theme.dim())));
                }
            }
            for link in &l.links {
                lines.push(Line::from(Span::styled(clean(link), theme.dim())));
            }
        }
    }
    lines
}

/// The list rows: answers, then commands of the current shell (title line + command lines).
fn rows<'a>(app: &App, f: &FlowState, width: usize, theme: Theme) -> Vec<ListItem<'a>> {
    let mut items = Vec::new();
    if let Node::Question(q) = f.node() {
        for (i, a) in q.answers.iter().enumerate() {
            let mark = match &f.suggestion {
                Some((s, _)) if *s == i => " [sign-in log]",
                _ => "",
            };
            let label = wrap(&format!("{}{mark}", a.label), width.saturating_sub(6));
            let lines: Vec<Line> = label
                .into_iter()
                .enumerate()
                .map(|(j, t)| {
                    if j == 0 {
                        Line::from(format!("{}. {t}", i + 1))
                    } else {
                        Line::from(format!("   {t}"))
                    }
                })
                .collect();
            items.push(ListItem::new(Text::from(lines)));
        }
    }
    for c in f.commands(app.shell) {
        // The warning goes first so a long title can never push it off screen.
        let mut lines = vec![Line::from({
            let mut spans = Vec::new();
            if c.changes_state {
                spans.push(Span::styled("⚠ CHANGES STATE", theme.warning()));
                spans.push(Span::raw(" "));
            }
            spans.push(Span::styled(format!("# {}", clean(&c.title)), theme.dim()));
            spans
        })];
        if let Some(needs) = c.needs.summary() {
            lines.push(Line::from(Span::styled(
                format!("  needs: {}", clean(&needs)),
                theme.dim(),
            )));
        }
        for t in wrap(&c.render(&app.values), width.saturating_sub(4)) {
            lines.push(Line::from(Span::styled(format!("  {t}"), theme.command())));
        }
        items.push(ListItem::new(Text::from(lines)));
    }
    // What this shell cannot do here, and where to go instead; after the selectable rows.
    for u in f
        .node()
        .unavailable()
        .iter()
        .filter(|u| u.shell == app.shell)
    {
        let mut lines = vec![Line::from(Span::styled(
            format!("✗ {}", clean(&u.title)),
            theme.dim(),
        ))];
        for t in wrap(&u.reason, width.saturating_sub(4)) {
            lines.push(Line::from(Span::styled(format!("  {t}"), theme.dim())));
        }
        items.push(ListItem::new(Text::from(lines)));
    }
    items
}

struct Areas {
    header: Rect,
    text: Rect,
    list: Rect,
}

fn areas(app: &App, f: &FlowState, area: Rect) -> Areas {
    let width = area.width.saturating_sub(2) as usize;
    let theme = Theme { color: false };
    let header_h = header_lines(app, f, width, theme).len() as u16 + 1;
    let text_needed = text_lines(app, f, width, theme).len() as u16 + 2;
    let rest = area.height.saturating_sub(header_h);
    let is_question = matches!(f.node(), Node::Question(_));
    let cap = if is_question {
        rest / 2
    } else {
        rest * 11 / 20
    };
    let text_h = text_needed.min(cap.max(4));
    let [header, text, list] = Layout::vertical([
        Constraint::Length(header_h),
        Constraint::Length(text_h),
        Constraint::Min(3),
    ])
    .areas(area);
    Areas { header, text, list }
}

pub fn draw(app: &App, f: &FlowState, frame: &mut Frame, area: Rect, theme: Theme) {
    let a = areas(app, f, area);
    let width = area.width.saturating_sub(2) as usize;
    frame.render_widget(Paragraph::new(header_lines(app, f, width, theme)), a.header);

    let text = text_lines(app, f, width, theme);
    let max_scroll = (text.len() as u16).saturating_sub(a.text.height.saturating_sub(2));
    let scroll = f.scroll.min(max_scroll);
    let more = if max_scroll > scroll {
        " ↓ more (PgDn) "
    } else {
        ""
    };
    let kind = if matches!(f.node(), Node::Question(_)) {
        " question "
    } else {
        " result "
    };
    frame.render_widget(
        Paragraph::new(text).scroll((scroll, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .title(kind)
                .title_bottom(more),
        ),
        a.text,
    );

    let other = match app.shell {
        Shell::Az => Shell::Powershell,
        Shell::Powershell => Shell::Az,
    };
    let what = if matches!(f.node(), Node::Question(_)) {
        "answers · checks"
    } else {
        "commands"
    };
    let title = format!(" {what}: {} (Tab: {}) ", app.shell.title(), other.title());
    let items = rows(app, f, width, theme);
    let empty = items.is_empty();
    let list = List::new(items)
        .block(Block::default().borders(Borders::ALL).title(title))
        .highlight_style(theme.selected())
        .highlight_symbol("› ");
    let mut state = ListState::default().with_selected((!empty).then_some(f.selected));
    frame.render_stateful_widget(list, a.list, &mut state);
}

pub fn row_at(app: &App, f: &FlowState, area: Rect, x: u16, y: u16) -> Option<usize> {
    let r = areas(app, f, area).list;
    if !(x > r.x && x < r.right().saturating_sub(1) && y > r.y && y < r.bottom().saturating_sub(1))
    {
        return None;
    }
    let width = area.width.saturating_sub(2) as usize;
    let heights: Vec<u16> = rows(app, f, width, Theme { color: false })
        .iter()
        .map(|i| i.height() as u16)
        .collect();
    // Mirror ratatui's offset: scroll just enough for the selected row to be visible.
    let visible = r.height.saturating_sub(2);
    let mut offset = 0;
    let mut used: u16 = heights.iter().take(f.selected + 1).sum();
    while used > visible && offset < f.selected {
        used -= heights[offset];
        offset += 1;
    }
    let mut top = r.y + 1;
    for (i, h) in heights.iter().enumerate().skip(offset) {
        if y >= top && y < top + h {
            // The "not with this shell" rows after the commands cannot be selected.
            return (i < f.row_count(app.shell)).then_some(i);
        }
        top += h;
    }
    None
}
