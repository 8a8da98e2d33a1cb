//! What running a command takes (Graph scopes, a role, a licence, a module), and the sign-in
//! lines a screen's commands need, generated from those declarations.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::command::Shell;
use crate::flow::Command;

/// A licence some data needs (sign-in logs need P1, risk data P2, device data Intune).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
pub enum Licence {
    /// Microsoft Entra ID P1.
    P1,
    /// Microsoft Entra ID P2.
    P2,
    /// Microsoft Intune.
    Intune,
    /// Microsoft Entra Workload ID Premium.
    #[serde(rename = "Workload ID")]
    WorkloadId,
}

impl Licence {
    /// The name shown beside a command.
    pub fn title(self) -> &'static str {
        match self {
            Licence::P1 => "Entra ID P1",
            Licence::P2 => "Entra ID P2",
            Licence::Intune => "Intune",
            Licence::WorkloadId => "Workload ID Premium",
        }
    }
}

/// A command's declared prerequisites.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Needs {
    /// Microsoft Graph delegated permissions.
    pub scopes: Vec<String>,
    /// The least-privileged role that can run it; none when any member can.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence: Option<Licence>,
}

impl Needs {
    /// `Reports Reader · Entra ID P1`, or `None` when nothing beyond a sign-in is needed.
    pub fn summary(&self) -> Option<String> {
        let parts: Vec<&str> = self
            .role
            .as_deref()
            .into_iter()
            .chain(self.licence.map(Licence::title))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

/// The PowerShell module or tool a command runs in, read from its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Module {
    /// The Azure CLI (`az`).
    AzureCli,
    /// Microsoft Graph PowerShell (`*-Mg*`, `Invoke-MgGraphRequest`).
    Graph,
    /// Microsoft Graph PowerShell beta (`*-MgBeta*`).
    GraphBeta,
    /// Az PowerShell (`*-Az*`).
    Az,
    /// The ActiveDirectory module from RSAT (`*-AD*`).
    ActiveDirectory,
}

impl Module {
    /// The name to install (`Install-Module <name>`) or the tool.
    pub fn title(self) -> &'static str {
        match self {
            Module::AzureCli => "Azure CLI",
            Module::Graph => "Microsoft.Graph",
            Module::GraphBeta => "Microsoft.Graph.Beta",
            Module::Az => "Az",
            Module::ActiveDirectory => "ActiveDirectory (RSAT)",
        }
    }
}

/// `Verb-Noun` words of a PowerShell command.
fn cmdlets(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| {
            w.split_once('-').is_some_and(|(verb, noun)| {
                verb.len() > 1
                    && verb.starts_with(|c: char| c.is_ascii_uppercase())
                    && verb.chars().all(|c| c.is_ascii_alphabetic())
                    && noun.starts_with(|c: char| c.is_ascii_uppercase())
            })
        })
}

impl Command {
    /// The modules (or tool) the command runs in.
    pub fn modules(&self) -> BTreeSet<Module> {
        let text = self.template.text();
        let mut out = BTreeSet::new();
        if self.shell == Shell::Kql {
            return out;
        }
        if self.shell == Shell::Az {
            out.insert(Module::AzureCli);
            return out;
        }
        for name in cmdlets(text) {
            let noun = name.split_once('-').map_or("", |(_, n)| n);
            // Session cmdlets of the Graph module make no Graph call of their own.
            if ["MgContext", "MgGraph", "MgEnvironment"].contains(&noun) {
                continue;
            }
            if noun.starts_with("MgBeta") {
                out.insert(Module::GraphBeta);
            } else if noun.starts_with("Mg") {
                out.insert(Module::Graph);
            } else if noun.starts_with("Az")
                && noun.as_bytes().get(2).is_some_and(u8::is_ascii_uppercase)
            {
                out.insert(Module::Az);
            } else if noun.starts_with("AD")
                && noun.as_bytes().get(2).is_some_and(u8::is_ascii_uppercase)
            {
                out.insert(Module::ActiveDirectory);
            }
        }
        out
    }

