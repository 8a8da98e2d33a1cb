//! The shapes of the `--json` outputs (`lookup`, `search`, `explain`, `walk`, `flows list|show`),
//! one type per object, built from the core's data and serialised as they are.
//!
//! They are a contract with scripts, kept apart from the core's model so that the model can
//! change without changing what scripts read; `schema/*.schema.json` is generated from these
//! types (and `signins --json` from [`crate::signins::Summary`]) by [`schemas`], and
//! `tests/schema.rs` fails when a committed schema differs from the types. The doc comments
//! below are the schemas' descriptions.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Serialize, Serializer};

use crate::catalog::{Category, Entry, Source, WhoFixes};
use crate::command::{Shell, Values};
use crate::evidence::Format;
use crate::explain::Explanation;
use crate::flow::library::Origin;
use crate::flow::needs::Module;
use crate::flow::{self, Connect, Needs, NodeId, Placeholder, Unavailable, Walked};
use crate::search::MatchKind;

/// An AADSTS code as the outputs write it: its digits, as a string (`"50076"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Code(pub u32);

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl JsonSchema for Code {
    fn schema_name() -> Cow<'static, str> {
        "Code".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An AADSTS code without the prefix, as a digit string: \"50076\".",
            "type": "string",
            "pattern": "^[0-9]+$",
        })
    }
}

fn codes(list: &[u32]) -> Vec<Code> {
    list.iter().copied().map(Code).collect()
}

/// `lookup --json`: what a code means, who fixes it, whether retrying helps.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Lookup<'a> {
    pub code: Code,
    /// Microsoft's current official name (`InvalidUserNameOrPassword`); null where its page
    /// gives none.
    pub name: Option<&'a str>,
    pub summary: &'a str,
    pub category: Category,
    pub who_fixes: WhoFixes,
    /// Whether retrying later may help.
    pub transient: bool,
    pub related: Vec<Code>,
    /// Words the code is also found by.
    pub keywords: &'a [String],
    /// An older official name; null when there is none.
    pub former_name: Option<&'a str>,
    pub source: Source,
    /// For an `observed` code: URLs of the threads or pages that show it; empty otherwise.
    pub evidence: &'a [String],
    /// The code is a normal step of sign-in or of a token's life (interrupts, device-code
    /// polling): a problem only when it repeats or blocks.
    pub expected: bool,
    /// The code has a diagnosis flow (`walk CODE`).
    pub has_flow: bool,
    /// Microsoft's page for the code.
    pub lookup_url: String,
}

impl<'a> Lookup<'a> {
    pub fn new(e: &'a Entry, has_flow: bool) -> Lookup<'a> {
        Lookup {
            code: Code(e.code),
            name: e.name.as_deref(),
            summary: &e.summary,
            category: e.category,
            who_fixes: e.who_fixes,
            transient: e.transient,
            related: codes(&e.related),
            keywords: &e.keywords,
            former_name: e.former_name.as_deref(),
            source: e.source,
            evidence: &e.evidence,
            expected: e.expected,
            has_flow,
            lookup_url: e.lookup_url(),
        }
    }
}

/// `search --json` prints an array of these, best first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchHit<'a> {
    pub code: Code,
    /// Microsoft's official name; null where its page gives none.
    pub name: Option<&'a str>,
    pub summary: &'a str,
    pub category: Category,
    /// Higher is better; comparable only within one query.
    pub score: i64,
    /// How the code matched.
    #[serde(rename = "match")]
    pub kind: MatchKind,
    /// The code has a diagnosis flow.
    pub has_flow: bool,
}

impl<'a> SearchHit<'a> {
    pub fn new(e: &'a Entry, hit: &crate::search::Hit, has_flow: bool) -> SearchHit<'a> {
        SearchHit {
            code: Code(e.code),
            name: e.name.as_deref(),
            summary: &e.summary,
            category: e.category,
            score: hit.score,
            kind: hit.kind,
            has_flow,
        }
    }
}

/// `explain --json`: what a pasted error says. Masked values (`***`, all-zero GUIDs) are null.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Explain<'a> {
    /// Every AADSTS code, in order of first appearance, without repeats.
    pub codes: Vec<Code>,
    /// The first code, except that a generic wrapper followed by a more specific code
    /// (`AADSTS70002: Error validating credentials. AADSTS50126: ...`) gives the specific one.
    pub primary_code: Option<Code>,
    /// The OAuth `error` string (`invalid_client`, ...).
    pub error: Option<&'a str>,
    /// On Microsoft's browser error page, its `Request Id` (the sign-in event's `id`).
    pub trace_id: Option<&'a str>,
    pub correlation_id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub app_id: Option<&'a str>,
    /// Tenant GUID or domain.
    pub tenant: Option<&'a str>,
    /// When an id was found: the node whose `commands` fetch that sign-in event and whose
    /// `connect` lines sign in for them.
    pub fetch_event: Option<Node<'a>>,
}

