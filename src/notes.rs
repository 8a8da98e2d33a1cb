//! Incident notes: a Markdown record of a diagnosis (the path taken, the cause, the fix and the
//! commands with values), to paste into a ticket. Secret values never appear in it.

use crate::catalog::Entry;
use crate::command::{Shell, Values};
use crate::flow::{Flow, Kind, Node, NodeId, Step};

/// Identifiers pulled from a pasted error, worth keeping in a ticket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ids {
    pub trace_id: Option<String>,
    pub correlation_id: Option<String>,
    pub timestamp: Option<String>,
}

/// Everything a note is made of.
pub struct Session<'a> {
    pub code: u32,
    pub entry: Option<&'a Entry>,
    pub flow: &'a Flow,
    pub steps: &'a [Step],
    pub node: NodeId,
    pub values: &'a Values,
    pub ids: &'a Ids,
    /// When the note was taken, already formatted (UTC).
    pub time: &'a str,
    /// Only this shell's commands, or both.
    pub shell: Option<Shell>,
    /// The steps (by index into `steps`) whose answer came from the sign-in log, with why.
    pub evidence: &'a [(usize, String)],
}

/// Values safe to write down: secrets become `<redacted>`.
pub fn redacted(flow: &Flow, values: &Values) -> Values {
    values
        .iter()
        .map(|(k, v)| {
            let secret = flow.placeholder(k).is_some_and(|p| p.kind == Kind::Secret);
            (
                k.clone(),
                if secret {
                    "<redacted>".to_string()
                } else {
                    v.clone()
                },
            )
        })
        .collect()
}

