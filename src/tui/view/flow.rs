//! The wizard: a question with its answers and check commands, or a leaf with the cause, the
//! fix and the commands (values filled in), each state change marked.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::command::Shell;
use crate::flow::Node;

use crate::tui::app::{App, FlowState, Screen};
use crate::tui::view::scroll::{hidden_counts, row_of_line, scroll_top};
use crate::tui::view::{Theme, clean, hidden_note, wrap};

/// `text` in at most `width` characters: whole, or cut with `…` at the end; nothing when not
/// even three characters and the `…` fit.
fn fit(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        text.to_string()
    } else if width < 4 {
        String::new()
    } else {
        let cut: String = text.chars().take(width - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

fn header_lines<'a>(app: &App, f: &FlowState, width: usize, theme: Theme) -> Vec<Line<'a>> {
    let entry = app.data.catalog.get(f.code);
    let name = entry.and_then(|e| e.name.clone()).unwrap_or_default();
    let code = format!("AADSTS{}  ", f.code);
    // One line: what does not fit ends in `…` rather than being cut off mid-word unmarked.
    let room = width.saturating_sub(code.chars().count());
    let name = fit(&clean(&name), room);
    let title = fit(
        &format!("  {}", clean(&f.flow.title)),
        room.saturating_sub(name.chars().count()),
    );
    let mut lines = vec![Line::from(vec![
        Span::styled(code, theme.code()),
        Span::styled(name, theme.title()),
        Span::styled(title, theme.dim()),
    ])];
    if !f.own_flow
        && let Some(e) = entry
    {
        for l in wrap(&e.summary, width) {
            lines.push(Line::from(l));
        }
        let note = format!(
            "No flow for this code yet: general triage below. Microsoft's page: {} (u copies it)",
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
    let mut crumb = if crumbs.is_empty() {
        "start".to_string()
    } else {
        format!("start › {}", crumbs.join(" › "))
    };
    if let Some(Screen::Flow(prev)) = app.back.last() {
        crumb = format!("from AADSTS{} · {crumb}", prev.code);
    }
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

/// The text part: the question and its help, or the leaf's cause, fix, related codes and links,
/// with the explanation after the cause when `why` (it is the first thing left out when space
/// is short: the cause and the fix matter most mid-incident).
fn text_lines<'a>(
    app: &App,
    f: &FlowState,
    width: usize,
    why: bool,
    theme: Theme,
) -> Vec<Line<'a>> {
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
            if why {
                for t in wrap(&l.explanation, width) {
                    lines.push(Line::from(t));
                }
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
            let related = f.related();
            if !related.is_empty() {
                let rel: Vec<String> = related
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
                for t in wrap(link, width) {
                    lines.push(Line::from(Span::styled(t, theme.dim())));
                }
            }
        }
    }
    lines
}

/// The list rows: answers, then commands of the current shell (title line + command lines),
/// secrets masked.
fn rows<'a>(app: &App, f: &FlowState, width: usize, theme: Theme) -> Vec<Text<'a>> {
    shell_rows(app, f, app.shell, true, width, theme)
}

/// The rows for `shell`; the answers first when `answers`.
fn shell_rows<'a>(
    app: &App,
    f: &FlowState,
    shell: Shell,
    answers: bool,
    width: usize,
    theme: Theme,
) -> Vec<Text<'a>> {
    let mut items = Vec::new();
    if answers && let Node::Question(q) = f.node() {
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
            items.push(Text::from(lines));
        }
    }
    let is_secret = |n: &str| f.flow.is_secret(n);
    for c in f.commands(shell) {
        // The warning goes first so a long title can never push it off screen; the title
        // wraps under it.
        let mark = if c.changes_state {
            "⚠ CHANGES STATE "
        } else {
            ""
        };
        let title = wrap(&format!("{mark}# {}", c.title), width.saturating_sub(2));
        let mut lines: Vec<Line> = Vec::new();
        for (j, t) in title.into_iter().enumerate() {
            let mut spans = Vec::new();
            match (j, t.strip_prefix(mark)) {
                (0, Some(rest)) if !mark.is_empty() => {
                    spans.push(Span::styled(mark.trim_end().to_string(), theme.warning()));
                    spans.push(Span::styled(format!(" {rest}"), theme.dim()));
                }
                _ => spans.push(Span::styled(t, theme.dim())),
            }
            lines.push(Line::from(spans));
        }
        if let Some(needs) = c.needs.summary() {
            lines.push(Line::from(Span::styled(
                format!("  needs: {}", clean(&needs)),
                theme.dim(),
            )));
        }
        for t in wrap(
            &c.render_masked(&app.values, is_secret),
            width.saturating_sub(4),
        ) {
            lines.push(Line::from(Span::styled(format!("  {t}"), theme.command())));
        }
        items.push(Text::from(lines));
    }
    // What this shell cannot do here, and where to go instead; after the selectable rows.
    for u in f.node().unavailable().iter().filter(|u| u.shell == shell) {
        let mut lines = vec![Line::from(Span::styled(
            format!("✗ {}", clean(&u.title)),
            theme.dim(),
        ))];
        for t in wrap(&u.reason, width.saturating_sub(4)) {
            lines.push(Line::from(Span::styled(format!("  {t}"), theme.dim())));
        }
        items.push(Text::from(lines));
    }
    items
}