impl<'a> Explain<'a> {
    pub fn new(ex: &'a Explanation, fetch_event: Option<Node<'a>>) -> Explain<'a> {
        Explain {
            codes: codes(&ex.codes),
            primary_code: ex.primary_code.map(Code),
            error: ex.error.as_deref(),
            trace_id: ex.trace_id.as_deref(),
            correlation_id: ex.correlation_id.as_deref(),
            timestamp: ex.timestamp.as_deref(),
            app_id: ex.app_id.as_deref(),
            tenant: ex.tenant.as_deref(),
            fetch_event,
        }
    }
}

/// A command of a node, rendered with the values at hand (placeholders without a value stay
/// `<name>`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Command<'a> {
    pub title: &'a str,
    pub shell: Shell,
    /// It creates, changes or deletes something.
    pub changes_state: bool,
    pub command: String,
    pub needs: &'a Needs,
    /// The modules (or tool) the command runs in.
    pub modules: BTreeSet<Module>,
}

impl<'a> Command<'a> {
    pub fn new(c: &'a flow::Command, values: &Values) -> Command<'a> {
        Command {
            title: &c.title,
            shell: c.shell,
            changes_state: c.changes_state,
            command: c.render(values),
            needs: &c.needs,
            modules: c.modules(),
        }
    }
}

/// A node of a flow: a question, or a leaf with the cause and the fix.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Node<'a> {
    Question(Question<'a>),
    Leaf(Leaf<'a>),
}

/// A question: what to find out, the read-only checks that tell, the answers.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Question<'a> {
    /// The node's id in the flow file.
    pub id: &'a str,
    pub text: &'a str,
    /// Where to look to answer it.
    pub help: Option<&'a str>,
    /// The answers' labels; `walk --answer N` chooses the Nth (1-based).
    pub answers: Vec<&'a str>,
    pub checks: Vec<Command<'a>>,
    /// `flows show` only: the id of the node each answer leads to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<Vec<&'a str>>,
    /// The sign-in lines the commands need.
    pub connect: Vec<Connect>,
    /// The shells that cannot run a check here, and why.
    pub unavailable: Vec<&'a Unavailable>,
}

/// A leaf: the cause, why it happens, the fix and the commands for it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Leaf<'a> {
    /// The node's id in the flow file.
    pub id: &'a str,
    pub cause: &'a str,
    pub explanation: &'a str,
    /// The steps of the fix, in order.
    pub fix: &'a [String],
    /// Read-only commands first, for each shell.
    pub commands: Vec<Command<'a>>,
    pub related: Vec<Code>,
    /// Microsoft documentation.
    pub links: &'a [String],
    /// The sign-in lines the commands need; the one for the changes has `for_changes`.
    pub connect: Vec<Connect>,
    /// The shells that cannot run a command here, and why.
    pub unavailable: Vec<&'a Unavailable>,
}

impl<'a> Node<'a> {
    /// Node `id` of `flow`, its commands rendered with `values`; with `shell`, only that
    /// shell's commands, sign-in lines and `unavailable` lines.
    pub fn new(
        flow: &'a flow::Flow,
        id: NodeId,
        values: &Values,
        shell: Option<Shell>,
    ) -> Node<'a> {
        let wanted = |s: Shell| shell.is_none_or(|w| w == s);
        let commands = |list: &'a [flow::Command]| {
            list.iter()
                .filter(|c| wanted(c.shell))
                .map(|c| Command::new(c, values))
                .collect()
        };
        let connect = flow
            .connect_lines(id, values)
            .into_iter()
            .filter(|c| wanted(c.shell))
            .collect();
        let node = flow.node(id);
        let unavailable = node
            .unavailable()
            .iter()
            .filter(|u| wanted(u.shell))
            .collect();
        match node {
            flow::Node::Question(q) => Node::Question(Question {
                id: flow.key(id),
                text: &q.text,
                help: q.help.as_deref(),
                answers: q.answers.iter().map(|a| a.label.as_str()).collect(),
                checks: commands(&q.checks),
                next: None,
                connect,
                unavailable,
            }),
            flow::Node::Leaf(l) => Node::Leaf(Leaf {
                id: flow.key(id),
                cause: &l.cause,
                explanation: &l.explanation,
                fix: &l.fix,
                commands: commands(&l.commands),
                related: codes(&l.related),
                links: &l.links,
                connect,
                unavailable,
            }),
        }
    }
}