    /// Whether the command calls Microsoft Graph (and so must declare its scopes): a Graph
    /// PowerShell cmdlet, or a request to a Graph API version URL (a token request that names
    /// `https://graph.microsoft.com/.default` as its scope does not count).
    pub fn calls_graph(&self) -> bool {
        let m = self.modules();
        let text = self.template.text();
        m.contains(&Module::Graph)
            || m.contains(&Module::GraphBeta)
            || ["graph.microsoft.com/v1.0", "graph.microsoft.com/beta"]
                .iter()
                .any(|u| text.contains(u))
    }
}

/// A sign-in line a screen's commands need, for one shell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Connect {
    pub shell: Shell,
    /// The command text, with `<tenant-id>` where the flow has that value.
    pub command: String,
    /// True for the line that adds the write scopes the state-changing commands need.
    pub for_changes: bool,
}

/// The sign-in lines for `commands`: `Connect-MgGraph` with the union of the read-only
/// commands' scopes (and a second line adding the write scopes of the state-changing ones),
/// `Connect-AzAccount` for Az PowerShell, `az login` for the Azure CLI. `tenant` is the
/// placeholder to name the tenant with, when the flow has one.
pub fn connect_lines<'a>(
    commands: impl IntoIterator<Item = &'a Command>,
    tenant: Option<&str>,
) -> Vec<Connect> {
    let mut read: Vec<&str> = Vec::new();
    let mut write: Vec<&str> = Vec::new();
    let (mut graph, mut graph_writes, mut az_ps, mut az_cli) = (false, false, false, false);
    for c in commands {
        let modules = c.modules();
        let is_graph_ps = c.shell == Shell::Powershell
            && (modules.contains(&Module::Graph) || modules.contains(&Module::GraphBeta));
        if is_graph_ps {
            graph |= !c.changes_state;
            graph_writes |= c.changes_state;
            let into = if c.changes_state {
                &mut write
            } else {
                &mut read
            };
            for s in &c.needs.scopes {
                if !into.contains(&s.as_str()) {
                    into.push(s);
                }
            }
        }
        az_ps |= modules.contains(&Module::Az);
        az_cli |= modules.contains(&Module::AzureCli);
    }
    let mut out = Vec::new();
    let tenant_ps = |flag: &str| tenant.map_or(String::new(), |t| format!(" {flag} <{t}>"));
    let connect_mg = |scopes: &[&str]| {
        format!(
            "Connect-MgGraph -Scopes {} -NoWelcome{}",
            scopes.join(","),
            tenant_ps("-TenantId")
        )
    };
    if graph && !read.is_empty() {
        out.push(Connect {
            shell: Shell::Powershell,
            command: connect_mg(&read),
            for_changes: false,
        });
    }
    let extra: Vec<&str> = write
        .iter()
        .copied()
        .filter(|s| !read.contains(s))
        .collect();
    if graph_writes && !extra.is_empty() {
        let all: Vec<&str> = read.iter().copied().chain(extra).collect();
        out.push(Connect {
            shell: Shell::Powershell,
            command: connect_mg(&all),
            for_changes: true,
        });
    }
    if az_ps {
        out.push(Connect {
            shell: Shell::Powershell,
            command: format!("Connect-AzAccount{}", tenant_ps("-Tenant")),
            for_changes: false,
        });
    }
    if az_cli {
        out.push(Connect {
            shell: Shell::Az,
            command: format!(
                "az login{} --allow-no-subscriptions",
                tenant.map_or(String::new(), |t| format!(" --tenant <{t}>"))
            ),
            for_changes: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::CommandTemplate;

    fn cmd(shell: Shell, text: &str, changes: bool, scopes: &[&str]) -> Command {
        Command {
            title: "t".into(),
            shell,
            template: CommandTemplate::new(text),
            changes_state: changes,
            needs: Needs {
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
                role: None,
                licence: None,
            },
        }
    }

    #[test]
    fn modules_are_read_from_cmdlets() {
        let c = cmd(
            Shell::Powershell,
            "Get-MgBetaAuditLogSignIn -Top 1 | Select-Object Id; Get-AzContext; Get-ADUser x",
            false,
            &[],
        );
        let m: Vec<Module> = c.modules().into_iter().collect();
        assert_eq!(m, [Module::GraphBeta, Module::Az, Module::ActiveDirectory]);
        assert!(c.calls_graph());
        let plain = cmd(Shell::Powershell, "Resolve-DnsName contoso.com", false, &[]);
        assert!(plain.modules().is_empty());
        assert!(!plain.calls_graph());
        let rest = cmd(
            Shell::Az,
            "az rest --url https://graph.microsoft.com/v1.0/me",
            false,
            &[],
        );
        assert!(rest.calls_graph());
        let token = cmd(
            Shell::Powershell,
            "Invoke-RestMethod -Method Post -Uri https://login.microsoftonline.com/x/oauth2/v2.0/token -Body @{scope='https://graph.microsoft.com/.default'}",
            false,
            &[],
        );
        assert!(!token.calls_graph());
        assert!(
            !cmd(
                Shell::Powershell,
                "Get-MgContext | Select-Object Scopes",
                false,
                &[]
            )
            .calls_graph()
        );
        assert!(!cmd(Shell::Az, "az ad sp show --id x", false, &[]).calls_graph());
    }

    #[test]
    fn connect_line_is_the_union_of_read_scopes_and_write_scopes_come_only_with_changes() {
        let cmds = [
            cmd(
                Shell::Powershell,
                "Get-MgApplication -All",
                false,
                &["Application.Read.All"],
            ),
            cmd(
                Shell::Powershell,
                "Get-MgBetaAuditLogSignIn -Top 1",
                false,
                &["AuditLog.Read.All", "Application.Read.All"],
            ),
            cmd(
                Shell::Powershell,
                "Update-MgApplication -ApplicationId x",
                true,
                &["Application.ReadWrite.All"],
            ),
            cmd(Shell::Az, "az ad app show --id x", false, &[]),
        ];
        let lines = connect_lines(&cmds, Some("tenant-id"));
        let texts: Vec<(&str, bool)> = lines
            .iter()
            .map(|c| (c.command.as_str(), c.for_changes))
            .collect();
        assert_eq!(
            texts,
            [
                (
                    "Connect-MgGraph -Scopes Application.Read.All,AuditLog.Read.All -NoWelcome -TenantId <tenant-id>",
                    false
                ),
                (
                    "Connect-MgGraph -Scopes Application.Read.All,AuditLog.Read.All,Application.ReadWrite.All -NoWelcome -TenantId <tenant-id>",
                    true
                ),
                (
                    "az login --tenant <tenant-id> --allow-no-subscriptions",
                    false
                ),
            ]
        );
        // Read-only commands alone: no write line, and no tenant when the flow has none.
        let lines = connect_lines(&cmds[..2], None);
        assert_eq!(lines.len(), 1);
        assert_eq!(
            lines[0].command,
            "Connect-MgGraph -Scopes Application.Read.All,AuditLog.Read.All -NoWelcome"
        );
    }

    #[test]
    fn az_powershell_gets_connect_azaccount() {
        let cmds = [cmd(
            Shell::Powershell,
            "Get-AzADServicePrincipal -ApplicationId x",
            false,
            &[],
        )];
        let lines = connect_lines(&cmds, None);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].command, "Connect-AzAccount");
    }

    #[test]
    fn needs_summary() {
        let n = Needs {
            scopes: vec!["AuditLog.Read.All".into()],
            role: Some("Reports Reader".into()),
            licence: Some(Licence::P1),
        };
        assert_eq!(n.summary().as_deref(), Some("Reports Reader · Entra ID P1"));
        assert_eq!(Needs::default().summary(), None);
    }
}
