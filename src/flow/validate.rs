//! Whole-flow checks once the nodes are built: reachability, cycles, placeholders, and the
//! safety rules for commands (right shell, state changes marked, read-only first, no retired
//! modules).

use crate::command::Shell;
use crate::flow::load::Problems;
use crate::flow::{Command, Flow, Node, NodeId};

pub(crate) fn check(flow: &Flow, p: &mut Problems) {
    control_characters(flow, p);
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
    // Signing in or out replaces the CLI's session (and its default subscription).
    "login",
    "logout",
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
    // Connect-MgGraph / Connect-AzAccount replace the shell's signed-in session.
    "Connect",
    "Disconnect",
];

/// Whether a command changes state, judged from its words; `None` when the command is not
/// recognisably of its shell.
fn looks_changing(shell: Shell, text: &str) -> bool {
    match shell {
        // A KQL query only reads; `.set`/`.drop` management commands are refused on their own.
        Shell::Kql => false,
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
            if !text.starts_with("az ") && !az_assignment_chain(text) {
                p.at(
                    &cmd_path,
                    format!("az command '{}' should start with 'az ' (or be 'name=$(az ...) && az ...')", c.title),
                );
            }
        }
        Shell::Kql => kql_command(&cmd_path, c, p),
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
            Shell::Powershell | Shell::Kql => format!("write '`{opt}' or use single quotes"),
        };
        p.at(
            &cmd_path,
            format!(
                "{} would expand '{opt}' inside double quotes as a variable; {fix}",
                c.shell
            ),
        );
    }
    needs(path, c, p);
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

/// `name=$(az ...) && az ...`: a value read by one az call and used by the next, which runs
/// only if the first succeeded (so a failed read never writes an empty list back).
fn az_assignment_chain(text: &str) -> bool {
    let Some((name, rest)) = text.split_once("=$(az ") else {
        return false;
    };
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && rest.contains(") && az ")
}

/// The Log Analytics tables a flow's KQL may start from (the sign-in logs Microsoft Entra
/// diagnostic settings send to a workspace); `tools/kql/schema.json` has their columns.
pub const KQL_TABLES: [&str; 4] = [
    "SigninLogs",
    "AADNonInteractiveUserSignInLogs",
    "AADServicePrincipalSignInLogs",
    "AADManagedIdentitySignInLogs",
];

/// A KQL command: a query (not a `.management` command) over the Entra log tables, read-only,
/// with its placeholders where they can be escaped.
fn kql_command(cmd_path: &str, c: &Command, p: &mut Problems) {
    use crate::command::{KqlContext, kql_context, slots};
    let text = c.template.text();
    let first = text
        .split(|ch: char| ch.is_whitespace() || ch == '(' || ch == '|')
        .find(|w| !w.is_empty())
        .unwrap_or("");
    if !KQL_TABLES.contains(&first) && first != "union" && first != "let" {
        p.at(
            cmd_path,
            format!(
                "kql command '{}' should start with one of the tables {} (or 'union' / 'let')",
                c.title,
                KQL_TABLES.join(", ")
            ),
        );
    }
    if c.changes_state {
        p.at(
            cmd_path,
            format!(
                "kql command '{}' is marked changes_state; a KQL query only reads",
                c.title
            ),
        );
    }
    if !c.needs.scopes.is_empty() {
        p.at(
            cmd_path,
            format!("kql command '{}' names Graph scopes; a Log Analytics query needs a workspace role (needs.role), not Graph scopes", c.title),
        );
    }
    for slot in slots(text) {
        let ctx = kql_context(text, slot.start);
        if matches!(ctx, KqlContext::Verbatim | KqlContext::Comment) {
            p.at(
                cmd_path,
                format!(
                    "placeholder <{}> sits in a KQL {}; put it in a '...' string or bare, where its value can be escaped",
                    slot.name,
                    if ctx == KqlContext::Comment { "comment" } else { "verbatim string (@'...')" }
                ),
            );
        }
    }
}

