//! `walk`, `flows list|show|validate` through the real binary, on a fixture flow so the tests do
//! not depend on the shipped content.

use std::process::{Command, Output};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/flows");
const INVALID: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/invalid_flows");
const GUID: &str = "11111111-2222-3333-4444-555555555555";

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"))
        .args(["--flows", FIXTURES])
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env_remove("AADSTS_WIZARD_FLOWS")
        .output()
        .expect("the binary runs")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

/// Run, expect success, and parse stdout as JSON.
fn ok_json(args: &[&str]) -> serde_json::Value {
    let o = run(args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    json(&o)
}

#[test]
fn walk_to_a_leaf_renders_commands_with_values() {
    let var = format!("app-id={GUID}");
    let v = ok_json(&["walk", "7000222", "--answer", "1", "--var", &var, "--json"]);
    assert_eq!(v["code"], "7000222");
    assert_eq!(v["path"][0]["answer"], "No, every secret has expired");
    assert!(
        v["path"][0]["question"]
            .as_str()
            .is_some_and(|q| q.contains("secret"))
    );
    let node = &v["node"];
    assert_eq!(node["kind"], "leaf");
    for key in [
        "cause",
        "explanation",
        "fix",
        "commands",
        "related",
        "links",
    ] {
        assert!(node.get(key).is_some(), "leaf JSON lacks {key}");
    }
    let cmds = node["commands"].as_array().expect("commands array");
    assert!(
        cmds.iter()
            .any(|c| c["shell"] == "az" && c["changes_state"] == true)
    );
    for c in cmds {
        let text = c["command"].as_str().unwrap_or_default();
        assert!(text.contains(GUID) && !text.contains("<app-id>"), "{text}");
        for key in ["title", "shell", "changes_state", "command"] {
            assert!(c.get(key).is_some());
        }
    }
}

#[test]
fn walk_without_answers_shows_the_question() {
    let o = run(&["walk", "AADSTS7000222", "--json"]);
    let v = json(&o);
    assert_eq!(v["node"]["kind"], "question");
    assert_eq!(v["node"]["answers"].as_array().map(Vec::len), Some(2));
    assert!(
        v["node"]["checks"][0]["command"]
            .as_str()
            .is_some_and(|c| c.contains("<app-id>"))
    );
    assert_eq!(v["path"].as_array().map(Vec::len), Some(0));
}

#[test]
fn walk_shell_filter_keeps_one_shell() {
    let o = run(&[
        "walk",
        "7000222",
        "-a",
        "1",
        "--shell",
        "powershell",
        "--json",
    ]);
    let v = json(&o);
    let cmds = v["node"]["commands"].as_array().expect("commands");
    assert!(!cmds.is_empty() && cmds.iter().all(|c| c["shell"] == "powershell"));
}

#[test]
fn out_of_range_answer_exits_2_listing_answers() {
    let o = run(&["walk", "7000222", "--answer", "3"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("choose 1 to 2") && err.contains("1. No, every secret has expired"),
        "{err}"
    );
}

#[test]
fn bad_value_for_its_kind_exits_2() {
    let o = run(&["walk", "7000222", "--var", "app-id=hello"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a GUID"));
    let o = run(&["walk", "7000222", "--var", "nope=1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("names: app-id"));
}

#[test]
fn markdown_notes_have_path_cause_and_commands() {
    let var = format!("app-id={GUID}");
    let o = run(&["walk", "7000222", "-a", "1", "--var", &var, "--markdown"]);
    assert_eq!(o.status.code(), Some(0));
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(
        md.starts_with("# AADSTS7000222 InvalidClientSecretExpiredKeysProvided"),
        "{md}"
    );
    assert!(md.contains("## Diagnosis") && md.contains("**No, every secret has expired**"));
    assert!(md.contains("## Cause") && md.contains("## Fix") && md.contains("```bash"));
    assert!(md.contains("(changes state)") && md.contains(GUID));
}

#[test]
fn user_flow_is_listed_with_its_file() {
    let o = run(&["flows", "list", "--json"]);
    let v = json(&o);
    let row = v
        .as_array()
        .and_then(|a| a.iter().find(|r| r["code"] == "7000222"))
        .cloned()
        .expect("7000222 listed");
    assert_eq!(row["origin"], "user");
    assert!(
        row["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("7000222-example.yaml"))
    );
}

#[test]
fn flows_show_prints_the_whole_tree() {
    let v = json(&run(&["flows", "show", "7000222", "--json"]));
    assert_eq!(v["start"], "secret-known");
    assert_eq!(v["nodes"].as_array().map(Vec::len), Some(3));
}

#[test]
fn validate_reports_positions_and_exits_1() {
    let o = run(&["flows", "validate", &format!("{INVALID}/unknown-next.yaml")]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("unknown-next.yaml:17:9: answer 'No' of 'ask' points to unknown node 'othr'"),
        "{out}"
    );
}

#[test]
fn validate_good_file_exits_0_with_summary() {
    let o = run(&["flows", "validate", FIXTURES]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("1 flow file(s) OK"));
}

#[test]
fn a_bad_user_flow_does_not_take_down_the_others() {
    let o = Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"))
        .args([
            "--flows",
            FIXTURES,
            "--flows",
            &format!("{INVALID}/cycle.yaml"),
            "walk",
            "7000222",
            "--json",
        ])
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    // User flows are parsed when used: walking 7000222 never opens cycle.yaml (its head names
    // another code), and `flows list` reports it.
    let o = Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"))
        .args([
            "--flows",
            FIXTURES,
            "--flows",
            &format!("{INVALID}/cycle.yaml"),
            "flows",
            "list",
        ])
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cycle.yaml:"));
}

#[test]
fn env_var_path_list_is_read() {
    let o = Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"))
        .args(["flows", "list"])
        .env(
            "AADSTS_WIZARD_FLOWS",
            format!("/nonexistent-dir:{FIXTURES}"),
        )
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .expect("runs");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("7000222-example.yaml"), "{out}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent-dir"));
}

/// The flows issue's acceptance: on the shipped flows, the first answers for 50012 reach a leaf
/// whose commands carry the app id. (Three since issue 17 split "has the secret expired?" from
/// "does a newer one exist?", so a sign-in event can answer the first of them.)
#[test]
fn shipped_50012_first_answers_reach_a_rendered_leaf() {
    let var = format!("app-id={GUID}");
    let o = Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"))
        .args([
            "walk", "50012", "--answer", "1", "--answer", "1", "--answer", "1", "--var", &var,
            "--json",
        ])
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env_remove("AADSTS_WIZARD_FLOWS")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert_eq!(v["node"]["kind"], "leaf");
    let cmds = v["node"]["commands"].as_array().expect("commands");
    assert!(
        cmds.iter()
            .any(|c| c["shell"] == "az" && c["command"].as_str().is_some_and(|t| t.contains(GUID)))
    );
    assert!(cmds.iter().any(|c| c["shell"] == "powershell"));
}

#[test]
fn known_ids_offer_the_commands_that_fetch_the_sign_in_event() {
    let trace = "0d5e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
    let var = format!("trace-id={trace}");
    let v = ok_json(&["walk", "7000222", "--var", &var, "--json"]);
    let fetch = &v["fetch_event"];
    let commands = fetch["commands"].as_array().expect("commands");
    let shells: Vec<&str> = commands
        .iter()
        .filter_map(|c| c["shell"].as_str())
        .collect();
    assert_eq!(shells, ["az", "powershell", "kql"]);
    for c in commands {
        let text = c["command"].as_str().unwrap_or_default();
        assert!(text.contains(trace), "{text}");
        assert_eq!(c["changes_state"], false);
    }
    assert!(
        fetch["connect"]
            .as_array()
            .expect("connect")
            .iter()
            .any(|c| c["command"] == "Connect-MgGraph -Scopes AuditLog.Read.All -NoWelcome"),
        "{fetch}"
    );
    // Text: the fetch commands come first, then the flow.
    let o = run(&["walk", "7000222", "--var", &var, "--shell", "kql"]);
    let text = String::from_utf8_lossy(&o.stdout);
    let fetch_at = text
        .find(&format!("where Id == '{trace}'"))
        .expect("kql fetch");
    let flow_at = text.find("AADSTS7000222").expect("the flow");
    assert!(fetch_at < flow_at, "{text}");
    assert!(
        !text.contains("az rest"),
        "--shell kql shows KQL only: {text}"
    );
    // No id, no fetch commands.
    let v = json(&run(&["walk", "7000222", "--json"]));
    assert!(v.get("fetch_event").is_none(), "{v}");
    // A value that is no GUID is refused like any other --var.
    let o = run(&["walk", "7000222", "--var", "trace-id=x' or 1 eq 1"]);
    assert_eq!(o.status.code(), Some(2));
}
