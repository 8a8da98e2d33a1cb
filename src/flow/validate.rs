//! Whole-flow checks once the nodes are built: reachability, cycles, placeholders, and the
//! safety rules for commands (right shell, state changes marked, read-only first, no retired
//! modules).

use crate::command::Shell;
use crate::flow::load::Problems;
use crate::flow::{Command, Flow, Node, NodeId};

pub(crate) fn check(flow: &Flow, p: &mut Problems) {
    reachability_and_cycles(flow, p);
    placeholders(flow, p);
    for (id, node) in flow.nodes() {
        let key = flow.key(id);
        match node {
            Node::Question(q) => {
                for (i, c) in q.checks.iter().enumerate() {
                    command(&format!("nodes.{key}.checks[{i}]"), c, p);
                }
            }
            Node::Leaf(l) => {
                for (i, c) in l.commands.iter().enumerate() {
                    command(&format!("nodes.{key}.commands[{i}]"), c, p);
                }
                for shell in Shell::ALL {
                    let mut seen_change = false;
                    for (i, c) in l
                        .commands
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.shell == shell)
                    {
                        if c.changes_state {
                            seen_change = true;
                        } else if seen_change {
                            p.at(
                                &format!("nodes.{key}.commands[{i}]"),
                                format!("read-only {shell} command '{}' comes after a command that changes state; put read-only commands first", c.title),
                            );
                        }
                    }
                }
            }
        }
    }
}

fn reachability_and_cycles(flow: &Flow, p: &mut Problems) {
    let n = flow.nodes().count();
    // 0 = unseen, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; n];
    let roots: Vec<NodeId> = std::iter::once(flow.start)
        .chain(flow.entries.iter().map(|(_, id)| *id))
        .collect();
    for root in roots {
        // Iterative DFS so a deep or hostile file cannot overflow the stack.
        let mut stack: Vec<(NodeId, usize)> = vec![(root, 0)];
        if state[root.index()] != 0 {
            continue;
        }
        state[root.index()] = 1;
        while let Some(&mut (id, ref mut next)) = stack.last_mut() {
            let answers = match flow.node(id) {
                Node::Question(q) => q.answers.as_slice(),
                Node::Leaf(_) => &[],
            };
            if let Some(a) = answers.get(*next) {
                let i = *next;
                *next += 1;
                match state[a.next.index()] {
                    0 => {
                        state[a.next.index()] = 1;
                        stack.push((a.next, 0));
                    }
                    1 => p.at(
                        &format!("nodes.{}.answers[{i}].next", flow.key(id)),
                        format!(
                            "answer '{}' of '{}' leads back to '{}', making a cycle",
                            a.label,
                            flow.key(id),
                            flow.key(a.next)
                        ),
                    ),
                    _ => {}
                }
            } else {
                state[id.index()] = 2;
                stack.pop();
            }
        }
    }
    for (id, _) in flow.nodes() {
        if state[id.index()] == 0 {
            p.at(
                &format!("nodes.{}", flow.key(id)),
                format!("node '{}' cannot be reached from the start", flow.key(id)),
            );
        }
    }
}

fn all_commands(flow: &Flow) -> impl Iterator<Item = (String, &Command)> {
    flow.nodes().flat_map(move |(id, node)| {
        let key = flow.key(id);
        let (field, list) = match node {
            Node::Question(q) => ("checks", &q.checks),
            Node::Leaf(l) => ("commands", &l.commands),
        };
        list.iter()
            .enumerate()
            .map(move |(i, c)| (format!("nodes.{key}.{field}[{i}]"), c))
    })
}

fn placeholders(flow: &Flow, p: &mut Problems) {
    let mut used: Vec<String> = Vec::new();
    for (path, c) in all_commands(flow) {
        for name in c.template.placeholders() {
            if flow.placeholder(name).is_none() {
                p.at(
                    &format!("{path}.command"),
                    format!("placeholder '<{name}>' is used but not declared under 'placeholders'"),
                );
            }
            if !used.iter().any(|u| u == name) {
                used.push(name.to_string());
            }
        }
    }
    for ph in &flow.placeholders {
        if !used.contains(&ph.name) {
            p.at(
                &format!("placeholders.{}", ph.name),
                format!(
                    "placeholder '{}' is declared but no command uses it",
                    ph.name
                ),
            );
        }
    }
}

/// Words in an az command path that mean it changes something.
const AZ_CHANGING: &[&str] = &[
    "create",
    "delete",
    "update",
    "set",
    "reset",
    "add",
    "remove",
    "grant",
    "revoke",
    "admin-consent",
    "enable",
    "disable",
    "assign",
    "purge",
    "restore",
    "import",
    "rotate",
    "renew",
    "start",
    "stop",
    "restart",
    "regenerate",
    "unassign",
];

/// PowerShell verbs that change something.
const PS_CHANGING: &[&str] = &[
    "New",
    "Set",
    "Update",
    "Remove",
    "Add",
    "Revoke",
    "Reset",
    "Grant",
    "Clear",
    "Enable",
    "Disable",
    "Register",
    "Unregister",
    "Restore",
    "Confirm",
    "Start",
    "Stop",
    "Restart",
    "Install",
    "Uninstall",
    "Move",
    "Rename",
    "Import",
    "Publish",
    "Unpublish",
    "Approve",
    "Deny",
    "Block",
    "Unblock",
    "Lock",
    "Unlock",
];

