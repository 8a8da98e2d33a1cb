//! Raw YAML to a checked [`Flow`]: resolve node ids, and report every problem with its
//! `file:line:col`, sorted by line.

use std::cell::OnceCell;
use std::collections::HashMap;

use crate::catalog::Catalog;
use crate::command::{CommandTemplate, Shell};
use crate::flow::raw::{RawCommand, RawFlow, RawNode};
use crate::flow::when::Condition;
use crate::flow::{
    Answer, Command, Flow, Leaf, Needs, Node, NodeId, Placeholder, Question, Unavailable, validate,
};
use crate::yaml::Positions;

/// Largest flow file accepted; real flows are a few tens of kilobytes.
pub const MAX_FLOW_BYTES: usize = 1 << 20;

/// A problem in a flow file, printed as `flows/mfa.yaml:42:9: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct FlowError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Collects problems with positions looked up by YAML path. The source is scanned for
/// positions only when the first problem is found: a good file never pays for it.
pub(crate) struct Problems<'a> {
    file: &'a str,
    src: &'a str,
    positions: OnceCell<Positions>,
    pub(crate) list: Vec<FlowError>,
}

impl Problems<'_> {
    fn positions(&self) -> &Positions {
        self.positions.get_or_init(|| Positions::scan(self.src))
    }

    pub(crate) fn at(&mut self, path: &str, message: impl Into<String>) {
        let (line, column) = self.positions().of(path);
        self.at_pos(line, column, message);
    }

    pub(crate) fn at_pos(&mut self, line: usize, column: usize, message: impl Into<String>) {
        self.list.push(FlowError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        });
    }
}

/// Load and check one flow file. `catalog` decides which codes exist.
pub fn load(file: &str, src: &str, catalog: &Catalog) -> Result<Flow, Vec<FlowError>> {
    load_as(file, src, catalog, Role::CodeFlow)
}

/// Load and check a file in the flow format that is no code's flow: it names no codes (the
/// shipped `assets/fetch-event.yaml`, whose leaves are offered beside any flow). Every other
/// rule of [`load`] holds.
pub fn load_unlisted(file: &str, src: &str) -> Result<Flow, Vec<FlowError>> {
    load_as(file, src, &Catalog::empty(), Role::Unlisted)
}

/// Whether a file in the flow format must name the codes it serves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    CodeFlow,
    Unlisted,
}

fn load_as(file: &str, src: &str, catalog: &Catalog, role: Role) -> Result<Flow, Vec<FlowError>> {
    let one = |line, column, message: String| {
        vec![FlowError {
            file: file.to_string(),
            line,
            column,
            message,
        }]
    };
    if src.len() > MAX_FLOW_BYTES {
        return Err(one(
            1,
            1,
            format!(
                "file is too large ({} bytes; the limit is {MAX_FLOW_BYTES})",
                src.len()
            ),
        ));
    }
    if src.trim().is_empty() {
        return Err(one(1, 1, "file is empty".to_string()));
    }
    // Aliases, deep nesting and syntax errors are refused before the values are read: an
    // alias bomb expands to gigabytes and its time grows with the square of the depth.
    let raw: RawFlow = match crate::yaml::from_str(src) {
        Ok(raw) => raw,
        Err(e) => return Err(one(e.line, e.column, e.message)),
    };
    check(file, src, raw, catalog, role)
}

/// Like [`load`], but parse `json`, the same document converted at build time (an order of
/// magnitude faster to read than YAML). `file` names the YAML it came from; without its text,
/// problems are reported at 1:1 (the shipped flows are checked with positions by the tests).
pub fn load_json(file: &str, json: &str, catalog: &Catalog) -> Result<Flow, Vec<FlowError>> {
    match serde_json::from_str::<RawFlow>(json) {
        Ok(raw) => check(file, "", raw, catalog, Role::CodeFlow),
        Err(e) => Err(vec![FlowError {
            file: file.to_string(),
            line: 1,
            column: 1,
            message: format!("the converted flow does not load: {e}"),
        }]),
    }
}

