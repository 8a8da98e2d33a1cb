//! `explain` against realistic error texts: every `tests/fixtures/explain/NAME.txt` is read and
//! compared with `NAME.expected.json`, which holds the exact JSON `explain FILE --json` prints.
//!
//! The samples are invented (GUIDs, tenants, apps, users), shaped like the real output of each
//! tool. The file name's prefix says which tool: `az-cli-`, `azps-` (Azure PowerShell),
//! `mggraph-`, `msal-net-`, `msal-python-`, `msal-node-`/`msal-browser-`, `msal-java-`/`java-`,
//! `adal-`, `token-endpoint-`, `terraform-`, `azdo-`, `gh-actions-`, `adf-`/`powerbi-`,
//! `browser-`, `signin-log-`, `messy-`, and `negative-` for texts with no AADSTS code.
//!
//! Choices the expectations encode:
//! - A request id (`x-ms-request-id`, `client-request-id`, `request-id`, a sign-in log's
//!   `Request ID`, Power BI's `requestId`) is never a trace or correlation id. The one
//!   exception is Microsoft's sign-in error page (`browser-signin-page-*`,
//!   `browser-cannot-access-*`): its `Request Id` is the value other formats call Trace ID, so
//!   it is read as the trace id there.
//! - The timestamp is the one Entra writes with the trace and correlation ids, never a log
//!   line's (`2024-09-18T06:02:14.2209003Z ##[error]...`, `"@timestamp"`, `"ts"`), nor dates
//!   inside the message (`The grant was issued on ...`). A sign-in log record's own date
//!   (`Date`, `createdDateTime`) is not read either: null.
//! - With several codes, the ids and the timestamp are those of the first code.
//! - `app_id` is the application the error names (`app '...'`, `Application with identifier`,
//!   `App id:`, `client-id:`, `-ApplicationId`, `-u`), never a resource (`to access '...'`), a
//!   user, or ARM's `The client '...' with object id` (an object id).
//! - `tenant` is the tenant GUID or domain the error or the command names (`tenant '...'`,
//!   `--tenant`, `-TenantId`, `tenant-id:`, `in the x directory`, `Resource tenant ID`), else
//!   the authority in a token URL; display names (`directory 'Woodgrove Bank'`) are not tenants.

use std::path::{Path, PathBuf};
use std::process::Command;

use aadsts_wizard::explain::{Explanation, explain};
use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/explain")
}

/// The same shape the CLI prints for `explain --json`.
fn to_json(e: &Explanation) -> Value {
    json!({
        "codes": e.codes.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "primary_code": e.primary_code.map(|c| c.to_string()),
        "error": e.error,
        "trace_id": e.trace_id,
        "correlation_id": e.correlation_id,
        "timestamp": e.timestamp,
        "app_id": e.app_id,
        "tenant": e.tenant,
    })
}

