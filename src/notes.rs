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

/// Text from a flow or a paste, made safe for one Markdown line.
fn inline(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The note as Markdown.
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
    for (k, v) in &values {
        md.push_str(&format!("- `{k}`: `{}`\n", inline(v)));
    }
    if let Some(e) = s.entry {
        md.push_str(&format!("- Microsoft: {}\n", e.lookup_url()));
    }
    if !s.steps.is_empty() {
        md.push_str("\n## Diagnosis\n\n");
        for (i, step) in s.steps.iter().enumerate() {
            let (q, a) = s.flow.describe(step);
            md.push_str(&format!("{}. {} **{}**\n", i + 1, inline(q), inline(a)));
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
            for shell in Shell::ALL
                .into_iter()
                .filter(|sh| s.shell.is_none_or(|w| w == *sh))
            {
                let lang = if shell == Shell::Az {
                    "bash"
                } else {
                    "powershell"
                };
                md.push_str(&format!("\n### {}\n", shell.title()));
                for c in leaf.commands.iter().filter(|c| c.shell == shell) {
                    let mark = if c.changes_state {
                        " (changes state)"
                    } else {
                        ""
                    };
                    md.push_str(&format!(
                        "\n{}{mark}:\n\n```{lang}\n{}\n```\n",
                        inline(&c.title),
                        c.render(&values)
                    ));
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
    md
}
