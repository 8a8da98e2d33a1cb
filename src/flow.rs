//! Diagnosis flows: decision trees of questions ending in leaves with a cause, a fix and
//! commands. `raw` mirrors the YAML, `load` builds and checks the model below once; after that
//! code follows `NodeId`s and `flow.node(id)` cannot fail.

pub mod library;
pub mod load;
pub mod names;
pub mod needs;
pub mod raw;
pub(crate) mod validate;
pub mod vars;
pub mod when;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::command::{CommandTemplate, Shell, Values};

pub use load::{FlowError, load};
pub use needs::{Connect, Licence, Needs};

/// Index of a node in its flow; only the loader creates one, so it is always in range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

impl NodeId {
    fn index(self) -> usize {
        self.0 as usize
    }
}

/// What kind of value a placeholder takes; decides how typed values are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// 8-4-4-4-12 hexadecimal digits.
    Guid,
    /// A user principal name, `name@domain`.
    Upn,
    /// A domain name such as `contoso.onmicrosoft.com`.
    Domain,
    /// A tenant: its ID (a GUID) or one of its verified domain names, as `az login --tenant`
    /// and the `login.microsoftonline.com/<tenant>` authority accept either.
    Tenant,
    /// Anything on one line.
    Text,
    /// Never stored, never written to notes.
    Secret,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Guid => "guid",
            Kind::Upn => "upn",
            Kind::Domain => "domain",
            Kind::Tenant => "tenant",
            Kind::Text => "text",
            Kind::Secret => "secret",
        }
    }

    /// Check a value typed by the user; the error says what is expected.
    pub fn check(self, value: &str) -> Result<(), Expected> {
        // No kind takes control characters or bidi overrides: a value ends up in a command
        // that is copied and pasted into a shell.
        if value
            .chars()
            .any(|c| c == '\t' || c == '\n' || crate::text::is_unsafe(c))
        {
            return Err(Expected::OneLine);
        }
        let ok = match self {
            Kind::Guid => is_guid(value),
            Kind::Upn => value.split_once('@').is_some_and(|(user, domain)| {
                !user.is_empty() && !user.contains(char::is_whitespace) && is_domain(domain)
            }),
            Kind::Domain => is_domain(value),
            Kind::Tenant => is_guid(value) || is_domain(value),
            Kind::Text => !value.contains(['\n', '\r']),
            Kind::Secret => true,
        };
        if ok {
            Ok(())
        } else {
            Err(Expected::Kind(self))
        }
    }
}

/// What a value should have been, when [`Kind::check`] refuses it; reads after "is not".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Expected {
    #[error("printable text on one line (no control characters)")]
    OneLine,
    #[error("{}", match .0 {
        Kind::Guid => "a GUID such as 11111111-2222-3333-4444-555555555555",
        Kind::Upn => "a user principal name such as user@contoso.com",
        Kind::Domain => "a domain name such as contoso.onmicrosoft.com",
        Kind::Tenant => "a tenant ID (GUID) or domain such as contoso.onmicrosoft.com",
        Kind::Text | Kind::Secret => "a single line of text",
    })]
    Kind(Kind),
}

/// `8-4-4-4-12` hexadecimal digits.
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Dotted labels of letters, digits and hyphens, with at least one dot.
pub fn is_domain(s: &str) -> bool {
    s.len() <= 253
        && s.contains('.')
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// A value a flow's commands need.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Placeholder {
    pub name: String,
    pub prompt: String,
    pub example: String,
    pub kind: Kind,
}

/// A command shown to the user.
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    pub title: String,
    pub shell: Shell,
    pub template: CommandTemplate,
    pub changes_state: bool,
    /// Graph scopes, role and licence the command needs.
    pub needs: Needs,
}

/// A check or command one shell cannot run, with the reason shown in its place
/// (the Azure CLI cannot get a token for some Graph endpoints).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Unavailable {
    pub title: String,
    pub shell: Shell,
    pub reason: String,
}

impl Command {
    pub fn render(&self, values: &Values) -> String {
        self.template.render(self.shell, values)
    }

    /// The command as drawn on screen: values of the placeholders `is_secret` names are masked
    /// (`<client-secret: ••••>`); only [`render`](Self::render)'s text, the copied one, has them.
    pub fn render_masked(&self, values: &Values, is_secret: impl Fn(&str) -> bool) -> String {
        self.template.render_masked(self.shell, values, is_secret)
    }