/// `secs` since the Unix epoch as `2026-11-21T03:12:44Z`.
pub fn utc_time(secs: u64) -> String {
    let t = civil(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The file a note of `code` taken at `secs` is saved as: `aadsts-50012-20261121T031244Z.md`
/// (no colons, so the name is valid on every file system).
pub fn file_name(code: u32, secs: u64) -> String {
    let t = civil(secs);
    format!(
        "aadsts-{code}-{:04}{:02}{:02}T{:02}{:02}{:02}Z.md",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The UTC date and time `secs` after 1970-01-01. A time past the year 9999 (only a garbled
/// timestamp, such as a pasted `/Date(...)/`, gets there) is the last second of 9999.
fn civil(secs: u64) -> time::PrimitiveDateTime {
    i64::try_from(secs)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .map_or(time::PrimitiveDateTime::MAX, |t| {
            time::PrimitiveDateTime::new(t.date(), t.time())
        })
}

/// Text from a flow or a paste, made safe for one Markdown line.
fn inline(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The note as Markdown, with no control sequence left in it.
pub fn markdown(s: &Session) -> String {
    let values = redacted(s.flow, s.values);
    let mut md = String::new();
    let name = s
        .entry
        .and_then(|e| e.name.as_deref())
        .map(|n| format!(" {n}"))
        .unwrap_or_default();
    md.push_str(&format!("# AADSTS{}{name}\n\n", s.code));
    md.push_str(&format!("- Time (UTC): {}\n", s.time));
    md.push_str(&format!(
        "- Flow: {} (`{}`)\n",
        inline(&s.flow.title),
        s.flow.file
    ));
    for (label, v) in [
        ("Trace ID", &s.ids.trace_id),
        ("Correlation ID", &s.ids.correlation_id),
        ("Error timestamp", &s.ids.timestamp),
    ] {
        if let Some(v) = v {
            md.push_str(&format!("- {label}: `{}`\n", inline(v)));
        }
    }
    // Only this flow's values: a value typed for another flow may be a secret this flow does
    // not declare, and it has no business in this note anyway.
    for (k, v) in values
        .iter()
        .filter(|(k, _)| s.flow.placeholder(k).is_some())
    {
        md.push_str(&format!("- `{k}`: `{}`\n", inline(v)));
    }
    if let Some(e) = s.entry {
        md.push_str(&format!("- Microsoft: {}\n", e.lookup_url()));
    }
    if !s.steps.is_empty() {
        md.push_str("\n## Diagnosis\n\n");
        for (i, step) in s.steps.iter().enumerate() {
            let (q, a) = s.flow.describe(step);
            let from_log = s
                .evidence
                .iter()
                .find(|(j, _)| *j == i)
                .map(|(_, why)| format!(" (from the sign-in log: {})", inline(why)))
                .unwrap_or_default();
            md.push_str(&format!(
                "{}. {} **{}**{from_log}\n",
                i + 1,
                inline(q),
                inline(a)
            ));
        }
    }
    match s.flow.node(s.node) {
        Node::Question(q) => {
            md.push_str(&format!("\n## Open question\n\n{}\n", inline(&q.text)));
            for (i, a) in q.answers.iter().enumerate() {
                md.push_str(&format!("{}. {}\n", i + 1, inline(&a.label)));
            }
        }
        Node::Leaf(leaf) => {
            md.push_str(&format!(
                "\n## Cause\n\n{}\n\n{}\n",
                inline(&leaf.cause),
                inline(&leaf.explanation)
            ));
            md.push_str("\n## Fix\n\n");
            for (i, step) in leaf.fix.iter().enumerate() {
                md.push_str(&format!("{}. {}\n", i + 1, inline(step)));
            }
            md.push_str("\n## Commands\n");
            for shell in Shell::ALL.into_iter().filter(|sh| {
                s.shell.is_none_or(|w| w == *sh)
                    && (Shell::REQUIRED.contains(sh)
                        || leaf.commands.iter().any(|c| c.shell == *sh))
            }) {
                let lang = shell.fence();
                md.push_str(&format!("\n### {}\n", shell.title()));
                for c in s
                    .flow
                    .connect_lines(s.node, &values)
                    .iter()
                    .filter(|c| c.shell == shell)
                {
                    let when = if c.for_changes {
                        "To make the changes, sign in with"
                    } else {
                        "Sign in first"
                    };
                    md.push_str(&format!("\n{when}:\n\n```{lang}\n{}\n```\n", c.command));
                }
                for c in leaf.commands.iter().filter(|c| c.shell == shell) {
                    let mark = if c.changes_state {
                        " (changes state)"
                    } else {
                        ""
                    };
                    let needs = c
                        .needs
                        .summary()
                        .map(|n| format!(" (needs {n})"))
                        .unwrap_or_default();
                    md.push_str(&format!(
                        "\n{}{mark}{needs}:\n\n```{lang}\n{}\n```\n",
                        inline(&c.title),
                        c.render(&values)
                    ));
                }
                for u in leaf.unavailable.iter().filter(|u| u.shell == shell) {
                    md.push_str(&format!("\n{}: {}\n", inline(&u.title), inline(&u.reason)));
                }
            }
            if !leaf.related.is_empty() {
                let rel: Vec<String> = leaf.related.iter().map(|c| format!("AADSTS{c}")).collect();
                md.push_str(&format!("\n## Related\n\n{}\n", rel.join(", ")));
            }
            if !leaf.links.is_empty() {
                md.push_str("\n## Links\n\n");
                for l in &leaf.links {
                    md.push_str(&format!("- {l}\n"));
                }
            }
        }
    }
    // One sanitiser for everything a note holds (flow text, pasted ids, values).
    crate::text::clean_keep_newlines(&md)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_calendar_dates() {
        for (secs, want) in [
            (0, "1970-01-01T00:00:00Z"),
            (1_795_230_764, "2026-11-21T03:12:44Z"),
            (951_782_400, "2000-02-29T00:00:00Z"), // a leap day in a century leap year
            (4_107_542_399, "2100-02-28T23:59:59Z"), // 2100 is no leap year
            (4_107_542_400, "2100-03-01T00:00:00Z"),
            (u64::MAX, "9999-12-31T23:59:59Z"),
        ] {
            assert_eq!(utc_time(secs), want, "{secs}");
        }
        assert_eq!(
            file_name(50012, 1_795_230_764),
            "aadsts-50012-20261121T031244Z.md"
        );
    }
}