/// `flows list --json` prints an array of these, by code.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListedFlow<'a> {
    pub code: Code,
    /// The code's official name; null where Microsoft gives none.
    pub name: Option<&'a str>,
    /// The title of the flow that serves the code.
    pub title: &'a str,
    /// The flow's file.
    pub file: &'a str,
    pub origin: Origin,
}

/// `flows show CODE --json`: a whole flow, every node with all its commands (placeholders
/// left as `<name>`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Flow<'a> {
    pub codes: Vec<Code>,
    pub title: &'a str,
    pub file: &'a str,
    /// The id of the first node.
    pub start: &'a str,
    /// Per-code start nodes: code → node id.
    pub entry: BTreeMap<String, &'a str>,
    pub placeholders: &'a [Placeholder],
    /// Every node in file order; questions have `next`.
    pub nodes: Vec<Node<'a>>,
}

impl<'a> Flow<'a> {
    pub fn new(flow: &'a flow::Flow) -> Flow<'a> {
        let values = Values::new();
        Flow {
            codes: codes(&flow.codes),
            title: &flow.title,
            file: &flow.file,
            start: flow.key(flow.start),
            entry: flow
                .entries
                .iter()
                .map(|(c, id)| (c.to_string(), flow.key(*id)))
                .collect(),
            placeholders: &flow.placeholders,
            nodes: flow
                .nodes()
                .map(|(id, n)| {
                    let mut node = Node::new(flow, id, &values, None);
                    if let (flow::Node::Question(q), Node::Question(out)) = (n, &mut node) {
                        out.next = Some(q.answers.iter().map(|a| flow.key(a.next)).collect());
                    }
                    node
                })
                .collect(),
        }
    }
}

/// `walk --json`: the answered questions and the node the walk reached.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Walk<'a> {
    pub code: Code,
    /// The flow's file.
    pub flow: &'a str,
    pub title: &'a str,
    /// The questions answered, in order.
    pub path: Vec<Step<'a>>,
    /// Where the walk is: the next question, or the leaf.
    pub node: Node<'a>,
    /// With `--var trace-id=...` or `--var correlation-id=...` and no `--evidence`: the node
    /// whose `commands` fetch that sign-in event (as in `explain --json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch_event: Option<Node<'a>>,
    /// With `--evidence`: what the sign-in event gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence<'a>>,
}

/// One answered question.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Step<'a> {
    pub question: &'a str,
    pub answer: &'a str,
    /// With `--evidence` only: who chose the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<StepSource>,
    /// When the sign-in event chose the answer, why:
    /// `from the sign-in log: clientCredentialType = clientSecret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Who chose an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepSource {
    /// The sign-in event decided it.
    Evidence,
    /// An `--answer` value.
    Answer,
}

impl<'a> Walk<'a> {
    /// The walk through `flow` for `code`; `with_evidence` marks each step's source.
    pub fn new(
        flow: &'a flow::Flow,
        code: u32,
        walked: &'a Walked,
        values: &Values,
        shell: Option<Shell>,
        with_evidence: bool,
    ) -> Walk<'a> {
        let path = walked
            .steps
            .iter()
            .map(|(step, reason)| {
                let (question, answer) = flow.describe(step);
                Step {
                    question,
                    answer,
                    source: with_evidence.then_some(if reason.is_some() {
                        StepSource::Evidence
                    } else {
                        StepSource::Answer
                    }),
                    reason: reason
                        .as_ref()
                        .map(|r| format!("from the sign-in log: {r}")),
                }
            })
            .collect();
        Walk {
            code: Code(code),
            flow: &flow.file,
            title: &flow.title,
            path,
            node: Node::new(flow, walked.node, values, shell),
            fetch_event: None,
            evidence: None,
        }
    }
}