fn check(
    file: &str,
    src: &str,
    raw: RawFlow,
    catalog: &Catalog,
    role: Role,
) -> Result<Flow, Vec<FlowError>> {
    let mut p = Problems {
        file,
        src,
        positions: OnceCell::new(),
        list: Vec::new(),
    };
    let mut flow = build(file, raw, catalog, role, &mut p);
    if let Some(flow) = &mut flow {
        validate::check(flow, &mut p);
        flow.attach_connect_lines();
    }
    let mut list = p.list;
    list.sort_by_key(|e| (e.line, e.column));
    list.dedup();
    match flow {
        Some(flow) if list.is_empty() => Ok(flow),
        _ => Err(list),
    }
}

fn nonempty(p: &mut Problems, path: &str, what: &str, text: &str) {
    if text.trim().is_empty() {
        p.at(path, format!("{what} is empty"));
    }
}

fn is_node_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn build(
    file: &str,
    raw: RawFlow,
    catalog: &Catalog,
    role: Role,
    p: &mut Problems,
) -> Option<Flow> {
    nonempty(p, "title", "the title", &raw.title);
    if role == Role::Unlisted && (!raw.codes.is_empty() || raw.fallback) {
        p.at(
            "codes",
            "this file is no code's flow: it names no codes and is no fallback",
        );
    }
    if raw.codes.is_empty() && !raw.fallback && role == Role::CodeFlow {
        p.at(
            "codes",
            "the flow names no codes (only a 'fallback: true' flow may leave them out)",
        );
    }
    for (i, code) in raw.codes.iter().enumerate() {
        if catalog.get(*code).is_none() {
            p.at(
                &format!("codes[{i}]"),
                format!("code '{code}' is not in the catalog"),
            );
        }
    }

    // Node ids: first occurrence wins; later duplicates are reported where they stand and
    // dropped, so they cause no further messages.
    let mut ids: HashMap<String, NodeId> = HashMap::new();
    let mut unique_nodes = Vec::with_capacity(raw.nodes.len());
    let node_count = raw.nodes.len();
    for (key, node) in raw.nodes {
        if ids.contains_key(&key) {
            let (line, col) = p
                .positions()
                .duplicate("nodes", &key)
                .unwrap_or_else(|| p.positions().of("nodes"));
            p.at_pos(line, col, format!("duplicate node id '{key}'"));
            continue;
        }
        if !is_node_key(&key) {
            p.at(
                &format!("nodes.{key}"),
                format!("node id '{key}' should use lowercase letters, digits and '-'"),
            );
        }
        ids.insert(key.clone(), NodeId(unique_nodes.len() as u32));
        unique_nodes.push((key, node));
    }
    if node_count == 0 {
        p.at("nodes", "the flow has no nodes");
    }
    let resolve = |p: &mut Problems, path: &str, key: &str, what: &str| -> Option<NodeId> {
        let found = ids.get(key).copied();
        if found.is_none() {
            let hint = closest(key, ids.keys().map(String::as_str))
                .map(|k| format!("; did you mean '{k}'?"))
                .unwrap_or_default();
            p.at(path, format!("{what} points to unknown node '{key}'{hint}"));
        }
        found
    };
    let start = resolve(p, "start", &raw.start, "start");
    let mut entries = Vec::new();
    for (code, key) in &raw.entry {
        let path = format!("entry.{code}");
        if !raw.codes.contains(code) {
            p.at(
                &path,
                format!("entry for code '{code}', which is not in the flow's codes"),
            );
        }
        if let Some(id) = resolve(p, &path, key, &format!("entry for '{code}'")) {
            entries.push((*code, id));
        }
    }

    let mut placeholders: Vec<Placeholder> = Vec::new();
    for (name, ph) in raw.placeholders {
        let path = format!("placeholders.{name}");
        if !is_node_key(&name) || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            p.at(
                &path,
                format!("placeholder name '{name}' should be lowercase letters, digits and '-'"),
            );
        }
        if placeholders.iter().any(|x| x.name == name) {
            p.at(&path, format!("duplicate placeholder '{name}'"));
        }
        nonempty(p, &format!("{path}.prompt"), "the prompt", &ph.prompt);
        if let Err(expected) = ph.kind.check(&ph.example) {
            p.at(
                &format!("{path}.example"),
                format!("example '{}' is not {expected}", ph.example),
            );
        }
        placeholders.push(Placeholder {
            name,
            prompt: ph.prompt,
            example: ph.example,
            kind: ph.kind,
        });
    }

    let mut nodes = Vec::with_capacity(node_count);
    let mut keys = Vec::with_capacity(node_count);
    for (key, node) in unique_nodes {
        let path = format!("nodes.{key}");
        nodes.push(build_node(&path, &key, node, catalog, &resolve, p));
        keys.push(key);
    }
    let start = start?;
    let nodes: Option<Vec<Node>> = nodes.into_iter().collect();
    Some(Flow {
        file: file.to_string(),
        codes: raw.codes,
        fallback: raw.fallback,
        title: raw.title,
        start,
        entries,
        placeholders,
        nodes: nodes?,
        keys,
    })
}