    /// Whether a value `is_secret` names would be filled into this command.
    pub fn carries_secret(&self, values: &Values, is_secret: impl Fn(&str) -> bool) -> bool {
        self.template
            .placeholders()
            .into_iter()
            .any(|n| is_secret(n) && values.get(n).is_some_and(|v| !v.is_empty()))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub label: String,
    pub next: NodeId,
    /// When the sign-in event makes this the answer.
    pub when: Option<when::Condition>,
}

/// What a sign-in event says about a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The event decides it: answer `answer` (0-based), because `reason`
    /// (`clientCredentialType = clientSecret`).
    Decided { answer: usize, reason: String },
    /// The event does not decide it; `why` says what would (one line).
    Undecided { why: String },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    pub text: String,
    pub help: Option<String>,
    pub checks: Vec<Command>,
    pub unavailable: Vec<Unavailable>,
    pub answers: Vec<Answer>,
    /// The sign-in lines the checks need, made by the loader from their `needs`.
    pub connect: Vec<Command>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Leaf {
    pub cause: String,
    pub explanation: String,
    pub fix: Vec<String>,
    pub commands: Vec<Command>,
    pub unavailable: Vec<Unavailable>,
    pub related: Vec<u32>,
    pub links: Vec<String>,
    /// The sign-in lines the commands need, made by the loader from their `needs`; the one
    /// that adds write scopes is marked `changes_state` (it is only for the changes).
    pub connect: Vec<Command>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Question(Question),
    Leaf(Leaf),
}

impl Node {
    /// The runnable commands of a node: a question's checks or a leaf's commands.
    pub fn commands(&self) -> &[Command] {
        match self {
            Node::Question(q) => &q.checks,
            Node::Leaf(l) => &l.commands,
        }
    }

    /// The sign-in lines the node's commands need (see [`needs::connect_lines`]).
    pub fn connect(&self) -> &[Command] {
        match self {
            Node::Question(q) => &q.connect,
            Node::Leaf(l) => &l.connect,
        }
    }

    /// The lines saying why a shell has no command here.
    pub fn unavailable(&self) -> &[Unavailable] {
        match self {
            Node::Question(q) => &q.unavailable,
            Node::Leaf(l) => &l.unavailable,
        }
    }
}

/// A loaded, checked flow.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// The file it came from (`flows/50012.yaml`, or a user's path).
    pub file: String,
    pub codes: Vec<u32>,
    /// Serves every code that has no flow of its own.
    pub fallback: bool,
    pub title: String,
    pub start: NodeId,
    pub entries: Vec<(u32, NodeId)>,
    pub placeholders: Vec<Placeholder>,
    nodes: Vec<Node>,
    keys: Vec<String>,
}

/// One answered question on the way through a flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub node: NodeId,
    pub answer: usize,
}

/// Where [`Flow::follow_evidence`] got to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Walked {
    /// Each step, with the reason when the sign-in event chose the answer.
    pub steps: Vec<(Step, Option<String>)>,
    pub node: NodeId,
    /// Why the walk stopped at a question (what would decide it); `None` at a leaf.
    pub stopped: Option<String>,
}

/// Why answers could not be followed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WalkError {
    #[error("answer {given} is out of range at '{question}': choose 1 to {count}")]
    OutOfRange {
        given: usize,
        count: usize,
        question: String,
    },
    #[error("answer {given} was given after the flow reached a leaf")]
    PastLeaf { given: usize },
}

impl Flow {
    /// The node `id` points to; cannot fail because only the loader makes ids.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// The id the file gave the node (for messages and breadcrumbs).
    pub fn key(&self, id: NodeId) -> &str {
        &self.keys[id.index()]
    }

