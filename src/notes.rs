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
    let (year, month, day, h, m, s) = civil(secs);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
}

/// The file a note of `code` taken at `secs` is saved as: `aadsts-50012-20261121T031244Z.md`
/// (no colons, so the name is valid on every file system).
pub fn file_name(code: u32, secs: u64) -> String {
    let (year, month, day, h, m, s) = civil(secs);
    format!("aadsts-{code}-{year:04}{month:02}{day:02}T{h:02}{m:02}{s:02}Z.md")
}

/// Civil UTC date and time from seconds since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(secs: u64) -> (i64, i64, i64, u64, u64, u64) {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, rem / 3600, rem % 3600 / 60, rem % 60)
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
