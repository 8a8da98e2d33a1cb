//! The real binary: output, JSON shapes and exit codes.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn lookup_json_has_the_documented_shape() {
    let o = run(&["lookup", "AADSTS50012", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let obj = v.as_object().expect("an object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "category",
            "code",
            "evidence",
            "expected",
            "former_name",
            "has_flow",
            "keywords",
            "lookup_url",
            "name",
            "related",
            "source",
            "summary",
            "transient",
            "who_fixes"
        ]
    );
    assert_eq!(v["source"], "microsoft");
    assert_eq!(v["expected"], false);
    assert_eq!(v["code"], "50012");
    assert_eq!(v["name"], "AuthenticationFailed");
    assert_eq!(v["category"], "credentials");
    assert_eq!(
        v["lookup_url"],
        "https://login.microsoftonline.com/error?code=50012"
    );
    assert!(v["transient"].is_boolean() && v["has_flow"].is_boolean());
    assert!(
        v["related"]
            .as_array()
            .is_some_and(|a| a.iter().any(|c| c == "7000215"))
    );
}

#[test]
fn lookup_without_name_gives_null() {
    let o = run(&["lookup", "7000215", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert!(v["name"].is_null());
}

#[test]
fn lookup_text_shows_name_summary_and_link() {
    let o = run(&["lookup", "aadsts 53003"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.starts_with("AADSTS53003  BlockedByConditionalAccess"),
        "{out}"
    );
    assert!(
        out.contains("https://login.microsoftonline.com/error?code=53003"),
        "{out}"
    );
}

#[test]
fn unknown_code_exits_1_with_suggestions() {
    let o = run(&["lookup", "50216"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("unknown code 'AADSTS50216'"), "{err}");
    assert!(err.contains("did you mean: AADSTS50126"), "{err}");
    assert!(stdout(&o).is_empty());
}

#[test]
fn malformed_code_exits_1() {
    let o = run(&["lookup", "hello"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not an AADSTS code"), "{}", stderr(&o));
}

#[test]
fn search_finds_symptoms_and_json_is_ranked() {
    let o = run(&["search", "expired", "secret", "--json", "--limit", "5"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let hits = v.as_array().expect("an array");
    assert!(!hits.is_empty() && hits.len() <= 5);
    let codes: Vec<&str> = hits.iter().filter_map(|h| h["code"].as_str()).collect();
    assert!(
        codes.contains(&"7000222") && codes.contains(&"50012"),
        "{codes:?}"
    );
    for h in hits {
        for key in ["code", "name", "summary", "score"] {
            assert!(h.get(key).is_some(), "missing {key} in {h}");
        }
    }
}

#[test]
fn search_by_number_puts_exact_first() {
    let o = run(&["search", "AADSTS50012", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v[0]["code"], "50012");
    let o = run(&["search", "5001"]);
    let first = stdout(&o).lines().next().unwrap_or_default().to_string();
    assert!(first.starts_with("AADSTS50010 "), "{first}");
}

#[test]
fn search_with_nothing_found_exits_1() {
    let o = run(&["search", "qqqqzzzzxxxx"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no code matches"), "{}", stderr(&o));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["lookup"][..],
        &["search"],
        &["--bogus"],
        &["lookup", "1", "--nope"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains("Usage"), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn help_and_version() {
    for sub in ["lookup", "search"] {
        let o = run(&[sub, "--help"]);
        assert_eq!(o.status.code(), Some(0));
        assert!(stdout(&o).contains("Usage"));
    }
    let o = run(&["--version"]);
    assert!(stdout(&o).starts_with("aadsts-wizard "));
}

#[test]
fn no_terminal_and_no_subcommand_gives_hint_and_exit_2() {
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("try: aadsts-wizard lookup"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn wizard_checks_var_like_walk() {
    for (args, want) in [
        (
            vec!["7000222", "--var", "app-id=hello"],
            "--var app-id: 'hello' is not a GUID",
        ),
        (
            vec!["--var", "appid=x"],
            "unknown name 'appid', did you mean 'app-id'?",
        ),
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"))
            .args(&args)
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(err.contains("names: ") && err.contains("app-id"), "{err}");
    }
}

/// `--help` and the man page list the same keys, the ones the wizard's help shows.
#[test]
fn help_and_man_list_the_wizard_keys() {
    // Lines may wrap; compare with runs of white space as one space.
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let help = squash(&stdout(&run(&["--help"])));
    // roff escapes '-' as '\-' and ' as '\*(Aq'; compare without the escapes.
    let man = squash(
        &stdout(&run(&["man"]))
            .replace("\\-", "-")
            .replace("\\*(Aq", "'"),
    );
    for k in aadsts_wizard::tui::keys::KEYS {
        let what = squash(k.what);
        assert!(help.contains(&what), "--help lacks {:?}", k.keys);
        assert!(man.contains(&what), "man lacks {:?}: {}", k.keys, k.what);
    }
}

/// A file name that is not UTF-8 is opened as it is (and shown with U+FFFD in messages).
#[cfg(unix)]
#[test]
fn explain_opens_a_file_whose_name_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let name = std::ffi::OsStr::from_bytes(b"error-\xff.txt");
    let path = dir.path().join(name);
    std::fs::write(&path, "AADSTS50126: Error validating credentials\n").expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"))
        .arg("explain")
        .arg(&path)
        .arg("--json")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("\"50126\""), "{}", stdout(&o));
    let missing = dir.path().join(std::ffi::OsStr::from_bytes(b"gone-\xff"));
    let o = Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"))
        .arg("explain")
        .arg(&missing)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("gone-\u{fffd}"), "{}", stderr(&o));
}