/// Whether a command changes state, judged from its words; `None` when the command is not
/// recognisably of its shell.
fn looks_changing(shell: Shell, text: &str) -> bool {
    match shell {
        Shell::Az => text.split(['|', ';', '&']).any(|seg| {
            let words: Vec<&str> = seg.split_whitespace().collect();
            if words.first() != Some(&"az") {
                return false;
            }
            let path: Vec<&str> = words
                .iter()
                .skip(1)
                .take_while(|w| !w.starts_with('-'))
                .copied()
                .collect();
            if path.first() == Some(&"rest") {
                let method = words
                    .iter()
                    .position(|w| *w == "--method" || *w == "-m")
                    .and_then(|i| words.get(i + 1))
                    .map(|m| m.to_ascii_lowercase());
                return matches!(method.as_deref(), Some("post" | "put" | "patch" | "delete"));
            }
            path.iter().any(|w| AZ_CHANGING.contains(w))
        }),
        Shell::Powershell => cmdlets(text).iter().any(|c| {
            let verb = c.split('-').next().unwrap_or("");
            if c.eq_ignore_ascii_case("Invoke-MgGraphRequest")
                || c.eq_ignore_ascii_case("Invoke-RestMethod")
            {
                let lower = text.to_ascii_lowercase();
                return ["post", "put", "patch", "delete"]
                    .iter()
                    .any(|m| lower.contains(&format!("-method {m}")));
            }
            PS_CHANGING.iter().any(|v| v.eq_ignore_ascii_case(verb))
        }),
    }
}

/// The `Verb-Noun` words at the start of each pipeline or statement segment.
fn cmdlets(text: &str) -> Vec<&str> {
    text.split(['|', ';', '(', '{'])
        .filter_map(|seg| {
            let seg = seg.trim_start();
            // `$x = Get-Thing ...`
            let seg = match seg.strip_prefix('$') {
                Some(rest) => rest.split_once('=').map_or("", |(_, r)| r.trim_start()),
                None => seg,
            };
            let word = seg.split_whitespace().next()?;
            let (verb, noun) = word.split_once('-')?;
            (verb.chars().all(|c| c.is_ascii_alphabetic())
                && verb.starts_with(|c: char| c.is_ascii_uppercase())
                && !noun.is_empty())
            .then_some(word)
        })
        .collect()
}

fn command(path: &str, c: &Command, p: &mut Problems) {
    let text = c.template.text();
    let cmd_path = format!("{path}.command");
    match c.shell {
        Shell::Az => {
            if !text.starts_with("az ") {
                p.at(
                    &cmd_path,
                    format!("az command '{}' should start with 'az '", c.title),
                );
            }
        }
        Shell::Powershell => {
            let first = text.split_whitespace().next().unwrap_or("");
            if text.starts_with("az ") || (cmdlets(text).is_empty() && !first.starts_with('$')) {
                p.at(
                    &cmd_path,
                    format!(
                        "powershell command '{}' should start with a Verb-Noun cmdlet",
                        c.title
                    ),
                );
            }
            for name in cmdlets(text) {
                let lower = name.to_ascii_lowercase();
                if lower.contains("-azuread") || lower.contains("-msol") {
                    p.at(&cmd_path, format!("'{name}' is from a retired module (AzureAD/MSOnline); use Microsoft Graph PowerShell (*-Mg*)"));
                }
            }
        }
    }
    for opt in crate::command::expanded_odata_options(text, c.shell) {
        let fix = match c.shell {
            Shell::Az => format!("write '\\{opt}' or use single quotes"),
            Shell::Powershell => format!("write '`{opt}' or use single quotes"),
        };
        p.at(
            &cmd_path,
            format!(
                "{} would expand '{opt}' inside double quotes as a variable; {fix}",
                c.shell
            ),
        );
    }
    if !c.changes_state && looks_changing(c.shell, text) {
        p.at(
            &cmd_path,
            format!(
                "command '{}' looks like it changes state; mark it 'changes_state: true'",
                c.title
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_changes_are_recognised() {
        for (shell, text, changing) in [
            (Shell::Az, "az ad app credential list --id x", false),
            (
                Shell::Az,
                "az ad app credential reset --id x --append",
                true,
            ),
            (Shell::Az, "az ad app permission admin-consent --id x", true),
            (Shell::Az, "az rest --method get --url u", false),
            (Shell::Az, "az rest --method PATCH --url u --body b", true),
            (Shell::Az, "az ad sp show --id x --query \"{set:x}\"", false),
            (
                Shell::Powershell,
                "Get-MgUser -UserId x | Select-Object Id",
                false,
            ),
            (
                Shell::Powershell,
                "Update-MgUser -UserId x -AccountEnabled",
                true,
            ),
            (
                Shell::Powershell,
                "$sp = Get-MgServicePrincipal -Filter x; Remove-MgServicePrincipal -ServicePrincipalId $sp.Id",
                true,
            ),
            (
                Shell::Powershell,
                "Invoke-MgGraphRequest -Method GET -Uri u",
                false,
            ),
            (
                Shell::Powershell,
                "Invoke-MgGraphRequest -Method POST -Uri u",
                true,
            ),
            (
                Shell::Powershell,
                "Get-MgUser -Filter \"displayName eq 'Set-Thing'\"",
                false,
            ),
        ] {
            assert_eq!(looks_changing(shell, text), changing, "{text}");
        }
    }

    #[test]
    fn cmdlets_are_found_per_segment() {
        assert_eq!(
            cmdlets("Get-MgUser -UserId x | Select-Object Id"),
            vec!["Get-MgUser", "Select-Object"]
        );
        assert_eq!(cmdlets("$a = Get-AzContext; $a"), vec!["Get-AzContext"]);
        assert!(cmdlets("az ad sp list").is_empty());
    }
}