fn samples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("the fixture folder exists")
        .map(|e| e.expect("a readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    v.sort();
    v
}

fn expected_for(txt: &Path) -> Value {
    let path = txt.with_extension("expected.json");
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_lossy(p: &Path) -> String {
    let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One line per key that differs.
fn diff(expected: &Value, got: &Value) -> Vec<String> {
    let keys = [
        "codes",
        "primary_code",
        "error",
        "trace_id",
        "correlation_id",
        "timestamp",
        "app_id",
        "tenant",
    ];
    let mut out = Vec::new();
    if let Some(obj) = expected.as_object() {
        for k in obj.keys().filter(|k| !keys.contains(&k.as_str())) {
            out.push(format!("  unknown key {k:?} in the expected file"));
        }
    }
    for k in keys {
        let (e, g) = (&expected[k], &got[k]);
        if e != g {
            out.push(format!("  {k:<15} expected {e}\n  {:<15} got      {g}", ""));
        }
    }
    out
}

#[test]
fn every_sample_gives_its_expected_json() {
    let samples = samples();
    assert!(
        samples.len() >= 30,
        "only {} samples in {}",
        samples.len(),
        fixtures().display()
    );
    let mut failures = Vec::new();
    for txt in &samples {
        let got = to_json(&explain(&read_lossy(txt)));
        let expected = expected_for(txt);
        let d = diff(&expected, &got);
        if !d.is_empty() {
            let name = txt.file_stem().map(|s| s.to_string_lossy().into_owned());
            failures.push(format!("{}:\n{}", name.unwrap_or_default(), d.join("\n")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} samples differ:\n\n{}",
        failures.len(),
        samples.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_sample_has_an_expected_file_and_negatives_have_no_code() {
    let mut negatives = 0;
    for txt in samples() {
        let expected = expected_for(&txt);
        let name = txt
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let empty = expected["codes"].as_array().is_some_and(Vec::is_empty);
        if name.starts_with("negative-") {
            negatives += 1;
            assert!(empty, "{name}: a negative sample expects codes");
            assert!(expected["primary_code"].is_null(), "{name}");
        } else {
            assert!(!empty, "{name}: a positive sample expects no code");
        }
    }
    assert!(negatives >= 5, "only {negatives} negative samples");
}

fn run_json(file: &Path) -> (Option<i32>, Value, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"))
        .arg("explain")
        .arg(file)
        .arg("--json")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: stdout is not JSON ({e}): {}",
            file.display(),
            String::from_utf8_lossy(&o.stdout)
        )
    });
    (
        o.status.code(),
        v,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn the_binary_prints_the_same_json_and_exits_by_whether_a_code_was_found() {
    let dir = fixtures();
    for (name, code) in [
        ("msal-net-msalserviceexception", 0),
        ("adf-copy-activity-escaped", 0),
        ("browser-signin-page-50105", 0),
        ("messy-console-hard-wrap", 0),
        ("negative-sql-login-failed", 1),
        ("negative-graph-403", 1),
    ] {
        let txt = dir.join(format!("{name}.txt"));
        let (status, got, stderr) = run_json(&txt);
        assert_eq!(status, Some(code), "{name}: exit status; stderr: {stderr}");
        let expected = expected_for(&txt);
        let d = diff(&expected, &got);
        assert!(
            d.is_empty(),
            "{name}: the binary's JSON differs:\n{}",
            d.join("\n")
        );
        if code == 1 {
            assert!(
                stderr.contains("no AADSTS code"),
                "{name}: stderr {stderr:?}"
            );
        }
    }
}

/// A small deterministic generator, so the noise is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn a_ten_megabyte_log_with_one_code_near_the_end() {
    let mut rng = Lcg(7);
    let mut text = String::with_capacity(10_500_000);
    let mut n = 0u64;
    while text.len() < 10_000_000 {
        n += 1;
        let r = rng.next();
        // Noise that looks like the real thing but is not: log timestamps, request ids, HTTP
        // statuses, other error numbers, half labels.
        text.push_str(&format!(
            "2024-05-14T09:{:02}:{:02}.{:07}Z [info] request {:08x}-{:04x}-4{:03x}-8{:03x}-{:012x} status={} error code {} sign in took {}ms x-ms-request-id AADSTS Trace\n",
            (r % 60),
            (r / 60 % 60),
            r % 10_000_000,
            r & 0xffff_ffff,
            r >> 16 & 0xffff,
            r & 0xfff,
            r >> 4 & 0xfff,
            r & 0xffff_ffff_ffff,
            [200, 401, 403, 404, 500][(r % 5) as usize],
            r % 100_000,
            n % 997,
        ));
    }
    text.push_str(
        "ERROR: AADSTS7000222: The provided client secret keys for app '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b' are expired. Trace ID: 0d5e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a Correlation ID: 9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d Timestamp: 2024-05-14 09:12:33Z\n",
    );
    for _ in 0..1000 {
        text.push_str("2024-05-14T09:13:00.0000000Z [info] shutting down\n");
    }
    let e = explain(&text);
    assert_eq!(e.codes, vec![7000222]);
    assert_eq!(
        e.trace_id.as_deref(),
        Some("0d5e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a")
    );
    assert_eq!(e.timestamp.as_deref(), Some("2024-05-14 09:12:33Z"));
    assert_eq!(
        e.app_id.as_deref(),
        Some("3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b")
    );
}

#[test]
fn five_thousand_codes_keep_their_order() {
    let mut text = String::new();
    let mut want = Vec::new();
    for i in 0..5000u32 {
        // Distinct-ish: every code twice, in a scrambled order, some with separators.
        let code = 50_000 + (i * 7919) % 5000;
        want.push(code);
        text.push_str(&format!("AADSTS{code}: failed; "));
        if i % 3 == 0 {
            text.push_str(&format!("\"error_codes\":[{code}] "));
        }
    }
    for &code in want.iter().rev() {
        text.push_str(&format!("AADSTS-{code} again\n"));
    }
    let e = explain(&text);
    assert_eq!(e.codes.len(), 5000);
    assert_eq!(e.codes, want);
    assert_eq!(e.primary_code, Some(want[0]));
}

#[test]
fn arbitrary_bytes_never_panic() {
    const SPECIAL: &[u8] = b"\\\n\r%-\"'|";
    const HEX: &[u8] = b"0123456789abcdef";
    let mut rng = Lcg(42);
    for round in 0..200 {
        let len = (rng.next() % 4096) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                let r = rng.next();
                // Lean on the bytes the parser cares about.
                match r % 8 {
                    0 => SPECIAL[(r >> 8) as usize % SPECIAL.len()],
                    1 => HEX[(r >> 8) as usize % HEX.len()],
                    _ => (r >> 8) as u8,
                }
            })
            .collect();
        let _ = explain(&String::from_utf8_lossy(&bytes));
        // Fragments of real formats glued to binary noise.
        let mut mixed = bytes.clone();
        let piece: &[u8] = match round % 4 {
            0 => "AADSTS700\n0215 Trace ID: 0d5e1f2a-3b4c-".as_bytes(),
            1 => "\\\\\\\"error_codes\\\\\\\":[50012".as_bytes(),
            2 => "error_description=AADSTS50011%3a+%E2%94".as_bytes(),
            _ => "│\n│ 8f6a-7b8c9d0e1f2a’\u{1b}[".as_bytes(),
        };
        mixed.splice(len / 2..len / 2, piece.iter().copied());
        let _ = explain(&String::from_utf8_lossy(&mixed));
    }
    // Invalid UTF-8 turned into replacement characters next to everything that is sliced.
    let _ = explain(&String::from_utf8_lossy(
        b"\xff\\u00\xfe\n\xf0-\n\xe2\x94AADSTS\xc3\n12%\xe2",
    ));
}

#[test]
fn the_request_id_of_the_browser_page_fetches_its_sign_in_event() {
    let txt = fixtures().join("browser-signin-page-50105.txt");
    let (status, v, _) = run_json(&txt);
    assert_eq!(status, Some(0));
    let trace = v["trace_id"]
        .as_str()
        .expect("the Request Id is the trace id");
    let commands = v["fetch_event"]["commands"]
        .as_array()
        .expect("fetch commands");
    assert_eq!(commands.len(), 3);
    for c in commands {
        let text = c["command"].as_str().unwrap_or_default();
        assert!(text.contains(&format!("'{trace}'")), "{text}");
    }
}

/// The `Next:` line only names values the code's flow takes, so it runs as printed.
#[test]
fn the_next_line_runs_as_printed() {
    let mut checked = 0;
    for txt in samples() {
        let o = Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"))
            .arg("explain")
            .arg(&txt)
            .env("NO_COLOR", "1")
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .output()
            .expect("the binary runs");
        let out = String::from_utf8_lossy(&o.stdout);
        let Some(next) = out
            .lines()
            .find_map(|l| l.strip_prefix("Next: aadsts-wizard "))
        else {
            continue;
        };
        let args: Vec<&str> = next.split_whitespace().collect();
        let w = Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"))
            .arg("walk")
            .args(&args)
            .arg("--json")
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .output()
            .expect("the binary runs");
        assert_eq!(
            w.status.code(),
            Some(0),
            "{}: walk {next}: {}",
            txt.display(),
            String::from_utf8_lossy(&w.stderr)
        );
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} samples had a Next line");
}
