//! `signins` on generated exports with known counts: every grouping, every input shape, the
//! same numbers. The counts are computed here, while generating, independently of the tool.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

const CODES: [u32; 7] = [50126, 53003, 7000222, 50140, 50076, 0, 700016];
const APPS: [&str; 5] = ["Outlook", "Teams", "Azure Portal", "Payroll", "Azure CLI"];
const RESOURCES: [&str; 3] = [
    "Microsoft Graph",
    "Exchange Online",
    "Azure Service Management",
];
const POLICIES: [&str; 2] = ["Require MFA", "Require compliant device"];
const BY: [&str; 6] = ["code", "app", "user", "ip", "resource", "policy"];
/// 50140 is `expected: true` in the catalog (the "Keep me signed in" interrupt).
const EXPECTED: u32 = 50140;
const N: usize = 3000;

type Counts = BTreeMap<String, BTreeMap<String, u64>>;

/// The events (Graph beta signIn shape) and, per grouping, the failures per key: all of them
/// and without the expected code.
fn generate() -> (Vec<Value>, Counts, Counts) {
    let mut events = Vec::new();
    let (mut all, mut unexpected) = (Counts::new(), Counts::new());
    for i in 0..N {
        let code = CODES[i % CODES.len()];
        let user = format!("u{}@contoso.example", i % 13);
        let app = APPS[i % APPS.len()];
        let ip = format!("10.0.{}.{}", i % 3, i % 11);
        let resource = RESOURCES[i % RESOURCES.len()];
        let failed = (code == 53003).then(|| POLICIES[(i / 7) % 2]);
        let secs = 1_714_521_600 + i as i64 * 37; // from 2024-05-01T00:00:00Z, every 37 s
        let (d, rem) = (secs / 86_400 - 19_844, secs % 86_400);
        let time = format!(
            "2024-05-{:02}T{:02}:{:02}:{:02}Z",
            d + 1,
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        );
        let policies: Vec<Value> = POLICIES
            .iter()
            .map(|p| {
                json!({"id": format!("id-{p}"), "displayName": p,
                       "result": if Some(*p) == failed { "failure" } else { "success" }})
            })
            .collect();
        events.push(json!({
            "id": format!("req-{i}"),
            "createdDateTime": time,
            "userPrincipalName": user,
            "userId": format!("uid-{}", i % 13),
            "appDisplayName": app,
            "appId": format!("app-{}", i % APPS.len()),
            "ipAddress": ip,
            "clientAppUsed": "Browser",
            "resourceDisplayName": resource,
            "resourceId": format!("res-{}", i % RESOURCES.len()),
            "location": {"city": "Oslo", "state": "Oslo", "countryOrRegion": "NO"},
            "status": {"errorCode": code, "failureReason": "made up"},
            "appliedConditionalAccessPolicies": policies,
            "conditionalAccessStatus": if failed.is_some() { "failure" } else { "success" },
            "deviceDetail": {"operatingSystem": "Windows10", "browser": "Edge"},
        }));
        if code == 0 {
            continue;
        }
        let keys = [
            ("code", vec![code.to_string()]),
            ("app", vec![app.to_string()]),
            ("user", vec![user.clone()]),
            ("ip", vec![ip.clone()]),
            ("resource", vec![resource.to_string()]),
            (
                "policy",
                vec![failed.unwrap_or("(no failed policy)").to_string()],
            ),
        ];
        for (by, ks) in keys {
            for k in ks {
                *all.entry(by.into())
                    .or_default()
                    .entry(k.clone())
                    .or_default() += 1;
                if code != EXPECTED {
                    *unexpected
                        .entry(by.into())
                        .or_default()
                        .entry(k)
                        .or_default() += 1;
                }
            }
        }
    }
    (events, all, unexpected)
}

