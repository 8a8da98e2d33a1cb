//! The sign-in table: what was read, one row per group with its counts and what changed, and
//! the selected row in full. Columns drop or shrink to fit; every text from the export goes
//! through `clean`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::signins::{GroupBy, NONE_KEY, Row, Summary, Top};
use crate::text::thousands;
use crate::tui::signins::{SigninsState, group_label};
use crate::tui::view::scroll::{hidden_counts, row_of_line, scroll_top};
use crate::tui::view::{Theme, clean, hidden_note, wrap};

/// The screen's parts: what was read, the table (its header line, then the rows) and the
/// selected row in full when there is room.
struct Areas {
    head: Rect,
    table: Rect,
    detail: Option<Rect>,
}

fn head_lines(t: &SigninsState, width: usize) -> Vec<String> {
    let Some(s) = t.summary() else {
        return vec![String::new()];
    };
    let st = &s.stats;
    let mut text = format!(
        "{} sign-in events: {} failures counted, {} successes",
        thousands(st.events),
        thousands(st.failures),
        thousands(st.successes)
    );
    if st.expected_skipped > 0 {
        text.push_str(&format!(
            ", {} expected left out (x counts them)",
            thousands(st.expected_skipped)
        ));
    }
    if st.outside_window + st.no_time > 0 {
        text.push_str(&format!(
            ", {} outside the time window",
            thousands(st.outside_window + st.no_time)
        ));
    }
    if st.malformed > 0 {
        text.push_str(&format!(", {} malformed", thousands(st.malformed)));
    }
    if let (Some(a), Some(b)) = (&s.first_event, &s.last_event) {
        text.push_str(&format!(
            " · failures from {} to {} UTC",
            minutes(a, true),
            minutes(b, true)
        ));
    }
    let mut lines = wrap(&text, width);
    lines.truncate(2);
    lines
}

fn areas(t: &SigninsState, area: Rect) -> Areas {
    let head_h = head_lines(t, area.width.saturating_sub(2) as usize).len() as u16 + 2;
    // The selected row in full below the table when the screen is tall enough: as many lines
    // as it needs up to 7, leaving the table at least 8 lines (5 rows).
    let detail_h = match (t.summary(), t.selected_row()) {
        (Some(s), Some(r)) if area.height >= 20 => {
            let need = detail_lines(
                s,
                r,
                area.width.saturating_sub(2) as usize,
                Theme { color: false },
            )
            .len() as u16;
            let room = area.height.saturating_sub(head_h + 8);
            (need.min(7) + 2).min(room)
        }
        _ => 0,
    };
    let [head, table, detail] = Layout::vertical([
        Constraint::Length(head_h),
        Constraint::Min(4),
        Constraint::Length(detail_h),
    ])
    .areas(area);
    Areas {
        head,
        table,
        detail: (detail_h > 2).then_some(detail),
    }
}

/// `2024-05-01 10:00` (`full`) or `05-01 10:00` from `2024-05-01T10:00:00Z`.
fn minutes(t: &str, full: bool) -> String {
    let t = t.replace('T', " ");
    let start = if full { 0 } else { 5 };
    t.get(start..16).map_or(t.clone(), str::to_string)
}

/// `text` in exactly `width` characters: cut with `…`, or padded.
fn fit(text: &str, width: usize, right: bool) -> String {
    let n = text.chars().count();
    if n > width {
        let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
        if width > 0 {
            s.push('…');
        }
        s
    } else if right {
        format!("{}{text}", " ".repeat(width - n))
    } else {
        format!("{text}{}", " ".repeat(width - n))
    }
}

/// One column of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    Count,
    /// The flow / expected mark and the group's key.
    Key,
    Users,
    Apps,
    First,
    Last,
    /// The code's name (by code) or the top code (other groupings).
    Name,
    Change,
}