type Resolve<'a> = dyn Fn(&mut Problems, &str, &str, &str) -> Option<NodeId> + 'a;

fn build_node(
    path: &str,
    key: &str,
    n: RawNode,
    catalog: &Catalog,
    resolve: &Resolve,
    p: &mut Problems,
) -> Option<Node> {
    let is_question = n.question.is_some() || n.answers.is_some();
    let is_leaf = n.cause.is_some();
    let leaf_only = [
        ("explanation", n.explanation.is_some()),
        ("fix", n.fix.is_some()),
        ("commands", n.commands.is_some()),
        ("related", n.related.is_some()),
        ("links", n.links.is_some()),
    ];
    let question_only = [("help", n.help.is_some()), ("checks", n.checks.is_some())];
    match (is_question, is_leaf) {
        (true, true) => {
            p.at(
                path,
                format!(
                    "node '{key}' has both 'question' and 'cause'; a node is a question or a leaf"
                ),
            );
            None
        }
        (false, false) => {
            p.at(
                path,
                format!("node '{key}' has neither 'question' nor 'cause'"),
            );
            None
        }
        (true, false) => {
            for (field, present) in leaf_only {
                if present {
                    p.at(
                        &format!("{path}.{field}"),
                        format!("'{field}' belongs on a leaf, but '{key}' is a question"),
                    );
                }
            }
            let Some(text) = n.question else {
                p.at(
                    path,
                    format!("question node '{key}' has no 'question' text"),
                );
                return None;
            };
            nonempty(p, &format!("{path}.question"), "the question", &text);
            if let Some(help) = &n.help {
                nonempty(p, &format!("{path}.help"), "the help text", help);
            }
            let (checks, unavailable) = commands(
                &format!("{path}.checks"),
                n.checks.unwrap_or_default(),
                false,
                p,
            );
            let raw_answers = n.answers.unwrap_or_default();
            if raw_answers.len() < 2 {
                p.at(
                    &format!("{path}.answers"),
                    format!(
                        "question '{key}' has {} answer(s); it needs at least 2",
                        raw_answers.len()
                    ),
                );
            }
            let mut answers = Vec::new();
            for (i, a) in raw_answers.into_iter().enumerate() {
                let apath = format!("{path}.answers[{i}]");
                nonempty(p, &format!("{apath}.label"), "the answer label", &a.label);
                let next = resolve(
                    p,
                    &format!("{apath}.next"),
                    &a.next,
                    &format!("answer '{}' of '{key}'", a.label),
                );
                let when = a.when.and_then(|w| match Condition::parse(&w) {
                    Ok(c) => Some(c),
                    Err(e) => {
                        p.at(&format!("{apath}.when"), e);
                        None
                    }
                });
                answers.push(next.map(|next| Answer {
                    label: a.label,
                    next,
                    when,
                }));
            }
            let answers: Option<Vec<Answer>> = answers.into_iter().collect();
            Some(Node::Question(Question {
                text,
                help: n.help,
                checks,
                unavailable,
                answers: answers?,
                connect: Vec::new(),
            }))
        }
        (false, true) => {
            for (field, present) in question_only {
                if present {
                    p.at(
                        &format!("{path}.{field}"),
                        format!("'{field}' belongs on a question, but '{key}' is a leaf"),
                    );
                }
            }
            let cause = n.cause.unwrap_or_default();
            nonempty(p, &format!("{path}.cause"), "the cause", &cause);
            let explanation = n.explanation.unwrap_or_default();
            if explanation.trim().is_empty() {
                p.at(
                    &format!("{path}.explanation"),
                    format!("leaf '{key}' has no explanation"),
                );
            }
            let fix = n.fix.unwrap_or_default();
            if fix.is_empty() {
                p.at(path, format!("leaf '{key}' has no fix steps"));
            }
            for (i, step) in fix.iter().enumerate() {
                nonempty(p, &format!("{path}.fix[{i}]"), "a fix step", step);
            }
            let related = n.related.unwrap_or_default();
            for (i, code) in related.iter().enumerate() {
                if catalog.get(*code).is_none() {
                    p.at(
                        &format!("{path}.related[{i}]"),
                        format!("related code '{code}' is not in the catalog"),
                    );
                }
            }
            let links = n.links.unwrap_or_default();
            for (i, link) in links.iter().enumerate() {
                if !link.starts_with("https://") || link.contains(char::is_whitespace) {
                    p.at(
                        &format!("{path}.links[{i}]"),
                        format!("link '{link}' is not an https URL"),
                    );
                }
            }
            let (commands, unavailable) = commands(
                &format!("{path}.commands"),
                n.commands.unwrap_or_default(),
                true,
                p,
            );
            for shell in Shell::REQUIRED {
                if !commands.iter().any(|c| c.shell == shell)
                    && !unavailable.iter().any(|u| u.shell == shell)
                {
                    p.at(path, format!("leaf '{key}' has no {shell} command; every leaf needs one az and one powershell command (or an 'unavailable' line saying why not)"));
                }
            }
            if commands.is_empty() {
                p.at(
                    path,
                    format!(
                        "leaf '{key}' has no command at all; 'unavailable' lines alone do not help"
                    ),
                );
            }
            Some(Node::Leaf(Leaf {
                cause,
                explanation,
                fix,
                commands,
                unavailable,
                related,
                links,
                connect: Vec::new(),
            }))
        }
    }
}