/// From this width on, the other shell's commands sit beside the list.
const SIDE_BY_SIDE: u16 = 160;

struct Areas {
    header: Rect,
    text: Rect,
    list: Rect,
    /// The other shell's commands, on wide terminals.
    other: Option<Rect>,
    /// Whether the leaf's explanation is in the text.
    why: bool,
}

/// Lay out by priority: on a result the cause, the fix and the selected command come first;
/// the explanation joins them when there is room or when asked for (`w`).
/// What a frame shows, laid out and measured once: the header, the text with and without
/// the leaf's explanation, and the list rows.
struct Prepared<'a> {
    header: Vec<Line<'a>>,
    /// The text with the explanation (leaves only) and without it.
    text_why: Option<Vec<Line<'a>>>,
    text: Vec<Line<'a>>,
    rows: Vec<Text<'a>>,
}

impl<'a> Prepared<'a> {
    fn new(app: &App, f: &FlowState, area: Rect, theme: Theme) -> Prepared<'a> {
        let width = area.width.saturating_sub(2) as usize;
        let is_leaf = matches!(f.node(), Node::Leaf(_));
        Prepared {
            header: header_lines(app, f, width, theme),
            text_why: is_leaf.then(|| text_lines(app, f, width, true, theme)),
            text: text_lines(app, f, width, false, theme),
            rows: rows(app, f, list_width(area), theme),
        }
    }

    /// The text with or without the explanation.
    fn text(&mut self, why: bool) -> Vec<Line<'a>> {
        match (why, self.text_why.take()) {
            (true, Some(t)) => t,
            _ => std::mem::take(&mut self.text),
        }
    }
}

fn areas(p: &Prepared, f: &FlowState, area: Rect) -> Areas {
    // A blank line under the header only where height is plentiful.
    let gap = u16::from(area.height >= 30);
    let header_h = p.header.len() as u16 + gap;
    let rest = area.height.saturating_sub(header_h);
    let is_leaf = matches!(f.node(), Node::Leaf(_));
    let heights: Vec<u16> = p.rows.iter().map(|i| i.height() as u16).collect();
    let selected_h = heights.get(f.selected).copied().unwrap_or(1);
    let list_all = heights.iter().sum::<u16>() + 2;
    // The list keeps room for the selected row (and a little more) at least.
    let list_min = list_all.min((selected_h + 2).max(if is_leaf { 8 } else { 7 }));
    let cap = rest.saturating_sub(list_min).max(4);
    let needed = |why: bool| {
        let lines = match (&p.text_why, why) {
            (Some(t), true) => t.len(),
            _ => p.text.len(),
        };
        lines as u16 + 2
    };
    let why = is_leaf && (f.show_why || needed(true) <= cap.min(rest * 11 / 20));
    let text_needed = needed(why);
    let text_h = if is_leaf {
        text_needed.min(cap)
    } else {
        text_needed.min((rest / 2).max(4)).min(cap)
    };
    let [header, text, list] = Layout::vertical([
        Constraint::Length(header_h),
        Constraint::Length(text_h),
        Constraint::Min(3),
    ])
    .areas(area);
    let (list, other) = if area.width >= SIDE_BY_SIDE {
        let [l, o] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(list);
        (l, Some(o))
    } else {
        (list, None)
    };
    Areas {
        header,
        text,
        list,
        other,
        why,
    }
}