/// The columns shown in `width` characters and the width of each: the fixed ones sized to
/// their widest value, the key (other groupings) or the name (by code) taking what is left
/// up to a cap, the change column the rest (wide enough, it shows the whole sentence). The
/// first-seen column shows only when wide, the change column only when a row has one; when
/// narrow, apps, users, last seen, the name and the change column go, in that order. Grouped
/// by user or app, the users or apps column (always 1) is left out.
pub fn columns(s: &Summary, width: usize) -> Vec<(Col, usize)> {
    let widest =
        |f: &dyn Fn(&Row) -> usize, min: usize| s.rows.iter().map(f).max().unwrap_or(0).max(min);
    let count = widest(&|r| thousands(r.count).len(), 8);
    let users = widest(&|r| thousands(r.users).len(), 5);
    let apps = widest(&|r| thousands(r.apps).len(), 4);
    let change = s
        .rows
        .iter()
        .filter_map(|r| r.change_short.as_ref())
        .map(|c| c.chars().count())
        .max()
        .map(|w| w.max(6));
    let is_code = s.by == GroupBy::Code;
    let flexible = if is_code { Col::Name } else { Col::Key };
    let (flex_min, flex_cap) = if is_code { (6, 40) } else { (18, 48) };
    let time = if width >= 110 { 16 } else { 11 };
    let mut cols = vec![(Col::Count, count)];
    // By code the key is the mark, AADSTS and up to 7 digits.
    cols.push((Col::Key, if is_code { 14 } else { 0 }));
    // Grouped by user (or app), each row is one user (app): no column for it.
    if s.by != GroupBy::User {
        cols.push((Col::Users, users));
    }
    if s.by != GroupBy::App {
        cols.push((Col::Apps, apps));
    }
    if width >= 140 {
        cols.push((Col::First, time));
    }
    cols.push((Col::Last, time));
    // AADSTS and up to 7 digits.
    cols.push((Col::Name, if is_code { 0 } else { 13 }));
    if let Some(w) = change {
        cols.push((Col::Change, w));
    }
    let fixed = |cols: &[(Col, usize)]| -> usize {
        cols.iter()
            .filter(|(c, _)| *c != flexible)
            .map(|(_, w)| w + 1)
            .sum()
    };
    for drop in [Col::Apps, Col::Users, Col::Last, Col::Name, Col::Change] {
        if fixed(&cols) + flex_min <= width {
            break;
        }
        if drop != flexible {
            cols.retain(|(c, _)| *c != drop);
        }
    }
    let left = width.saturating_sub(fixed(&cols));
    let flex = left.clamp(flex_min, flex_cap);
    let spare = left.saturating_sub(flex);
    for (c, w) in &mut cols {
        if *c == flexible {
            *w = flex;
        } else if *c == Col::Change {
            *w += spare;
        }
    }
    cols
}