    /// Every node with its id, in file order.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (NodeId(i as u32), n))
    }

    /// Where to start for `code`: its entry node if the flow has one, else the start node.
    pub fn start_for(&self, code: u32) -> NodeId {
        self.entries
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(self.start, |(_, id)| *id)
    }

    /// The sign-in lines of node `id`, filled in with `values`.
    pub fn connect_lines(&self, id: NodeId, values: &Values) -> Vec<Connect> {
        self.node(id)
            .connect()
            .iter()
            .map(|c| Connect {
                shell: c.shell,
                command: c.render(values),
                for_changes: c.changes_state,
            })
            .collect()
    }

    /// Work out every node's sign-in lines from its commands' declarations, naming the
    /// flow's tenant placeholder where it has one. The loader calls this once.
    fn attach_connect_lines(&mut self) {
        let tenant = ["tenant-id", "tenant"]
            .into_iter()
            .find(|t| self.placeholder(t).is_some())
            .map(str::to_string);
        for node in &mut self.nodes {
            let lines: Vec<Command> = needs::connect_lines(node.commands(), tenant.as_deref())
                .into_iter()
                .map(|c| Command {
                    title: match (c.shell, c.for_changes) {
                        (_, true) => "Sign in to make the changes (adds the write permissions)",
                        (Shell::Az, _) => "Sign in first (Azure CLI)",
                        (Shell::Powershell, _) if c.command.starts_with("Connect-AzAccount") => {
                            "Sign in first (Az PowerShell)"
                        }
                        (Shell::Powershell, _) => "Sign in first (Microsoft Graph PowerShell)",
                        // Log Analytics queries run in the portal: no sign-in line is made.
                        (Shell::Kql, _) => "Open Log Analytics",
                    }
                    .to_string(),
                    shell: c.shell,
                    template: CommandTemplate::new(c.command),
                    changes_state: c.for_changes,
                    needs: Needs::default(),
                })
                .collect();
            match node {
                Node::Question(q) => q.connect = lines,
                Node::Leaf(l) => l.connect = lines,
            }
        }
    }

    /// Whether the flow has commands for `shell`: always for the Azure CLI and PowerShell,
    /// and for KQL when a node has a query.
    pub fn has_shell(&self, shell: Shell) -> bool {
        Shell::REQUIRED.contains(&shell)
            || self
                .nodes
                .iter()
                .any(|n| n.commands().iter().any(|c| c.shell == shell))
    }

    /// Whether the flow declares `name` as a secret (never shown, stored or written down).
    pub fn is_secret(&self, name: &str) -> bool {
        self.placeholder(name)
            .is_some_and(|p| p.kind == Kind::Secret)
    }

    pub fn placeholder(&self, name: &str) -> Option<&Placeholder> {
        self.placeholders.iter().find(|p| p.name == name)
    }

    /// Follow 1-based answers from `from`; returns the steps taken and the node reached.
    pub fn follow(
        &self,
        from: NodeId,
        answers: &[usize],
    ) -> Result<(Vec<Step>, NodeId), WalkError> {
        let mut at = from;
        let mut steps = Vec::new();
        for &given in answers {
            match self.node(at) {
                Node::Question(q) => {
                    let Some(answer) = given.checked_sub(1).and_then(|i| q.answers.get(i)) else {
                        return Err(WalkError::OutOfRange {
                            given,
                            count: q.answers.len(),
                            question: q.text.clone(),
                        });
                    };
                    steps.push(Step {
                        node: at,
                        answer: given - 1,
                    });
                    at = answer.next;
                }
                Node::Leaf(_) => return Err(WalkError::PastLeaf { given }),
            }
        }
        Ok((steps, at))
    }

    /// What `event` (a normalised sign-in event) says about question `id`. See [`when`] for
    /// the rule.
    pub fn decide(&self, id: NodeId, event: &serde_json::Value) -> Decision {
        use when::Truth;
        let Node::Question(q) = self.node(id) else {
            return Decision::Undecided {
                why: "not a question".to_string(),
            };
        };
        let conditions: Vec<(usize, &when::Condition)> = q
            .answers
            .iter()
            .enumerate()
            .filter_map(|(i, a)| a.when.as_ref().map(|c| (i, c)))
            .collect();
        if conditions.is_empty() {
            return Decision::Undecided {
                why: "no field of the sign-in log answers this question; answer it from the checks"
                    .to_string(),
            };
        }
        let mut holds = Vec::new();
        let mut missing: Vec<String> = Vec::new();
        for (i, c) in &conditions {
            match c.eval(event) {
                Truth::Holds => holds.push((*i, *c)),
                Truth::Fails => {}
                Truth::Unknown(m) => missing.extend(m),
            }
        }
        missing.sort();
        missing.dedup();
        match (holds.as_slice(), missing.is_empty()) {
            ([(i, c)], true) => Decision::Decided {
                answer: *i,
                reason: c.explain(event),
            },
            (_, false) => Decision::Undecided {
                why: format!(
                    "the sign-in event has no {} (that would decide it)",
                    missing.join(", ")
                ),
            },
            ([], true) => {
                let mut fields: Vec<&str> = conditions
                    .iter()
                    .flat_map(|(_, c)| c.fields.iter().map(String::as_str))
                    .collect();
                fields.sort();
                fields.dedup();
                let shown: Vec<String> = fields
                    .iter()
                    .map(|f| {
                        format!(
                            "{f} = {}",
                            when::lookup(event, f).map_or("(absent)".to_string(), |v| {
                                crate::text::clean(
                                    &v.as_str().map_or(v.to_string(), str::to_string),
                                )
                            })
                        )
                    })
                    .collect();
                Decision::Undecided {
                    why: format!("the sign-in log's {} does not settle it", shown.join(", ")),
                }
            }
            (many, true) => Decision::Undecided {
                why: format!(
                    "the sign-in log fits {} answers ({}); choose one",
                    many.len(),
                    many.iter()
                        .map(|(i, _)| (i + 1).to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        }
    }

    /// Follow `from` answering each question from `event` when it decides it, else with the
    /// next of `answers` (1-based); stop at a leaf or at the first question neither decides.
    pub fn follow_evidence(
        &self,
        from: NodeId,
        event: &serde_json::Value,
        answers: &[usize],
    ) -> Result<Walked, WalkError> {
        let mut at = from;
        let mut steps = Vec::new();
        let mut given = answers.iter();
        // Each step moves to another node and the validator rejects cycles; the bound keeps a
        // flow that slipped past it finite.
        for _ in 0..=self.nodes.len() {
            let Node::Question(q) = self.node(at) else {
                break;
            };
            match self.decide(at, event) {
                Decision::Decided { answer, reason } => {
                    steps.push((Step { node: at, answer }, Some(reason)));
                    at = q.answers[answer].next;
                }
                Decision::Undecided { why } => match given.next() {
                    Some(&n) => {
                        let Some(a) = n.checked_sub(1).and_then(|i| q.answers.get(i)) else {
                            return Err(WalkError::OutOfRange {
                                given: n,
                                count: q.answers.len(),
                                question: q.text.clone(),
                            });
                        };
                        steps.push((
                            Step {
                                node: at,
                                answer: n - 1,
                            },
                            None,
                        ));
                        at = a.next;
                    }
                    None => {
                        return Ok(Walked {
                            steps,
                            node: at,
                            stopped: Some(why),
                        });
                    }
                },
            }
        }
        if let Some(&n) = given.next() {
            return Err(WalkError::PastLeaf { given: n });
        }
        Ok(Walked {
            steps,
            node: at,
            stopped: None,
        })
    }

    /// The question text and chosen answer label of a step.
    pub fn describe(&self, step: &Step) -> (&str, &str) {
        match self.node(step.node) {
            Node::Question(q) => (
                q.text.as_str(),
                q.answers.get(step.answer).map_or("", |a| a.label.as_str()),
            ),
            Node::Leaf(l) => (l.cause.as_str(), ""),
        }
    }

    /// Paths from the start (or an entry) to every leaf, as 1-based answers; for tests and docs.
    pub fn leaf_paths(&self, from: NodeId) -> Vec<(Vec<usize>, NodeId)> {
        let mut out = Vec::new();
        let mut stack = vec![(from, Vec::new())];
        while let Some((id, path)) = stack.pop() {
            match self.node(id) {
                Node::Leaf(_) => out.push((path, id)),
                Node::Question(q) => {
                    for (i, a) in q.answers.iter().enumerate().rev() {
                        // The validator rejects cycles, but stay finite on any input.
                        if path.len() < self.nodes.len() {
                            let mut p = path.clone();
                            p.push(i + 1);
                            stack.push((a.next, p));
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_check_values() {
        for (kind, value, ok) in [
            (Kind::Guid, "11111111-2222-3333-4444-555555555555", true),
            (Kind::Guid, "11111111-2222-3333-4444-55555555555", false),
            (Kind::Guid, "hello", false),
            (Kind::Guid, "1111111g-2222-3333-4444-555555555555", false),
            (Kind::Upn, "user@contoso.com", true),
            (Kind::Upn, "o'brien@contoso.onmicrosoft.com", true),
            (Kind::Upn, "user", false),
            (Kind::Upn, "@contoso.com", false),
            (Kind::Domain, "contoso.onmicrosoft.com", true),
            (Kind::Domain, "contoso", false),
            (Kind::Domain, "-bad.com", false),
            (Kind::Tenant, "11111111-2222-3333-4444-555555555555", true),
            (Kind::Tenant, "contoso.onmicrosoft.com", true),
            (Kind::Tenant, "contoso", false),
            (
                Kind::Tenant,
                "https://login.microsoftonline.com/contoso.com",
                false,
            ),
            (Kind::Text, "anything at all", true),
            (Kind::Text, "two\nlines", false),
            (Kind::Secret, "p@ss w0rd'\"", true),
            (Kind::Secret, "a\u{1b}[201~b", false),
            (Kind::Text, "x\u{9b}y", false),
            (Kind::Text, "x\u{202e}y", false),
        ] {
            assert_eq!(kind.check(value).is_ok(), ok, "{kind:?} {value:?}");
        }
    }
}