fn run(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"));
    cmd.args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("XDG_STATE_HOME", "/nonexistent")
        .env_remove("AADSTS_WIZARD_FLOWS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the binary runs");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(bytes) = stdin {
        input.write_all(bytes).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("the binary ends")
}

/// Key → count of each row, from `--json` output.
fn rows(o: &Output) -> BTreeMap<String, u64> {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["key"].as_str().expect("key").to_string(),
                r["count"].as_u64().expect("count"),
            )
        })
        .collect()
}

/// Every grouping, with and without --include-expected, on these files.
fn check_all(files: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)], what: &str) {
    let (_, all, unexpected) = generate();
    for by in BY {
        for (flag, want) in [(true, &all), (false, &unexpected)] {
            let mut args = vec!["signins", "--json", "--by", by];
            if flag {
                args.push("--include-expected");
            }
            args.extend(files);
            let got = rows(&run(&args, stdin, env));
            assert_eq!(
                &got, &want[by],
                "{what}: --by {by}, include-expected {flag}"
            );
        }
    }
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    path.to_string_lossy().into_owned()
}

fn json_lines(events: &[Value]) -> String {
    events.iter().map(|e| format!("{e}\n")).collect()
}

#[test]
fn graph_json_lines_give_the_known_counts_for_every_grouping() {
    let (events, _, _) = generate();
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(&dir, "s.jsonl", json_lines(&events).as_bytes());
    check_all(&[&f], None, &[], "JSON lines");
}

#[test]
fn a_large_file_read_in_parallel_parts_gives_the_same_counts() {
    let (events, _, _) = generate();
    let dir = tempfile::tempdir().expect("tempdir");
    // A malformed line in the second half: its line number survives the split.
    let mut text = json_lines(&events);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(2500, "{\"broken");
    text = lines.join("\n");
    let f = write(&dir, "s.jsonl", text.as_bytes());
    let env = [("AADSTS_WIZARD_SPLIT_BYTES", "1000")];
    check_all(&[&f], None, &env, "JSON lines in parts");
    let o = run(&["signins", "--json", &f], None, &env);
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["stats"]["malformed"], 1);
    assert_eq!(v["stats"]["malformed_at"][0], format!("{f}:2501"));
}

#[test]
fn a_damaged_stretch_as_long_as_a_part_is_counted_as_a_sequential_read_counts_it() {
    // 1,500 long junk lines (a string never closed) in the middle: over half of the file, so
    // parts read in parallel start in it and some hold nothing else; the parts after the first
    // must not take the file for "not an export" (they did: the file was refused).
    let (events, _, _) = generate();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut lines: Vec<String> = json_lines(&events).lines().map(str::to_string).collect();
    let long = "x".repeat(2000);
    let junk: Vec<String> = (0..1500)
        .map(|i| format!("{{\"broken\": \"{i}{long}"))
        .collect();
    lines.splice(1500..1500, junk);
    let f = write(&dir, "s.jsonl", lines.join("\n").as_bytes());
    let whole = run(&["signins", "--json", "--by", "user", &f], None, &[]);
    let parts = run(
        &["signins", "--json", "--by", "user", &f],
        None,
        &[("AADSTS_WIZARD_SPLIT_BYTES", "1000")],
    );
    assert!(
        whole.status.success(),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&parts.stdout),
        String::from_utf8_lossy(&whole.stdout)
    );
    let v: Value = serde_json::from_slice(&parts.stdout).expect("JSON");
    assert_eq!(v["stats"]["events"], N);
    assert_eq!(v["stats"]["malformed"], 1500);
    assert_eq!(v["stats"]["malformed_at"][0], format!("{f}:1501"));
}

