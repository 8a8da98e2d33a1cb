//! From an error's ids to its sign-in event: the read-only commands that fetch the one event
//! a trace id (or correlation id) names, for every shell (Graph beta through `az rest`,
//! `Get-MgBetaAuditLogSignIn`, and KQL for Log Analytics). They live in
//! `assets/fetch-event.yaml`, in the flow format, loaded and checked by the flow loader.

use std::sync::LazyLock;

use crate::command::{Shell, Values};
use crate::flow::{Command, Flow, Node, NodeId, load};

/// The file, embedded.
const SRC: &str = include_str!("../../assets/fetch-event.yaml");

pub use crate::flow::names::{CORRELATION_ID, TRACE_ID};

static FLOW: LazyLock<Option<Flow>> =
    LazyLock::new(|| load::load_unlisted("assets/fetch-event.yaml", SRC).ok());

/// The fetch commands as a flow (for their placeholders, and for checks). `None` only if the
/// shipped file were broken, which a test rules out.
pub fn flow() -> Option<&'static Flow> {
    FLOW.as_ref()
}

/// Which of the file's leaves serves the ids at hand: by trace id when it is known (one exact
/// event), else by correlation id (the attempt's events).
pub fn leaf(values: &Values) -> Option<(&'static Flow, NodeId)> {
    leaf_for(values).and_then(|id| Some((flow()?, id)))
}

fn leaf_for(values: &Values) -> Option<NodeId> {
    let flow = flow()?;
    let has = |name: &str| values.get(name).is_some_and(|v| crate::flow::is_guid(v));
    let key = if has(TRACE_ID) {
        "by-trace-id"
    } else if has(CORRELATION_ID) {
        "by-correlation-id"
    } else {
        return None;
    };
    flow.nodes()
        .find(|(id, _)| flow.key(*id) == key)
        .map(|(id, _)| id)
}

/// The rows to offer when `values` hold a trace or correlation id: the sign-in lines the
/// commands need, then the commands, for every shell. Empty when neither id is known.
pub fn commands(values: &Values) -> Vec<&'static Command> {
    let (Some(flow), Some(id)) = (flow(), leaf_for(values)) else {
        return Vec::new();
    };
    let node = flow.node(id);
    node.connect().iter().chain(node.commands()).collect()
}

/// The leaf that explains the fetch commands (cause and the two steps), for `values`.
pub fn explanation(values: &Values) -> Option<&'static crate::flow::Leaf> {
    let (flow, id) = (flow()?, leaf_for(values)?);
    match flow.node(id) {
        Node::Leaf(l) => Some(l),
        Node::Question(_) => None,
    }
}

/// Whether `shell` has a fetch command (every shell does, KQL included).
pub fn has_shell(shell: Shell) -> bool {
    flow().is_some_and(|f| f.has_shell(shell))
}

/// `values` with the ids of an error added under the names the commands use.
pub fn with_ids(values: &Values, trace_id: Option<&str>, correlation_id: Option<&str>) -> Values {
    let mut out = values.clone();
    for (name, v) in [(TRACE_ID, trace_id), (CORRELATION_ID, correlation_id)] {
        if let Some(v) = v.filter(|v| crate::flow::is_guid(v)) {
            out.insert(name.to_string(), v.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_shipped_file_loads_with_every_check() {
        if let Err(errors) = load::load_unlisted("assets/fetch-event.yaml", SRC) {
            panic!("{errors:#?}");
        }
        let flow = flow().expect("loads");
        for shell in Shell::ALL {
            assert!(has_shell(shell), "{shell}");
        }
        assert!(flow.codes.is_empty());
    }

    #[test]
    fn a_trace_id_gives_the_exact_event_for_each_shell() {
        let v = values(&[
            (TRACE_ID, "0d5e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a"),
            (CORRELATION_ID, "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"),
        ]);
        let rows = commands(&v);
        for shell in Shell::ALL {
            let cmd = rows
                .iter()
                .find(|c| c.shell == shell && !c.title.starts_with("Sign in"))
                .unwrap_or_else(|| panic!("no {shell} command"));
            let text = cmd.render(&v);
            assert!(
                text.contains("0d5e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a"),
                "{text}"
            );
            assert!(!text.contains("9a8b7c6d"), "{text}");
            assert!(!cmd.changes_state);
        }
        let az = rows
            .iter()
            .find(|c| c.shell == Shell::Az && c.template.text().starts_with("az rest"))
            .expect("az");
        for kind in [
            "interactiveUser",
            "nonInteractiveUser",
            "servicePrincipal",
            "managedIdentity",
        ] {
            assert!(az.template.text().contains(kind), "{kind}");
        }
        // The PowerShell tab says how to sign in, with the scope the query needs.
        assert!(rows.iter().any(|c| {
            c.shell == Shell::Powershell
                && c.template
                    .text()
                    .starts_with("Connect-MgGraph -Scopes AuditLog.Read.All")
        }));
    }

    #[test]
    fn a_correlation_id_alone_gives_the_attempts_events() {
        let v = values(&[(CORRELATION_ID, "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d")]);
        let kql = commands(&v)
            .into_iter()
            .find(|c| c.shell == Shell::Kql)
            .expect("kql");
        assert!(
            kql.render(&v)
                .contains("CorrelationId == '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d'")
        );
    }

    #[test]
    fn nothing_without_an_id_and_nothing_for_a_value_that_is_no_guid() {
        assert!(commands(&Values::new()).is_empty());
        assert!(commands(&values(&[(TRACE_ID, "x' or 1 eq 1")])).is_empty());
        let v = with_ids(&Values::new(), Some("not-a-guid"), None);
        assert!(v.is_empty());
    }
}