/// What `walk --evidence` read and used.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Evidence<'a> {
    pub format: Format,
    /// How many events the input held (one is used).
    pub events: usize,
    /// The used event's `id`.
    pub trace_id: Option<String>,
    /// Its `correlationId`.
    pub correlation_id: Option<String>,
    /// Its `createdDateTime`.
    pub time: Option<String>,
    /// The placeholders the event filled, by name.
    pub values: BTreeMap<&'a str, &'a str>,
    /// Why the walk stopped at a question (which field was missing, or that no field of the
    /// log answers it); null at a leaf.
    pub stopped: Option<&'a str>,
    /// What was skipped or cut while reading, one line each.
    pub warnings: &'a [String],
}

impl<'a> Evidence<'a> {
    /// `event` out of `doc`; `filled` are the values it gave, `stopped` from the walk.
    pub fn new(
        doc: &'a crate::evidence::Document,
        event: &serde_json::Value,
        filled: &'a [(String, String)],
        stopped: Option<&'a str>,
    ) -> Evidence<'a> {
        let (trace_id, correlation_id, time) = crate::evidence::ids(event);
        Evidence {
            format: doc.format,
            events: doc.events.len(),
            trace_id,
            correlation_id,
            time,
            values: filled
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            stopped,
            warnings: &doc.warnings,
        }
    }
}

/// The JSON Schema (draft-07) of each output, by file name under `schema/`: `lookup`,
/// `search`, `explain`, `walk`, `flows-list`, `flows-show`, `signins`, and `flow` for the flow files
/// (YAML; [`flow::raw::RawFlow`]). Draft-07 because the YAML language server "supports JSON
/// Schema 7 and below" (its README; newer drafts: redhat-developer/yaml-language-server#856).
pub fn schemas() -> Vec<(&'static str, Schema)> {
    use schemars::generate::{Contract, SchemaSettings};
    use schemars::transform::RecursiveTransform;
    let output = |title: &str, mut s: Schema| {
        s.insert("title".into(), title.into());
        s
    };
    let settings = |contract: Contract| {
        SchemaSettings::draft07()
            .with(|s| s.contract = contract)
            .with_transform(RecursiveTransform(unwrap_description))
    };
    let out = || settings(Contract::Serialize).into_generator();
    let input = settings(Contract::Deserialize).into_generator();
    vec![
        (
            "lookup",
            output(
                "aadsts-wizard lookup --json",
                out().into_root_schema_for::<Lookup>(),
            ),
        ),
        (
            "search",
            output(
                "aadsts-wizard search --json",
                out().into_root_schema_for::<Vec<SearchHit>>(),
            ),
        ),
        (
            "explain",
            output(
                "aadsts-wizard explain --json",
                out().into_root_schema_for::<Explain>(),
            ),
        ),
        (
            "walk",
            output(
                "aadsts-wizard walk --json",
                out().into_root_schema_for::<Walk>(),
            ),
        ),
        (
            "flows-list",
            output(
                "aadsts-wizard flows list --json",
                out().into_root_schema_for::<Vec<ListedFlow>>(),
            ),
        ),
        (
            "flows-show",
            output(
                "aadsts-wizard flows show --json",
                out().into_root_schema_for::<Flow>(),
            ),
        ),
        (
            "signins",
            output(
                "aadsts-wizard signins --json",
                out().into_root_schema_for::<crate::signins::Summary>(),
            ),
        ),
        (
            "flow",
            output(
                "aadsts-wizard flow file",
                input.into_root_schema_for::<flow::raw::RawFlow>(),
            ),
        ),
    ]
}

/// A doc comment's paragraphs as single lines: editors show a description as plain text,
/// where the comment's line breaks would cut sentences.
fn unwrap_description(schema: &mut Schema) {
    if let Some(serde_json::Value::String(d)) = schema.get_mut("description") {
        *d = d
            .split("\n\n")
            .map(|p| p.replace('\n', " "))
            .collect::<Vec<_>>()
            .join("\n\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_a_digit_string() {
        assert_eq!(
            serde_json::to_string(&Code(50076)).ok().as_deref(),
            Some("\"50076\"")
        );
    }

    #[test]
    fn descriptions_are_one_line_per_paragraph() {
        let mut s = json_schema!({"description": "one\ntwo\n\nthree"});
        unwrap_description(&mut s);
        assert_eq!(s.get("description"), Some(&"one two\n\nthree".into()));
    }

    #[test]
    fn match_kinds_are_lowercase_names() {
        for (kind, name) in [
            (MatchKind::Exact, "exact"),
            (MatchKind::Prefix, "prefix"),
            (MatchKind::Fuzzy, "fuzzy"),
            (MatchKind::Nearest, "nearest"),
        ] {
            assert_eq!(serde_json::to_value(kind).ok(), Some(name.into()));
        }
    }
}