#[test]
fn graph_arrays_pages_gzip_stdin_and_several_files_give_the_same_counts() {
    let (events, _, _) = generate();
    let dir = tempfile::tempdir().expect("tempdir");
    let array = write(
        &dir,
        "array.json",
        serde_json::to_string_pretty(&events)
            .expect("json")
            .as_bytes(),
    );
    check_all(&[&array], None, &[], "pretty JSON array");
    // Graph pages as `az rest` prints them, one after another in one file.
    let pages: String = events
        .chunks(1000)
        .map(|c| {
            serde_json::to_string_pretty(&json!({
                "@odata.context": "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns",
                "value": c,
                "@odata.nextLink": "https://graph.microsoft.com/beta/auditLogs/signIns?$skiptoken=x"
            }))
            .expect("json")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let paged = write(&dir, "pages.json", pages.as_bytes());
    check_all(&[&paged], None, &[], "Graph pages");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(json_lines(&events).as_bytes()).expect("gzip");
    let gz = write(&dir, "s.jsonl.gz", &gz.finish().expect("gzip"));
    check_all(&[&gz], None, &[], "gzip");
    let text = json_lines(&events);
    check_all(&["-"], Some(text.as_bytes()), &[], "stdin");
    let (a, b) = events.split_at(1234);
    let fa = write(&dir, "a.jsonl", json_lines(a).as_bytes());
    let fb = write(
        &dir,
        "b.json",
        serde_json::to_string(&b).expect("json").as_bytes(),
    );
    check_all(&[&fa, &fb], None, &[], "two files");
}

#[test]
fn time_bounds_count_only_their_window() {
    let (events, _, _) = generate();
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(&dir, "s.jsonl", json_lines(&events).as_bytes());
    // Events 0..N are 37 s apart from 2024-05-01T00:00:00Z; [10:00, 11:00] holds i in 973..=1070.
    let want = (973..=1070).filter(|i| CODES[i % CODES.len()] != 0).count() as u64;
    let o = run(
        &[
            "signins",
            "--json",
            "--include-expected",
            "--since",
            "2024-05-01T10:00:00Z",
            "--until",
            "2024-05-01T11:00:00Z",
            &f,
        ],
        None,
        &[],
    );
    let total: u64 = rows(&o).values().sum();
    assert_eq!(total, want);
}

#[test]
fn bad_input_is_reported_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junk = write(&dir, "notes.txt", b"hello\nthis is not an export\n");
    let (events, all, _) = generate();
    let good = write(&dir, "s.jsonl", json_lines(&events).as_bytes());
    let o = run(
        &["signins", "--json", "--include-expected", &junk, &good],
        None,
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(
            "notes.txt: not a sign-in export; expected a sign-in log export: Graph signIn JSON"
        ),
        "{err}"
    );
    // The good file is still summarised.
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["stats"]["failures"], all["code"].values().sum::<u64>());
    let o = run(&["signins", "--since", "last tuesday", &good], None, &[]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["signins", "--by", "tenant", &good], None, &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn text_and_csv_show_the_top_rows() {
    let (events, _, unexpected) = generate();
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(&dir, "s.jsonl", json_lines(&events).as_bytes());
    let o = run(&["signins", &f], None, &[]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("AADSTS50126"), "{text}");
    let expected = (0..N)
        .filter(|i| CODES[i % CODES.len()] == EXPECTED)
        .count();
    assert!(text.contains(&format!("{expected} expected")), "{text}");
    assert!(!text.contains("AADSTS50140"), "{text}");
    let o = run(&["signins", "--csv", "--by", "app", &f], None, &[]);
    let csv = String::from_utf8_lossy(&o.stdout);
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .expect("header")
            .starts_with("app,name,count,users")
    );
    assert_eq!(lines.count(), unexpected["app"].len());
}

#[test]
fn kql_names_every_table_and_the_filters() {
    let o = run(
        &["signins", "--kql", "--by", "user", "--since", "2h"],
        None,
        &[],
    );
    assert_eq!(o.status.code(), Some(0));
    let q = String::from_utf8_lossy(&o.stdout);
    for t in [
        "SigninLogs",
        "AADNonInteractiveUserSignInLogs",
        "AADServicePrincipalSignInLogs",
        "AADManagedIdentitySignInLogs",
    ] {
        assert!(q.contains(t), "{t}");
    }
    assert!(q.contains("TimeGenerated >= ago(2h)"));
    assert!(q.contains("\"50140\""), "expected codes are listed");
}

/// Keys with their first letter upper-cased at every depth, dates as `/Date(ms)/`: what
/// `Get-MgBetaAuditLogSignIn | ConvertTo-Json` prints.
fn powershell(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let mut key: Vec<char> = k.chars().collect();
                    key[0] = key[0].to_ascii_uppercase();
                    let value = if k == "createdDateTime" {
                        let secs = time_secs(v.as_str().expect("time"));
                        Value::String(format!("/Date({}000)/", secs))
                    } else {
                        powershell(v)
                    };
                    (key.into_iter().collect(), value)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(powershell).collect()),
        other => other.clone(),
    }
}