/// The text width inside the command list's borders.
fn list_width(area: Rect) -> usize {
    let w = if area.width >= SIDE_BY_SIDE {
        area.width / 2
    } else {
        area.width
    };
    w.saturating_sub(2) as usize
}

pub fn draw(app: &App, f: &FlowState, frame: &mut Frame, area: Rect, theme: Theme) {
    let mut p = Prepared::new(app, f, area, theme);
    let a = areas(&p, f, area);
    frame.render_widget(Paragraph::new(std::mem::take(&mut p.header)), a.header);

    let text = p.text(a.why);
    let max_scroll = (text.len() as u16).saturating_sub(a.text.height.saturating_sub(2));
    let scroll = f.scroll.min(max_scroll);
    let below = max_scroll - scroll;
    let more = match (scroll, below) {
        (0, 0) => String::new(),
        (0, b) => format!(" ↓ {b} more lines (PgDn) "),
        (s, 0) => format!(" ↑ {s} lines (PgUp) "),
        (s, b) => format!(" ↑ {s} · ↓ {b} more lines "),
    };
    let kind = match f.node() {
        Node::Question(_) => " question ".to_string(),
        Node::Leaf(_) if a.why => " result · w hides why ".to_string(),
        Node::Leaf(_) => " result · w shows why ".to_string(),
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

    let other = f.next_shell(app.shell);
    let what = if matches!(f.node(), Node::Question(_)) {
        "answers · checks"
    } else {
        "commands"
    };
    let title = format!(" {what}: {} (Tab: {}) ", app.shell.title(), other.title());
    let lw = list_width(area);
    let items = std::mem::take(&mut p.rows);
    let heights: Vec<u16> = items.iter().map(|i| i.height() as u16).collect();
    let visible = a.list.height.saturating_sub(2);
    let top = scroll_top(
        &heights,
        (!items.is_empty()).then_some(f.selected),
        visible,
        f.list_top_for(f.at),
    );
    f.list_top.set((f.at, top));
    let (above, below) = hidden_counts(&heights, top, visible);
    frame.render_widget(
        Paragraph::new(row_lines(items, Some(f.selected), theme))
            .scroll((top, 0))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(title)
                    .title_bottom(hidden_note(above, below)),
            ),
        a.list,
    );

    if let Some(r) = a.other {
        let items = shell_rows(app, f, other, false, lw, theme);
        let heights: Vec<u16> = items.iter().map(|i| i.height() as u16).collect();
        let (_, below) = hidden_counts(&heights, 0, r.height.saturating_sub(2));
        let title = format!(" {}: Tab makes these the selectable ones ", other.title());
        frame.render_widget(
            Paragraph::new(row_lines(items, None, theme)).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(Span::styled(title, theme.dim()))
                    .title_bottom(hidden_note(0, below)),
            ),
            r,
        );
    }
}

/// The rows' lines one after the other, the selected row marked `› ` and highlighted; the
/// others indented to match.
fn row_lines(items: Vec<Text<'_>>, selected: Option<usize>, theme: Theme) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let chosen = selected == Some(i);
        for (j, mut line) in item.lines.into_iter().enumerate() {
            let mark = if chosen && j == 0 { "› " } else { "  " };
            line.spans.insert(0, Span::raw(mark));
            if chosen {
                line = line.patch_style(theme.selected());
            }
            out.push(line);
        }
    }
    out
}

pub fn row_at(app: &App, f: &FlowState, area: Rect, x: u16, y: u16) -> Option<usize> {
    let p = Prepared::new(app, f, area, Theme { color: false });
    let r = areas(&p, f, area).list;
    if !(x > r.x && x < r.right().saturating_sub(1) && y > r.y && y < r.bottom().saturating_sub(1))
    {
        return None;
    }
    let heights: Vec<u16> = p.rows.iter().map(|i| i.height() as u16).collect();
    // The rows as last drawn: the view keeps its scroll in the flow's state.
    let i = row_of_line(&heights, f.list_top_for(f.at), y - r.y - 1)?;
    // The "not with this shell" rows after the commands cannot be selected.
    (i < f.row_count(app.shell)).then_some(i)
}