#[cfg(test)]
thread_local! {
    /// Set by the TUI's hostile-text tests, which load a flow full of escapes on purpose to
    /// check that the screen cleans what the validator would have refused.
    pub(crate) static ALLOW_CONTROL_TEXT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// No text of a flow holds a control character or a bidirectional override: they could hide
/// a line in a command (`ESC[201~` ends a bracketed paste, so what follows runs without
/// Enter), rewrite the terminal or the clipboard (OSC 52), or show text other than what is
/// copied. Newlines are allowed only in prose (help, explanation), which the YAML block
/// styles produce; tabs nowhere.
fn control_characters(flow: &Flow, p: &mut Problems) {
    #[cfg(test)]
    if ALLOW_CONTROL_TEXT.with(std::cell::Cell::get) {
        return;
    }
    let mut texts: Vec<(String, &str, bool)> = vec![("title".into(), &flow.title, false)];
    for ph in &flow.placeholders {
        texts.push((
            format!("placeholders.{}.prompt", ph.name),
            &ph.prompt,
            false,
        ));
        texts.push((
            format!("placeholders.{}.example", ph.name),
            &ph.example,
            false,
        ));
    }
    for (id, node) in flow.nodes() {
        let key = flow.key(id);
        match node {
            Node::Question(q) => {
                texts.push((format!("nodes.{key}.question"), &q.text, false));
                if let Some(h) = &q.help {
                    texts.push((format!("nodes.{key}.help"), h, true));
                }
                for (i, a) in q.answers.iter().enumerate() {
                    texts.push((format!("nodes.{key}.answers[{i}].label"), &a.label, false));
                }
                command_texts(format!("nodes.{key}.checks"), &q.checks, &mut texts);
                for u in &q.unavailable {
                    texts.push((format!("nodes.{key}.checks"), &u.reason, false));
                    texts.push((format!("nodes.{key}.checks"), &u.title, false));
                }
            }
            Node::Leaf(l) => {
                texts.push((format!("nodes.{key}.cause"), &l.cause, false));
                texts.push((format!("nodes.{key}.explanation"), &l.explanation, true));
                for (i, f) in l.fix.iter().enumerate() {
                    texts.push((format!("nodes.{key}.fix[{i}]"), f, true));
                }
                for (i, link) in l.links.iter().enumerate() {
                    texts.push((format!("nodes.{key}.links[{i}]"), link, false));
                }
                command_texts(format!("nodes.{key}.commands"), &l.commands, &mut texts);
                for u in &l.unavailable {
                    texts.push((format!("nodes.{key}.commands"), &u.reason, false));
                    texts.push((format!("nodes.{key}.commands"), &u.title, false));
                }
            }
        }
    }
    for (path, text, multiline) in texts {
        let bad = text
            .chars()
            .find(|&c| crate::text::is_unsafe(c) || c == '\t' || (c == '\n' && !multiline));
        if let Some(c) = bad {
            p.at(
                &path,
                format!("control character U+{:04X} in the text; flows hold printable text only (write it out, e.g. 'ESC')", c as u32),
            );
        }
    }
}

fn command_texts<'a>(path: String, cs: &'a [Command], texts: &mut Vec<(String, &'a str, bool)>) {
    for (i, c) in cs.iter().enumerate() {
        texts.push((format!("{path}[{i}].title"), c.title.as_str(), false));
        // A KQL query may span lines (it is pasted into Log Analytics, not a shell).
        texts.push((
            format!("{path}[{i}].command"),
            c.template.text(),
            c.shell == Shell::Kql,
        ));
        if let Some(role) = &c.needs.role {
            texts.push((format!("{path}[{i}].needs.role"), role.as_str(), false));
        }
    }
}

/// Graph endpoints the Azure CLI's own app cannot get a token for: their scopes (Policy.Read.All,
/// IdentityRiskyUser.Read.All, UserAuthenticationMethod.Read.All, ServiceHealth.Read.All,
/// DeviceManagement*, ConsentRequest.Read.All, …) are not among the Graph permissions of the
/// Azure CLI app (04b07795-8ddb-461a-bbee-02f9e1bf7b46), so `az rest` answers 403 whatever the
/// caller's role, and `az login --scope` for them fails with AADSTS65002. Evidence:
/// Azure/azure-cli#23906, #33062, #20572; the permission data of `tools/check_graph.py`.
const AZ_CLI_CANNOT: &[&str] = &[
    "/policies/",
    "/policies?",
    "/identity/conditionalaccess",
    "/identityprotection/",
    "/riskyusers",
    "/riskdetections",
    "/riskyserviceprincipals",
    "/devicemanagement/",
    "/admin/serviceannouncement",
    "/authentication/",
    "/authenticationmethodspolicy",
    "/identitygovernance/appconsent",
    "/tenantrelationships/",
    "/domains/{id}/federationconfiguration",
    "/federationconfiguration",
    "/directory/onpremisessynchronization",
];

/// The Graph URL(s) in an `az rest` command, lowercased.
fn az_rest_graph_paths(text: &str) -> Vec<String> {
    if !text.starts_with("az rest") {
        return Vec::new();
    }
    text.match_indices("https://graph.microsoft.com/")
        .map(|(i, _)| {
            text[i..]
                .split(['"', '\'', ' '])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        })
        .collect()
}

/// Prerequisites: Graph commands declare their scopes, read-only ones read scopes only;
/// sign-in log queries name their event types and licence; no `az rest` where the Azure CLI
/// cannot get a token.
fn needs(path: &str, c: &Command, p: &mut Problems) {
    let text = c.template.text();
    let needs_path = format!("{path}.needs");
    if c.calls_graph() && c.needs.scopes.is_empty() {
        p.at(
            path,
            format!("command '{}' calls Microsoft Graph; declare the delegated permissions it needs under 'needs: {{scopes: [...]}}'", c.title),
        );
    }
    for scope in &c.needs.scopes {
        let well_formed = !scope.is_empty()
            && scope.contains('.')
            && scope
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ".-_".contains(ch));
        if !well_formed {
            p.at(
                &needs_path,
                format!("'{scope}' is not a Graph permission name such as 'Application.Read.All'"),
            );
        } else if !c.changes_state && scope.contains("ReadWrite") {
            p.at(&needs_path, format!("read-only command '{}' asks for the write permission '{scope}'; read-only commands name read scopes, write scopes belong to commands that change state", c.title));
        }
    }
    if let Some(role) = &c.needs.role
        && (role.is_empty() || role.chars().any(char::is_control))
    {
        p.at(&needs_path, "the role is empty or has control characters");
    }
    let lower = text.to_ascii_lowercase();
    if lower.contains("auditlogs/signins") || lower.contains("auditlogsignin") {
        if !lower.contains("signineventtypes") {
            p.at(
                &format!("{path}.command"),
                format!("sign-in log query '{}' has no signInEventTypes filter; without one Graph returns interactive sign-ins only (name the kinds explicitly, interactive included)", c.title),
            );
        }
        if c.needs.licence.is_none() {
            p.at(
                path,
                format!(
                    "sign-in log query '{}' needs 'licence: P1' (or P2) under 'needs'",
                    c.title
                ),
            );
        }
    }
    for url in az_rest_graph_paths(text) {
        if let Some(bad) = AZ_CLI_CANNOT.iter().find(|b| url.contains(*b)) {
            p.at(
                &format!("{path}.command"),
                format!("the Azure CLI cannot get a token for '{}' endpoints (403 whatever the role); use an 'unavailable' line pointing to the PowerShell tab", bad.trim_matches(['/', '?'])),
            );
        }
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
