//! `walk --evidence`: sign-in events answer the questions they decide (issue 17). Fixtures in
//! tests/fixtures/evidence/ are written from Microsoft's published schema, not real data.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const DIR: &str = "tests/fixtures/evidence";

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn walk_json(code: Option<&str>, file: &str, answers: &[&str]) -> Value {
    let path = format!("{DIR}/{file}");
    let mut args: Vec<&str> = vec!["walk"];
    args.extend(code);
    args.extend(["--evidence", &path, "--json"]);
    for a in answers {
        args.extend(["--answer", a]);
    }
    let o = run(&args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("walk --json prints JSON")
}

/// `e` for an answer from the event, `a` for one from --answer, per step.
fn sources(v: &Value) -> String {
    v["path"]
        .as_array()
        .expect("path")
        .iter()
        .map(|s| match s["source"].as_str() {
            Some("evidence") => 'e',
            Some("answer") => 'a',
            other => panic!("source {other:?}"),
        })
        .collect()
}

/// Each fixture leads to the node its `when:` conditions intend.
#[test]
fn each_fixture_reaches_its_leaf() {
    let cases: &[(&str, &str, &[&str], &str, &str)] = &[
        // fixture, code, --answer values, node reached, sources
        (
            "sp-secret-expired.graph.json",
            "50012",
            &[],
            "newer-secret-exists",
            "ee",
        ),
        (
            "sp-secret-expired.graph.json",
            "50012",
            &["1"],
            "secret-expired",
            "eea",
        ),
        (
            "sp-secret-invalid.graph.json",
            "50012",
            &[],
            "secret-id-or-value",
            "ee",
        ),
        (
            "sp-cert-ca-failure.graph.json",
            "50012",
            &["2", "2"],
            "ca-block",
            "eaae",
        ),
        (
            "ca-location.graph.json",
            "53003",
            &[],
            "block-location",
            "e",
        ),
        ("ca-legacy.graph.json", "53003", &[], "block-legacy", "e"),
        (
            "ca-device-code.graph.json",
            "53003",
            &[],
            "block-device-code",
            "e",
        ),
        ("ca-risk.graph.json", "53003", &[], "risk-block", "e"),
        (
            "ca-guest.graph.json",
            "53003",
            &[],
            "guest-resource-tenant",
            "e",
        ),
        (
            "ca-not-compliant.graph.json",
            "53000",
            &[],
            "not-compliant",
            "ee",
        ),
        (
            "ca-not-hybrid.graph.json",
            "53001",
            &[],
            "not-hybrid-joined",
            "ee",
        ),
        ("ca-no-device.graph.json", "53000", &[], "registered-q", "e"),
        (
            "ca-security-defaults-risk.graph.json",
            "530032",
            &["2"],
            "risk-block",
            "ae",
        ),
        (
            "ca-security-defaults-no-risk.graph.json",
            "530032",
            &["2"],
            "policy-scope",
            "ae",
        ),
        (
            "mfa-ca-ropc.graph.json",
            "50076",
            &["2", "1"],
            "ropc-automation",
            "aeea",
        ),
        (
            "mfa-per-user.graph.json",
            "50076",
            &["2"],
            "tenant-wide-mfa",
            "ae",
        ),
        ("mfa-risk.graph.json", "50076", &["2"], "risk-mfa", "ae"),
        (
            "mfa-silent.graph.json",
            "50076",
            &["2"],
            "app-claims",
            "aee",
        ),
        (
            "mfa-interactive.graph.json",
            "50076",
            &["2"],
            "interactive-stop",
            "aee",
        ),
        (
            "mfa-federated.graph.json",
            "50079",
            &[],
            "federated-mfa-claim",
            "e",
        ),
        (
            "device-windows-chrome.graph.json",
            "50097",
            &["4"],
            "browser-no-device-sso",
            "eae",
        ),
        (
            "device-macos.graph.json",
            "50097",
            &[],
            "mobile-mac-broker",
            "e",
        ),
        (
            "device-code-flow.graph.json",
            "50097",
            &[],
            "no-device-context",
            "e",
        ),
        (
            "password-pta.graph.json",
            "50126",
            &["1"],
            "pta-validation",
            "ae",
        ),
        (
            "locked-smart-lockout.graph.json",
            "50053",
            &[],
            "q-where-from",
            "e",
        ),
        (
            "locked-malicious-ip.graph.json",
            "50053",
            &[],
            "malicious-ip",
            "e",
        ),
        (
            "consent-app-only.graph.json",
            "65001",
            &["1"],
            "admin-consent-required",
            "ae",
        ),
        (
            "consent-silent.graph.json",
            "65001",
            &["1"],
            "noninteractive-no-consent",
            "ae",
        ),
        (
            "fic-issuer-github-mi.graph.json",
            "700211",
            &[],
            "github-issuer",
            "e",
        ),
        (
            "fic-issuer-github-mi.graph.json",
            "70021",
            &["3"],
            "github-issuer",
            "aee",
        ),
        (
            "fic-subject-aks-mi.graph.json",
            "700213",
            &[],
            "k8s-subject",
            "e",
        ),
        (
            "fic-subject-app.graph.json",
            "70021",
            &["3"],
            "subject-platform",
            "ae",
        ),
        (
            "assertion-cert-signature.graph.json",
            "700027",
            &[],
            "cert-registered",
            "e",
        ),
        (
            "assertion-federated-signature.graph.json",
            "700027",
            &[],
            "federated-signature",
            "e",
        ),
        (
            "assertion-federated-expired.graph.json",
            "700024",
            &[],
            "federated-token-stale",
            "e",
        ),
        (
            "guest-90072-home-tenant.graph.json",
            "90072",
            &[],
            "q-account-shown",
            "e",
        ),
        (
            "guest-90072-federated-own.graph.json",
            "90072",
            &[],
            "immutableid-mismatch",
            "e",
        ),
        (
            "guest-ropc.graph.json",
            "50020",
            &[],
            "ropc-external-account",
            "e",
        ),
        ("eam-no-ca.graph.json", "50158", &[], "eam-outcome", "e"),
        ("session-sif.graph.json", "50133", &[], "sif-client", "e"),
        (
            "password-expired-phs.graph.json",
            "50055",
            &[],
            "phs-cloud-policy",
            "ee",
        ),
        (
            "password-expired-onprem-ropc.graph.json",
            "50144",
            &[],
            "service-account-expired",
            "e",
        ),
        (
            "password-expired-onprem-ropc.graph.json",
            "50055",
            &[],
            "service-account-expired",
            "eee",
        ),
        (
            "password-expired-cloud-browser.graph.json",
            "50055",
            &["1"],
            "cloud-expired",
            "ae",
        ),
        ("sso-81012-alias.graph.json", "81012", &[], "upn-alias", "e"),
    ];
    for (file, code, answers, node, src) in cases {
        let v = walk_json(Some(code), file, answers);
        assert_eq!(v["node"]["id"], *node, "{file} {answers:?}");
        assert_eq!(sources(&v), *src, "{file} {answers:?}");
        for step in v["path"].as_array().into_iter().flatten() {
            if step["source"] == "evidence" {
                let r = step["reason"].as_str().unwrap_or_default();
                assert!(r.starts_with("from the sign-in log: "), "{file}: {r}");
            }
        }
        // At a question, the JSON says why the event did not decide it.
        if v["node"]["kind"] == "question" {
            assert!(
                v["evidence"]["stopped"]
                    .as_str()
                    .is_some_and(|s| !s.is_empty()),
                "{file}"
            );
        } else {
            assert!(v["evidence"]["stopped"].is_null(), "{file}");
        }
    }
}

/// The issue's "done when": a service-principal event with clientSecret and 7000222 answers
/// which credential and whether it expired, stops at whether a newer secret exists.
#[test]
fn secret_event_answers_credential_and_expiry_then_stops() {
    let v = walk_json(Some("50012"), "sp-secret-expired.graph.json", &[]);
    let path = v["path"].as_array().expect("path");
    assert_eq!(path.len(), 2);
    assert_eq!(
        path[0]["reason"],
        "from the sign-in log: clientCredentialType = clientSecret"
    );
    assert_eq!(
        path[1]["reason"],
        "from the sign-in log: status.errorCode = 7000222"
    );
    assert_eq!(v["node"]["id"], "newer-secret-exists");
    let ev = &v["evidence"];
    assert_eq!(ev["trace_id"], "a1b2c3d4-0000-4a1b-9c2d-0123456789ab");
    assert_eq!(ev["correlation_id"], "bbbb1111-cc22-3333-44dd-555555eeeeee");
    assert_eq!(
        ev["values"]["app-id"],
        "00001111-aaaa-2222-bbbb-3333cccc4444"
    );
    assert_eq!(
        ev["values"]["tenant-id"],
        "aaaabbbb-0000-cccc-1111-dddd2222eeee"
    );
    // The values reach the commands.
    let checks = v["node"]["checks"].to_string();
    assert!(
        checks.contains("00001111-aaaa-2222-bbbb-3333cccc4444"),
        "{checks}"
    );
}

/// The same event as Graph JSON, PowerShell JSON, portal CSV and Log Analytics JSON and CSV
/// gives the same walk, the same reasons and the same values.
#[test]
fn every_shape_gives_the_same_walk() {
    let shape = |file: &str| {
        let v = walk_json(Some("50012"), file, &[]);
        (
            v["path"].clone(),
            v["node"]["id"].clone(),
            v["evidence"]["values"].clone(),
            v["evidence"]["trace_id"].clone(),
        )
    };
    let graph = shape("sp-secret-expired.graph.json");
    for file in [
        "sp-secret-expired.powershell.json",
        "sp-secret-expired.portal.csv",
        "sp-secret-expired.loganalytics.json",
        "sp-secret-expired.loganalytics.csv",
    ] {
        assert_eq!(shape(file), graph, "{file}");
    }
}

#[test]
fn the_event_picks_the_code_and_fills_values_a_flow_cannot_use() {
    // No code: the event's 7000222 opens the 50012 flow at its 7000222 entry.
    let v = walk_json(None, "sp-secret-expired.graph.json", &[]);
    assert_eq!(v["code"], "7000222");
    assert_eq!(v["node"]["id"], "newer-secret-exists");
    // A flow none of whose questions the event decides still gets its values.
    let v = walk_json(Some("50105"), "sp-secret-expired.graph.json", &[]);
    assert!(v["path"].as_array().is_some_and(Vec::is_empty));
    assert_eq!(
        v["evidence"]["values"]["app-id"],
        "00001111-aaaa-2222-bbbb-3333cccc4444"
    );
}

#[test]
fn evidence_from_stdin_and_markdown_notes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"))
        .args(["walk", "50012", "--evidence", "-", "--markdown"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let text =
        std::fs::read(format!("{DIR}/sp-secret-expired.loganalytics.json")).expect("fixture");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&text)
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(
        md.contains("**A client secret (a password-like string)** (from the sign-in log: clientCredentialType = clientSecret)"),
        "{md}"
    );
    assert!(
        md.contains("- Trace ID: `a1b2c3d4-0000-4a1b-9c2d-0123456789ab`"),
        "{md}"
    );
}

/// Bad evidence: one clear line and exit 2, or a partial read with a warning; never a panic.
#[test]
fn bad_evidence_gives_one_line_errors_or_warnings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, body: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).expect("write");
        p.to_string_lossy().into_owned()
    };
    let graph =
        std::fs::read_to_string(format!("{DIR}/sp-secret-expired.graph.json")).expect("fixture");
    let failing: Vec<(String, &str)> = vec![
        (
            write("garbage.bin", b"\x00\x01\x02 not an event \xff\xfe"),
            "CSV: no column is a sign-in field",
        ),
        (
            write("truncated.json", &graph.as_bytes()[..graph.len() / 2]),
            "truncated JSON",
        ),
        (write("empty.json", b""), "empty input"),
        (
            write("other.json", br#"{"name": "not a sign-in", "size": 3}"#),
            "not a sign-in event",
        ),
        (
            format!("{}/does-not-exist.json", dir.path().display()),
            "--evidence",
        ),
    ];
    for (path, want) in &failing {
        let o = run(&["walk", "50012", "--evidence", path]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{path}: {err}");
        assert!(err.contains(want), "{path}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{path}: {err}");
    }

    // Unknown columns: read what is known, name the rest in a warning.
    let csv = write(
        "unknown.csv",
        b"Request ID,Sign-in error code,Client credential type,Application ID,Favourite colour\nr1,7000222,clientSecret,00001111-aaaa-2222-bbbb-3333cccc4444,blue\n",
    );
    let o = run(&["walk", "50012", "--evidence", &csv, "--json"]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("warning: ignored 1 columns this tool does not know: 'Favourite colour'"),
        "{err}"
    );
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["node"]["id"], "newer-secret-exists");

    // 100 MB: only the first 16 MB are read (bounded), the rest is reported.
    let big = dir.path().join("big.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).expect("create"));
        f.write_all(b"Request ID,Correlation ID,Sign-in error code,Client credential type\n")
            .expect("write");
        let row = b"a1b2c3d4-0000-4a1b-9c2d-0123456789ab,bbbb1111-cc22-3333-44dd-555555eeeeee,7000222,clientSecret\n";
        let mut n = 0;
        while n < 100 * 1024 * 1024 {
            f.write_all(row).expect("write");
            n += row.len();
        }
    }
    let o = run(&[
        "walk",
        "50012",
        "--evidence",
        &big.to_string_lossy(),
        "--json",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("only the first 16 MB were read"), "{err}");
    assert!(err.contains("kept the first 10000"), "{err}");
    // A 100 MB single JSON value cannot be cut into events: a clear error.
    let big_json = dir.path().join("big.json");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big_json).expect("create"));
        f.write_all(b"{\"id\": \"").expect("write");
        for _ in 0..(100 * 1024) {
            f.write_all(&[b'x'; 1024]).expect("write");
        }
        f.write_all(b"\"}").expect("write");
    }
    let o = run(&["walk", "50012", "--evidence", &big_json.to_string_lossy()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("truncated JSON"), "{err}");
}
