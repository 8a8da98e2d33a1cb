//! `flows validate|list|show` and `walk`: flows from the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::Value;

use aadsts_wizard::catalog::{Catalog, parse_code};
use aadsts_wizard::command::{Shell, Values};
use aadsts_wizard::evidence;
use aadsts_wizard::flow::library::{Library, Origin};
use aadsts_wizard::flow::{
    Command as FlowCommand, Flow, FlowError, Node, NodeId, Step, WalkError, Walked,
};
use aadsts_wizard::json;
use aadsts_wizard::notes::{self, Ids, Session};

use crate::sources;

#[derive(Debug, Subcommand)]
pub enum FlowsCommand {
    /// Check flow files (default: every loaded flow); print each problem as file:line:col.
    Validate {
        /// Flow files or folders to check instead of the loaded flows.
        paths: Vec<PathBuf>,
    },
    /// List the codes that have a flow, and the file each flow came from.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a code's whole flow: every question, answer and leaf.
    Show {
        code: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct WalkArgs {
    /// The code whose flow to walk (with --evidence: default, the event's error code).
    #[arg(required_unless_present = "evidence")]
    pub code: Option<String>,
    /// Choose answer N (1-based) at each question in turn; repeat for each step. With
    /// --evidence, they answer the questions the sign-in event does not decide, in order.
    #[arg(long = "answer", short = 'a', value_name = "N")]
    pub answers: Vec<usize>,
    /// A sign-in event (Graph, PowerShell, Entra admin center JSON/CSV or Log Analytics rows;
    /// `-` for stdin): answers the questions it decides and fills in values.
    #[arg(long, value_name = "FILE")]
    pub evidence: Option<String>,
    /// A value for a placeholder, e.g. --var app-id=1111...; repeatable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Only show commands for this shell.
    #[arg(long, value_enum)]
    pub shell: Option<Shell>,
    /// Print JSON.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print Markdown incident notes.
    #[arg(long)]
    pub markdown: bool,
}

/// Print flow problems to stderr (user files that failed to load); the rest goes on.
pub fn report_problems(problems: &[FlowError]) {
    for p in problems {
        errln!("{p}");
    }
    if !problems.is_empty() {
        errln!("warning: the flows above were skipped; the others are loaded");
    }
}

pub fn run_flows(cmd: FlowsCommand, cli_paths: &sources::FlowDirs) -> Result<ExitCode> {
    let catalog = crate::cli::catalog()?;
    match cmd {
        FlowsCommand::Validate { paths } => validate(&catalog, cli_paths, &paths),
        FlowsCommand::List { json } => {
            let lib = sources::library(&catalog, cli_paths);
            // A listing answers "what serves each code": parse every user flow to say which
            // ones do not load (other commands parse a user flow only when it is used).
            report_problems(&lib.check_all());
            list(&catalog, &lib, json)
        }
        FlowsCommand::Show { code, json } => {
            let lib = sources::library(&catalog, cli_paths);
            report_problems(&lib.problems);
            let Some(flow) = flow_for(&catalog, &lib, &code) else {
                return Ok(ExitCode::from(1));
            };
            if json {
                jsonln!(&json::Flow::new(flow));
            } else {
                out!("{}", flow_text(flow));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn validate(
    catalog: &Catalog,
    cli_paths: &sources::FlowDirs,
    paths: &[PathBuf],
) -> Result<ExitCode> {
    // With no paths: the shipped flows (as they run, from the JSON built in) and the user's.
    let (files, mut problems) = if paths.is_empty() {
        sources::read_paths(&sources::user_paths(cli_paths))
    } else {
        sources::read_paths(paths)
    };
    let (lib, file_count) = if paths.is_empty() {
        let lib = Library::with_embedded(catalog, aadsts_wizard::embedded::FLOWS, &files);
        (lib, aadsts_wizard::embedded::FLOWS.len() + files.len())
    } else {
        (Library::build(catalog, &files), files.len())
    };
    problems.extend(lib.check_all());
    for p in &problems {
        outln!("{p}");
    }
    let bad_files = {
        let mut f: Vec<&str> = problems.iter().map(|p| p.file.as_str()).collect();
        f.sort_unstable();
        f.dedup();
        f.len()
    };
    if problems.is_empty() {
        let codes = lib.codes().count();
        outln!("{file_count} flow file(s) OK, covering {codes} code(s)");
        Ok(ExitCode::SUCCESS)
    } else {
        errln!("{} problem(s) in {bad_files} file(s)", problems.len());
        Ok(ExitCode::from(1))
    }
}

fn list(catalog: &Catalog, lib: &Library, json: bool) -> Result<ExitCode> {
    if json {
        let arr: Vec<json::ListedFlow> = lib
            .codes()
            .map(|(code, flow, origin)| json::ListedFlow {
                code: json::Code(code),
                name: catalog.get(code).and_then(|e| e.name.as_deref()),
                title: &flow.title,
                file: &flow.file,
                origin,
            })
            .collect();
        jsonln!(&arr);
    } else {
        for (code, flow, origin) in lib.codes() {
            let origin = if origin == Origin::BuiltIn {
                ""
            } else {
                "  (user)"
            };
            outln!("AADSTS{code:<8} {:<50} {}{origin}", flow.title, flow.file);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The flow for a code typed by the user, or an error message printed and `None`.
fn flow_for<'a>(catalog: &Catalog, lib: &'a Library, text: &str) -> Option<&'a Flow> {
    let Some(code) = parse_code(text) else {
        errln!("error: '{text}' is not an AADSTS code (expected digits such as 50012)");
        return None;
    };
    let flow = lib.for_code(code);
    if flow.is_none() {
        if catalog.get(code).is_some() {
            errln!("error: AADSTS{code} has no flow yet; see: aadsts-wizard lookup {code}");
        } else {
            errln!("error: unknown code 'AADSTS{code}'; try: aadsts-wizard search {code}");
        }
    }
    flow
}

fn flow_text(flow: &Flow) -> String {
    let mut s = format!(
        "{}  ({})\ncodes: {}\n",
        flow.title,
        flow.file,
        flow.codes
            .iter()
            .map(|c| format!("AADSTS{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (id, node) in flow.nodes() {
        match node {
            Node::Question(q) => {
                s.push_str(&format!("\n[{}] {}\n", flow.key(id), q.text));
                for (i, a) in q.answers.iter().enumerate() {
                    s.push_str(&format!(
                        "    {}. {} -> {}\n",
                        i + 1,
                        a.label,
                        flow.key(a.next)
                    ));
                }
            }
            Node::Leaf(l) => s.push_str(&format!("\n[{}] cause: {}\n", flow.key(id), l.cause)),
        }
    }
    s
}

/// Read `--evidence FILE|-` (at most [`evidence::MAX_BYTES`]); the error, shown with `{:#}`,
/// is one line.
fn read_evidence(path: &str) -> Result<evidence::Document> {
    use anyhow::Context;
    let text = if path == "-" {
        evidence::read_bounded(std::io::stdin().lock())
    } else {
        std::fs::File::open(path).and_then(evidence::read_bounded)
    }
    .with_context(|| format!("--evidence {path}"))?;
    evidence::read(&text).with_context(|| format!("--evidence {path}"))
}

/// The flow's placeholders the event can fill, not already given with --var.
fn evidence_values(flow: &Flow, event: &Value, values: &Values) -> Vec<(String, String)> {
    evidence::values(event)
        .into_iter()
        .filter(|(name, v)| {
            !values.contains_key(*name)
                && flow
                    .placeholder(name)
                    .is_some_and(|p| p.kind.check(v).is_ok())
        })
        .map(|(n, v)| (n.to_string(), v))
        .collect()
}

pub fn walk(args: WalkArgs, cli_paths: &sources::FlowDirs) -> Result<ExitCode> {
    let catalog = crate::cli::catalog()?;
    let lib = sources::library(&catalog, cli_paths);
    report_problems(&lib.problems);
    let doc = match args.evidence.as_deref().map(read_evidence) {
        None => None,
        Some(Ok(doc)) => Some(doc),
        Some(Err(e)) => {
            errln!("error: {e:#}");
            return Ok(ExitCode::from(2));
        }
    };
    let wanted = args.code.as_deref().and_then(parse_code);
    let event = doc.as_ref().and_then(|d| evidence::pick(&d.events, wanted));
    let code_text = match (&args.code, event.and_then(evidence::code)) {
        (Some(c), _) => c.clone(),
        (None, Some(c)) => c.to_string(),
        (None, None) => {
            errln!(
                "error: the sign-in event has no error code (status.errorCode); name the code: aadsts-wizard walk CODE --evidence FILE"
            );
            return Ok(ExitCode::from(2));
        }
    };
    let Some(flow) = flow_for(&catalog, &lib, &code_text) else {
        return Ok(ExitCode::from(1));
    };
    let code = parse_code(&code_text).unwrap_or(flow.codes[0]);
    let mut values = match aadsts_wizard::flow::vars::parse(&flow.placeholders, &args.vars) {
        Ok(v) => v,
        Err(msg) => {
            errln!("error: {msg}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut filled = Vec::new();
    if let (Some(doc), Some(ev)) = (&doc, event) {
        for w in &doc.warnings {
            errln!("warning: {w}");
        }
        if doc.events.len() > 1 {
            errln!(
                "note: {} events in the evidence; using the one with id '{}'",
                doc.events.len(),
                ev["id"].as_str().unwrap_or("?")
            );
        }
        if let Some(c) = evidence::code(ev).filter(|c| !flow.codes.contains(c)) {
            errln!("warning: the sign-in event's error code is {c}, not {code}");
        }
        filled = evidence_values(flow, ev, &values);
        values.extend(filled.iter().cloned());
    }
    let start = flow.start_for(code);
    let walked = match event {
        Some(ev) => flow.follow_evidence(start, ev, &args.answers),
        None => flow
            .follow(start, &args.answers)
            .map(|(steps, node)| Walked {
                steps: steps.into_iter().map(|s| (s, None)).collect(),
                node,
                stopped: None,
            }),
    };
    let walked = match walked {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {e}");
            if event.is_none()
                && matches!(e, WalkError::OutOfRange { .. } | WalkError::PastLeaf { .. })
            {
                print_valid_answers(flow, start, &args.answers);
            }
            return Ok(ExitCode::from(2));
        }
    };
    let steps: Vec<Step> = walked.steps.iter().map(|(s, _)| s.clone()).collect();
    let from_log: Vec<(usize, String)> = walked
        .steps
        .iter()
        .enumerate()
        .filter_map(|(i, (_, r))| r.clone().map(|r| (i, r)))
        .collect();
    let node = walked.node;
    let shell = args.shell;
    // The error's ids are known (--var trace-id / correlation-id) and no event is loaded:
    // offer the commands that fetch it.
    let fetch = if doc.is_none() {
        evidence::fetch::leaf(&values)
    } else {
        None
    };
    if args.json {
        let mut out = json::Walk::new(flow, code, &walked, &values, shell, doc.is_some());
        out.fetch_event = fetch.map(|(ff, id)| json::Node::new(ff, id, &values, shell));
        if let (Some(doc), Some(ev)) = (&doc, event) {
            out.evidence = Some(json::Evidence::new(
                doc,
                ev,
                &filled,
                walked.stopped.as_deref(),
            ));
        }
        jsonln!(&out);
    } else if args.markdown {
        let ids = match event {
            Some(ev) => {
                let (trace_id, correlation_id, timestamp) = evidence::ids(ev);
                Ids {
                    trace_id,
                    correlation_id,
                    timestamp,
                }
            }
            None => Ids::default(),
        };
        let time = crate::cli::utc_now();
        out!(
            "{}",
            notes::markdown(&Session {
                code,
                entry: catalog.get(code),
                flow,
                steps: &steps,
                node,
                values: &values,
                ids: &ids,
                time: &time,
                shell,
                evidence: &from_log,
            })
        );
    } else {
        let mut text = walk_text(flow, code, &walked, &values, shell, &args.answers);
        if let Some((ff, id)) = fetch
            && let Node::Leaf(l) = ff.node(id)
        {
            text = format!(
                "{}:{}\nThen: {}\n\n{text}",
                l.cause,
                commands_text(ff, id, &values, shell),
                l.fix.join(" ")
            );
        }
        if !filled.is_empty() {
            let names: Vec<&str> = filled.iter().map(|(n, _)| n.as_str()).collect();
            text.push_str(&format!(
                "\nFilled from the sign-in log: {}\n",
                names.join(", ")
            ));
        }
        out!("{text}");
    }
    Ok(ExitCode::SUCCESS)
}

/// After a bad answer index: the answers that were valid at that question.
fn print_valid_answers(flow: &Flow, start: NodeId, answers: &[usize]) {
    let mut at = start;
    for &a in answers {
        match flow.node(at) {
            Node::Question(q) => match a.checked_sub(1).and_then(|i| q.answers.get(i)) {
                Some(ans) => at = ans.next,
                None => {
                    errln!("valid answers at '{}':", q.text);
                    for (i, ans) in q.answers.iter().enumerate() {
                        errln!("  {}. {}", i + 1, ans.label);
                    }
                    return;
                }
            },
            Node::Leaf(_) => {
                errln!("the flow had already reached a leaf; drop the extra --answer");
                return;
            }
        }
    }
}

pub(crate) fn commands_text(
    flow: &Flow,
    id: NodeId,
    values: &Values,
    shell: Option<Shell>,
) -> String {
    let node = flow.node(id);
    let connect = flow.connect_lines(id, values);
    let mut s = String::new();
    for sh in Shell::ALL
        .into_iter()
        .filter(|sh| shell.is_none_or(|w| w == *sh))
    {
        let list: Vec<&FlowCommand> = node.commands().iter().filter(|c| c.shell == sh).collect();
        let none: Vec<_> = node
            .unavailable()
            .iter()
            .filter(|u| u.shell == sh)
            .collect();
        if list.is_empty() && none.is_empty() {
            continue;
        }
        s.push_str(&format!("\n  {}:\n", sh.title()));
        for c in connect.iter().filter(|c| c.shell == sh) {
            let when = if c.for_changes {
                "to make the changes, sign in with"
            } else {
                "sign in first"
            };
            s.push_str(&format!("    # {when}:\n    {}\n", c.command));
        }
        for c in list {
            let mark = if c.changes_state {
                "  [CHANGES STATE]"
            } else {
                ""
            };
            s.push_str(&format!("    # {}{mark}\n", c.title));
            if let Some(needs) = c.needs.summary() {
                s.push_str(&format!("    # needs: {needs}\n"));
            }
            // A KQL query may span lines: keep them under the same indent.
            s.push_str(&format!(
                "    {}\n",
                c.render(values).replace('\n', "\n    ")
            ));
        }
        for u in none {
            s.push_str(&format!("    # {}: {}\n", u.title, u.reason));
        }
    }
    s
}

fn walk_text(
    flow: &Flow,
    code: u32,
    walked: &Walked,
    values: &Values,
    shell: Option<Shell>,
    answers: &[usize],
) -> String {
    let node = walked.node;
    let mut s = format!("AADSTS{code}: {}\n", flow.title);
    for (step, reason) in &walked.steps {
        let (q, a) = flow.describe(step);
        s.push_str(&format!("  {q}\n    -> {a}\n"));
        if let Some(r) = reason {
            s.push_str(&format!("       (from the sign-in log: {r})\n"));
        }
    }
    let wrap = |t: &str, indent: usize| crate::cli::wrap(t, 76 - indent, indent);
    match flow.node(node) {
        Node::Question(q) => {
            s.push_str(&format!("\n{}\n", q.text));
            if let Some(why) = &walked.stopped {
                s.push_str(&format!(
                    "  The sign-in event does not decide this: {why}.\n"
                ));
            }
            if let Some(h) = &q.help {
                s.push_str(&format!("  {}\n", wrap(h, 2)));
            }
            if !q.checks.is_empty() || !q.unavailable.is_empty() {
                s.push_str("\nCheck with:");
                s.push_str(&commands_text(flow, node, values, shell));
            }
            s.push('\n');
            for (i, a) in q.answers.iter().enumerate() {
                s.push_str(&format!("  {}. {}\n", i + 1, a.label));
            }
            let prefix: String = answers.iter().map(|a| format!(" --answer {a}")).collect();
            s.push_str(&format!(
                "\nNext: aadsts-wizard walk {code}{prefix} --answer N\n"
            ));
        }
        Node::Leaf(l) => {
            s.push_str(&format!(
                "\nCause: {}\n\n  {}\n\nFix:\n",
                l.cause,
                wrap(&l.explanation, 2)
            ));
            for (i, f) in l.fix.iter().enumerate() {
                s.push_str(&format!("  {}. {}\n", i + 1, wrap(f, 5)));
            }
            s.push_str("\nCommands:");
            s.push_str(&commands_text(flow, node, values, shell));
            let missing: Vec<&str> = flow
                .placeholders
                .iter()
                .filter(|p| {
                    !values.contains_key(&p.name)
                        && l.commands
                            .iter()
                            .any(|c| c.template.placeholders().contains(&p.name.as_str()))
                })
                .map(|p| p.name.as_str())
                .collect();
            if !missing.is_empty() {
                let hint: Vec<String> = missing.iter().map(|m| format!("--var {m}=...")).collect();
                s.push_str(&format!("\nFill in the values with: {}\n", hint.join(" ")));
            }
            if !l.related.is_empty() {
                s.push_str(&format!(
                    "\nRelated: {}\n",
                    l.related
                        .iter()
                        .map(|c| format!("AADSTS{c}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            for link in &l.links {
                s.push_str(&format!("Docs: {link}\n"));
            }
        }
    }
    s
}