/// Unix seconds of the generator's `2024-05-DDTHH:MM:SSZ`.
fn time_secs(t: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| t[r].parse::<i64>().expect("digits");
    1_714_521_600 + (n(8..10) - 1) * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}

/// A Log Analytics `SigninLogs` row (columns from the Azure Monitor table reference), dynamic
/// columns as JSON text as exports write them.
fn log_analytics(e: &Value) -> Value {
    json!({
        "TenantId": "ws-1",
        "TimeGenerated": e["createdDateTime"],
        "CreatedDateTime": e["createdDateTime"],
        "Id": e["id"],
        "ResultType": e["status"]["errorCode"].to_string(),
        "ResultDescription": e["status"]["failureReason"],
        "AppDisplayName": e["appDisplayName"],
        "AppId": e["appId"],
        "UserPrincipalName": e["userPrincipalName"],
        "UserId": e["userId"],
        "IPAddress": e["ipAddress"],
        "ClientAppUsed": e["clientAppUsed"],
        "ResourceDisplayName": e["resourceDisplayName"],
        "ResourceIdentity": e["resourceId"],
        "LocationDetails": e["location"].to_string(),
        "ConditionalAccessPolicies": e["appliedConditionalAccessPolicies"].to_string(),
        "ConditionalAccessStatus": e["conditionalAccessStatus"],
        "Type": "SigninLogs",
    })
}

fn csv_of(rows: &[Value], columns: &[&str]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(columns).expect("csv");
    for r in rows {
        let rec: Vec<String> = columns
            .iter()
            .map(|c| match &r[*c] {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            })
            .collect();
        w.write_record(&rec).expect("csv");
    }
    String::from_utf8(w.into_inner().expect("csv")).expect("utf8")
}

/// The admin center's CSV download (its column names); it has no per-policy results.
fn portal_csv(events: &[Value]) -> String {
    let rows: Vec<Value> = events
        .iter()
        .map(|e| {
            let t = e["createdDateTime"].as_str().expect("time");
            json!({
                "Date (UTC)": format!("{} {}", &t[..10], &t[11..19]),
                "Request ID": e["id"],
                "Username": e["userPrincipalName"],
                "User ID": e["userId"],
                "Application": e["appDisplayName"],
                "Application ID": e["appId"],
                "Resource": e["resourceDisplayName"],
                "Resource ID": e["resourceId"],
                "IP address": e["ipAddress"],
                "Location": "Oslo, Oslo, NO",
                "Status": if e["status"]["errorCode"] == 0 { "Success" } else { "Failure" },
                "Sign-in error code": e["status"]["errorCode"],
                "Failure reason": e["status"]["failureReason"],
                "Client app": e["clientAppUsed"],
                "Conditional Access": "Not Applied",
            })
        })
        .collect();
    csv_of(
        &rows,
        &[
            "Date (UTC)",
            "Request ID",
            "Username",
            "User ID",
            "Application",
            "Application ID",
            "Resource",
            "Resource ID",
            "IP address",
            "Location",
            "Status",
            "Sign-in error code",
            "Failure reason",
            "Client app",
            "Conditional Access",
        ],
    )
}