/// A node's command list: runnable commands, and the lines that say why a shell has none.
fn commands(
    path: &str,
    raw: Vec<RawCommand>,
    on_leaf: bool,
    p: &mut Problems,
) -> (Vec<Command>, Vec<Unavailable>) {
    let mut runnable = Vec::new();
    let mut unavailable = Vec::new();
    for (i, c) in raw.into_iter().enumerate() {
        let cpath = format!("{path}[{i}]");
        nonempty(p, &format!("{cpath}.title"), "the command title", &c.title);
        let text = match (c.command, c.unavailable) {
            (Some(text), None) => text,
            (None, Some(reason)) => {
                nonempty(p, &format!("{cpath}.unavailable"), "the reason", &reason);
                for (field, present) in [
                    ("changes_state", c.changes_state.is_some()),
                    ("needs", c.needs.is_some()),
                ] {
                    if present {
                        p.at(
                            &format!("{cpath}.{field}"),
                            format!("'{field}' has no meaning on an 'unavailable' line"),
                        );
                    }
                }
                unavailable.push(Unavailable {
                    title: c.title,
                    shell: c.shell,
                    reason: reason.trim().to_string(),
                });
                continue;
            }
            (Some(_), Some(_)) => {
                p.at(
                    &format!("{cpath}.unavailable"),
                    "an entry has 'command' or 'unavailable', not both",
                );
                continue;
            }
            (None, None) => {
                p.at(
                    &cpath,
                    "an entry needs 'command' (or 'unavailable' with the reason)",
                );
                continue;
            }
        };
        nonempty(p, &format!("{cpath}.command"), "the command", &text);
        let changes_state = match (c.changes_state, on_leaf) {
            (Some(v), _) => v,
            (None, true) => {
                p.at(
                    &cpath,
                    "leaf command needs 'changes_state: true' or 'changes_state: false'",
                );
                false
            }
            (None, false) => false,
        };
        if !on_leaf && changes_state {
            p.at(
                &format!("{cpath}.changes_state"),
                "checks must be read-only; move a command that changes state to a leaf",
            );
        }
        let needs = c.needs.map_or_else(Needs::default, |n| Needs {
            scopes: n.scopes,
            role: n.role.map(|r| r.trim().to_string()),
            licence: n.licence,
        });
        runnable.push(Command {
            title: c.title,
            shell: c.shell,
            template: CommandTemplate::new(text.trim()),
            changes_state,
            needs,
        });
    }
    (runnable, unavailable)
}

/// The candidate nearest to `key` by edit distance, if it is close enough to be a likely typo.
fn closest<'a>(key: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim(key, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

fn strsim(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