fn header(s: &Summary, cols: &[(Col, usize)]) -> String {
    let is_code = s.by == GroupBy::Code;
    cols.iter()
        .map(|(c, w)| match c {
            Col::Count => fit("FAILURES", *w, true),
            Col::Key => fit(&format!(" {}", group_label(s.by).to_uppercase()), *w, false),
            Col::Users => fit("USERS", *w, true),
            Col::Apps => fit("APPS", *w, true),
            Col::First => fit("FIRST SEEN", *w, false),
            Col::Last => fit("LAST SEEN", *w, false),
            Col::Name => fit(if is_code { "NAME" } else { "TOP CODE" }, *w, false),
            Col::Change => fit("CHANGE", *w, false),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `▶` a code with a flow, `~` expected noise.
fn mark(r: &Row) -> char {
    match (r.has_flow, r.expected) {
        (_, true) => '~',
        (true, false) => '▶',
        (false, false) => ' ',
    }
}

/// A row's cells, already cleaned of control characters.
pub fn cells(s: &Summary, r: &Row, cols: &[(Col, usize)]) -> String {
    let is_code = s.by == GroupBy::Code;
    let time = |t: &Option<String>, w: usize| {
        t.as_deref()
            .map_or_else(|| "-".to_string(), |t| minutes(t, w >= 16))
    };
    cols.iter()
        .map(|(c, w)| match c {
            Col::Count => fit(&thousands(r.count), *w, true),
            Col::Key => {
                let key = if is_code {
                    format!("AADSTS{}", r.key)
                } else {
                    clean(&r.key)
                };
                format!("{}{}", mark(r), fit(&key, w.saturating_sub(1), false))
            }
            Col::Users => fit(&thousands(r.users), *w, true),
            Col::Apps => fit(&thousands(r.apps), *w, true),
            Col::First => fit(&time(&r.first_seen, *w), *w, false),
            Col::Last => fit(&time(&r.last_seen, *w), *w, false),
            Col::Name => {
                let name = if is_code {
                    r.name.as_deref().map(clean).unwrap_or_default()
                } else {
                    r.top_code
                        .as_ref()
                        .map(|t| format!("AADSTS{}", clean(&t.value)))
                        .unwrap_or_default()
                };
                fit(&name, *w, false)
            }
            Col::Change => {
                // The whole sentence when it fits, else its two or three words.
                let long = r.change.as_deref().map(clean).unwrap_or_default();
                let text = if long.chars().count() <= *w {
                    long
                } else {
                    r.change_short.as_deref().map(clean).unwrap_or_default()
                };
                fit(&text, *w, false)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn top(label: &str, t: &Option<Top>) -> Option<String> {
    t.as_ref()
        .filter(|t| t.value != NONE_KEY)
        .map(|t| format!("{label}{} ({})", clean(&t.value), thousands(t.count)))
}

/// `1 user`, `3 users`.
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// The selected row in full: what it is, its counts and times, what changed, what Enter does,
/// then its top values.
fn detail_lines<'a>(s: &Summary, r: &Row, width: usize, theme: Theme) -> Vec<Line<'a>> {
    let is_code = s.by == GroupBy::Code;
    let mut first = if is_code {
        format!(
            "AADSTS{}  {}",
            r.key,
            r.name
                .as_deref()
                .map_or("(not in the catalog)".into(), clean)
        )
    } else {
        let code = r
            .top_code
            .as_ref()
            .map(|t| {
                format!(
                    " · top code AADSTS{} ({})",
                    clean(&t.value),
                    thousands(t.count)
                )
            })
            .unwrap_or_default();
        format!("{} {}{code}", group_label(s.by), clean(&r.key))
    };
    if r.expected {
        first.push_str(" · ~ expected noise");
    } else if r.has_flow {
        first.push_str(" · ▶ has a flow");
    }
    let mut lines: Vec<Line> = wrap(&first, width)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, theme.code())))
        .collect();
    let when = match (&r.first_seen, &r.last_seen) {
        (Some(a), Some(b)) if a.get(..10) == b.get(..10) => format!(
            " · {}–{} UTC",
            minutes(a, true),
            minutes(b, true).get(11..).unwrap_or_default()
        ),
        (Some(a), Some(b)) => format!(" · {} – {} UTC", minutes(a, true), minutes(b, true)),
        _ => String::new(),
    };
    let mut text = vec![format!(
        "{} · {} · {}{when}",
        counted(r.count, "failure", "failures"),
        counted(r.users, "user", "users"),
        counted(r.apps, "app", "apps"),
    )];
    if let Some(c) = &r.change {
        text.push(format!("what changed: {}", clean(c)));
    }
    for t in text {
        lines.extend(wrap(&t, width).into_iter().map(Line::from));
    }
    let enter = match &r.latest {
        Some(l) => {
            let id = r
                .latest_request_id
                .as_deref()
                .map(|i| format!(" ({})", clean(i)))
                .unwrap_or_default();
            format!(
                "Enter: walk AADSTS{} with the group's latest sign-in{id} as evidence",
                l.code
            )
        }
        None => "no event kept for this row".to_string(),
    };
    lines.extend(
        wrap(&enter, width)
            .into_iter()
            .map(|l| Line::from(Span::styled(l, theme.good()))),
    );
    let tops: Vec<String> = [
        (s.by != GroupBy::App).then(|| top("app ", &r.top_app)),
        (s.by != GroupBy::User).then(|| top("user ", &r.top_user)),
        (s.by != GroupBy::Ip).then(|| top("IP ", &r.top_ip)),
        Some(top("", &r.top_location)),
        Some(top("client ", &r.top_client_app)),
    ]
    .into_iter()
    .flatten()
    .flatten()
    .collect();
    if !tops.is_empty() {
        lines.extend(
            wrap(&format!("top: {}", tops.join(" · ")), width)
                .into_iter()
                .map(|l| Line::from(Span::styled(l, theme.dim()))),
        );
    }
    lines
}

pub fn draw(t: &SigninsState, frame: &mut Frame, area: Rect, theme: Theme) {
    let a = areas(t, area);
    let title = format!(
        " sign-ins · {} · by {} · expected {} ",
        clean(&t.source),
        group_label(t.by()),
        if t.shows_expected() {
            "counted"
        } else {
            "left out"
        }
    );
    let head: Vec<Line> = head_lines(t, a.head.width.saturating_sub(2) as usize)
        .into_iter()
        .map(Line::from)
        .collect();
    frame.render_widget(
        Paragraph::new(head).block(
            Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(title, theme.title())),
        ),
        a.head,
    );

    let Some(s) = t.summary() else {
        return;
    };
    let rows = &s.rows;
    let inner_w = a.table.width.saturating_sub(2 + 2) as usize;
    let cols = columns(s, inner_w);
    let title = if rows.is_empty() {
        " no failures in this view (x: expected codes, Tab: another grouping) ".to_string()
    } else {
        format!(
            " {} rows · ▶ has a flow · ~ expected · Tab grouping · Enter opens ",
            thousands(rows.len() as u64)
        )
    };
    let list_h = a.table.height.saturating_sub(3);
    let heights = vec![1; rows.len()];
    let selected = (!rows.is_empty()).then_some(t.selected());
    let top = scroll_top(&heights, selected, list_h, t.top_now());
    t.top.set((t.view, top));
    let (above, below) = hidden_counts(&heights, top, list_h);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .title_bottom(hidden_note(above, below));
    let inner = block.inner(a.table);
    frame.render_widget(block, a.table);
    let [head_line, list_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(
            format!("  {}", header(s, &cols)),
            theme.dim(),
        ))),
        head_line,
    );
    // Only the rows in the window are built.
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(top as usize)
        .take(list_h as usize)
        .map(|(i, r)| {
            let chosen = selected == Some(i);
            let style = if chosen {
                theme.selected()
            } else if r.expected {
                theme.dim()
            } else {
                ratatui::style::Style::default()
            };
            let mark = if chosen { "› " } else { "  " };
            Line::from(Span::styled(format!("{mark}{}", cells(s, r, &cols)), style))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list_area);

    if let (Some(d), Some(r)) = (a.detail, t.selected_row()) {
        let lines = detail_lines(s, r, d.width.saturating_sub(2) as usize, theme);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(Block::default().borders(Borders::ALL).title(" selected ")),
            d,
        );
    }
}

/// Which row a click at (`x`, `y`) falls on, mirroring `draw`.
pub fn row_at(t: &SigninsState, area: Rect, x: u16, y: u16) -> Option<usize> {
    let r = areas(t, area).table;
    // Inside the border, below the header line.
    let top = r.y + 2;
    let inside =
        x > r.x && x < r.right().saturating_sub(1) && y >= top && y < r.bottom().saturating_sub(1);
    if !inside {
        return None;
    }
    let rows = t.rows().len();
    let heights = vec![1; rows];
    // The rows as last drawn: the view keeps the offset in the table's state.
    row_of_line(&heights, t.top_now(), y - top)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_with_an_ellipsis_and_pads() {
        assert_eq!(fit("abcdef", 4, false), "abc…");
        assert_eq!(fit("ab", 4, false), "ab  ");
        assert_eq!(fit("ab", 4, true), "  ab");
        assert_eq!(fit("ab", 0, false), "");
    }
}