#[test]
fn powershell_log_analytics_and_portal_shapes_give_the_same_counts() {
    let (events, all, unexpected) = generate();
    let dir = tempfile::tempdir().expect("tempdir");
    let ps: Vec<Value> = events.iter().map(powershell).collect();
    let ps = write(
        &dir,
        "ps.json",
        serde_json::to_string_pretty(&ps).expect("json").as_bytes(),
    );
    check_all(&[&ps], None, &[], "PowerShell ConvertTo-Json");
    let la: Vec<Value> = events.iter().map(log_analytics).collect();
    let la_json = write(&dir, "la.json", json_lines(&la).as_bytes());
    check_all(&[&la_json], None, &[], "Log Analytics JSON rows");
    let columns: Vec<&str> = la[0]
        .as_object()
        .expect("row")
        .keys()
        .map(String::as_str)
        .collect();
    let la_csv = write(&dir, "la.csv", csv_of(&la, &columns).as_bytes());
    check_all(&[&la_csv], None, &[], "Log Analytics CSV");
    // The portal CSV has no per-policy results: every failure is "(no failed policy)".
    let portal = write(&dir, "portal.csv", portal_csv(&events).as_bytes());
    for by in BY {
        for (flag, want) in [(true, &all), (false, &unexpected)] {
            let mut args = vec!["signins", "--json", "--by", by, &portal];
            if flag {
                args.push("--include-expected");
            }
            let want = if by == "policy" {
                let total: u64 = want["code"].values().sum();
                [("(no failed policy)".to_string(), total)]
                    .into_iter()
                    .collect()
            } else {
                want[by].clone()
            };
            assert_eq!(
                rows(&run(&args, None, &[])),
                want,
                "portal CSV: --by {by}, include-expected {flag}"
            );
        }
    }
}

/// The Log Analytics query API's response (`az rest` or `curl` against
/// `api.loganalytics.io/v1/workspaces/{id}/query`): `{"tables": [{"name", "columns": [{"name",
/// "type"}], "rows": [[...]]}]}`, per
/// <https://learn.microsoft.com/azure/azure-monitor/logs/api/response-format>.
fn query_api_response(rows: &[Value]) -> Value {
    let names: Vec<String> = rows[0].as_object().expect("row").keys().cloned().collect();
    let columns: Vec<Value> = names
        .iter()
        .map(|n| {
            let t = match n.as_str() {
                "TimeGenerated" | "CreatedDateTime" => "datetime",
                "LocationDetails" | "ConditionalAccessPolicies" => "dynamic",
                _ => "string",
            };
            json!({"name": n, "type": t})
        })
        .collect();
    let cells: Vec<Value> = rows
        .iter()
        .map(|r| Value::Array(names.iter().map(|n| r[n].clone()).collect()))
        .collect();
    json!({"tables": [{"name": "PrimaryResult", "columns": columns, "rows": cells}]})
}

#[test]
fn log_analytics_query_api_responses_give_the_same_counts() {
    let (events, _, _) = generate();
    let la: Vec<Value> = events.iter().map(log_analytics).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    // One line, as the API sends it; pretty-printed; and two responses (pages) gzipped.
    let one = query_api_response(&la);
    let compact = write(&dir, "q.json", one.to_string().as_bytes());
    check_all(&[&compact], None, &[], "query API response on one line");
    let pretty = write(
        &dir,
        "q-pretty.json",
        serde_json::to_string_pretty(&one).expect("json").as_bytes(),
    );
    check_all(&[&pretty], None, &[], "query API response, pretty");
    let (a, b) = la.split_at(1000);
    let two = format!("{}\n{}\n", query_api_response(a), query_api_response(b));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(two.as_bytes()).expect("gzip");
    let gz = write(&dir, "q.json.gz", &gz.finish().expect("gzip"));
    check_all(&[&gz], None, &[], "two query API responses, gzip");
}

#[test]
fn print_gives_the_text_table_and_conflicts_with_json() {
    let (events, _, _) = generate();
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(&dir, "s.jsonl", json_lines(&events).as_bytes());
    let o = run(&["signins", "--print", &f], None, &[]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("AADSTS50126") && text.contains("FAILURES"),
        "{text}"
    );
    let o = run(&["signins", "--print", "--json", &f], None, &[]);
    assert_eq!(o.status.code(), Some(2));
}
