//! Tests of the counting and the reading of exports.

use super::read::{ReadError, Shape, read};
use super::*;

fn opts(by: GroupBy) -> Options {
    Options {
        by,
        since: None,
        until: None,
        include_expected: false,
        expected: [50140u32].into_iter().collect(),
        table: false,
    }
}

fn info(code: u32) -> CodeInfo {
    CodeInfo {
        name: (code == 50126).then(|| "InvalidUserNameOrPassword".to_string()),
        expected: code == 50140,
        has_flow: code == 50126,
    }
}

/// A Graph event as one JSON line.
fn ev(code: u32, time: &str, user: &str, app: &str, ip: &str) -> String {
    serde_json::json!({
        "id": format!("req-{time}-{user}"),
        "createdDateTime": time,
        "userPrincipalName": user,
        "appDisplayName": app,
        "ipAddress": ip,
        "clientAppUsed": "Browser",
        "resourceDisplayName": "Microsoft Graph",
        "location": {"city": "Oslo", "countryOrRegion": "NO", "geoCoordinates": {"latitude": 1.0}},
        "status": {"errorCode": code, "failureReason": "x"},
        "appliedConditionalAccessPolicies": [
            {"id": "p1", "displayName": "Require MFA", "result": if code == 53003 { "failure" } else { "success" }},
            {"id": "p2", "displayName": "Block legacy", "result": "notApplied"}
        ],
        "deviceDetail": {"operatingSystem": "Windows"}
    })
    .to_string()
}

fn summarize(by: GroupBy, text: &str) -> Summary {
    let mut t = Tally::new(opts(by));
    read("t.json", text.as_bytes(), &mut t).expect("reads");
    t.finish(info)
}

fn sample() -> String {
    [
        ev(50126, "2024-05-01T10:00:00Z", "a@x", "App1", "1.1.1.1"),
        ev(50126, "2024-05-01T11:00:00Z", "b@x", "App1", "1.1.1.1"),
        ev(50126, "2024-05-01T12:00:00Z", "a@x", "App2", "2.2.2.2"),
        ev(53003, "2024-05-01T10:30:00Z", "a@x", "App2", "2.2.2.2"),
        ev(0, "2024-05-01T10:40:00Z", "a@x", "App2", "2.2.2.2"),
        ev(50140, "2024-05-01T10:50:00Z", "c@x", "App3", "3.3.3.3"),
    ]
    .join("\n")
}

#[test]
fn failures_by_code_with_tops_and_flags() {
    let s = summarize(GroupBy::Code, &sample());
    assert_eq!(s.stats.events, 6);
    assert_eq!(s.stats.successes, 1);
    assert_eq!(s.stats.expected_skipped, 1);
    assert_eq!(s.stats.failures, 4);
    let keys: Vec<(&str, u64)> = s.rows.iter().map(|r| (r.key.as_str(), r.count)).collect();
    assert_eq!(keys, [("50126", 3), ("53003", 1)]);
    let r = &s.rows[0];
    assert_eq!(r.users, 2);
    assert_eq!(r.apps, 2);
    assert_eq!(r.first_seen.as_deref(), Some("2024-05-01T10:00:00Z"));
    assert_eq!(r.last_seen.as_deref(), Some("2024-05-01T12:00:00Z"));
    assert_eq!(
        r.top_user,
        Some(Top {
            value: "a@x".into(),
            count: 2
        })
    );
    assert_eq!(
        r.top_app,
        Some(Top {
            value: "App1".into(),
            count: 2
        })
    );
    assert_eq!(
        r.top_location,
        Some(Top {
            value: "Oslo, NO".into(),
            count: 3
        })
    );
    assert_eq!(
        r.top_client_app,
        Some(Top {
            value: "Browser".into(),
            count: 3
        })
    );
    assert_eq!(r.name.as_deref(), Some("InvalidUserNameOrPassword"));
    assert!(r.has_flow && !r.expected);
    assert_eq!(
        r.latest_request_id.as_deref(),
        Some("req-2024-05-01T12:00:00Z-a@x")
    );
}

#[test]
fn expected_codes_are_counted_when_asked() {
    let mut o = opts(GroupBy::Code);
    o.include_expected = true;
    let mut t = Tally::new(o);
    read("t", sample().as_bytes(), &mut t).expect("reads");
    let s = t.finish(info);
    let r = s.rows.iter().find(|r| r.key == "50140").expect("row");
    assert!(r.expected);
    assert_eq!(s.stats.failures, 5);
}

#[test]
fn every_grouping_counts_its_key() {
    let text = sample();
    let rows = |by| -> Vec<(String, u64)> {
        summarize(by, &text)
            .rows
            .into_iter()
            .map(|r| (r.key, r.count))
            .collect()
    };
    let kv = |v: &[(&str, u64)]| -> Vec<(String, u64)> {
        v.iter().map(|(k, n)| (k.to_string(), *n)).collect()
    };
    assert_eq!(rows(GroupBy::User), kv(&[("a@x", 3), ("b@x", 1)]));
    assert_eq!(rows(GroupBy::App), kv(&[("App1", 2), ("App2", 2)]));
    assert_eq!(rows(GroupBy::Ip), kv(&[("1.1.1.1", 2), ("2.2.2.2", 2)]));
    assert_eq!(rows(GroupBy::Resource), kv(&[("Microsoft Graph", 4)]));
    assert_eq!(
        rows(GroupBy::Policy),
        kv(&[(NO_POLICY_KEY, 3), ("Require MFA", 1)])
    );
}

#[test]
fn time_window_filters_and_counts_what_it_left_out() {
    let mut o = opts(GroupBy::Code);
    o.since = time::parse_timestamp("2024-05-01T10:45:00Z");
    o.until = time::parse_timestamp("2024-05-01T11:30:00Z");
    let mut t = Tally::new(o);
    read("t", sample().as_bytes(), &mut t).expect("reads");
    let s = t.finish(info);
    assert_eq!(s.stats.failures, 1);
    assert_eq!(s.stats.outside_window, 3);
    assert_eq!(s.rows[0].key, "50126");
    assert_eq!(s.since.as_deref(), Some("2024-05-01T10:45:00Z"));
}

#[test]
fn a_spike_and_a_new_code_are_named() {
    let mut lines = Vec::new();
    // One 50126 an hour for 12 hours, then 20 in the last hour; 7000222 only in the last 30 min.
    for h in 0..12 {
        lines.push(ev(
            50126,
            &format!("2024-05-01T{h:02}:10:00Z"),
            "a@x",
            "A",
            "1",
        ));
    }
    for m in 0..20 {
        lines.push(ev(
            50126,
            &format!("2024-05-01T12:{m:02}:00Z"),
            "a@x",
            "A",
            "1",
        ));
    }
    for m in 0..3 {
        lines.push(ev(
            7000222,
            &format!("2024-05-01T12:3{m}:00Z"),
            "a@x",
            "A",
            "1",
        ));
    }
    for h in 0..8 {
        lines.push(ev(
            50076,
            &format!("2024-05-01T{h:02}:20:00Z"),
            "a@x",
            "A",
            "1",
        ));
    }
    let s = summarize(GroupBy::Code, &lines.join("\n"));
    let change = |k: &str| {
        s.rows
            .iter()
            .find(|r| r.key == k)
            .and_then(|r| r.change.clone())
            .unwrap_or_default()
    };
    assert!(
        change("50126").starts_with("spike: 22 in the last 3h"),
        "{}",
        change("50126")
    );
    assert!(
        change("7000222").starts_with("started in the last hour"),
        "{}",
        change("7000222")
    );
    assert!(
        change("50076").starts_with("stopped"),
        "{}",
        change("50076")
    );
}

#[test]
fn json_documents_arrays_and_pages_are_read_incrementally() {
    let a = ev(50126, "2024-05-01T10:00:00Z", "a@x", "A", "1");
    let b = ev(53003, "2024-05-01T10:00:00Z", "b@x", "A", "1");
    let pretty = |s: &str| {
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(s).expect("json"))
            .expect("pretty")
    };
    for (text, shape) in [
        (format!("[{a},\n{b}]"), Shape::JsonDocument),
        (
            format!("[\n{},\n{}\n]\n", pretty(&a), pretty(&b)),
            Shape::JsonDocument,
        ),
        (
            format!(
                "{{\"@odata.context\": \"x\",\n \"value\": [{}, {}],\n \"@odata.nextLink\": \"n\"}}",
                pretty(&a),
                pretty(&b)
            ),
            Shape::JsonDocument,
        ),
        (
            format!("{{\"value\": [{a}]}}\n{{\"value\": [{b}]}}\n"),
            Shape::JsonLines,
        ),
        (format!("\u{feff}{a}\r\n\r\n{b}\r\n"), Shape::JsonLines),
        (
            format!("{}\n{}", pretty(&a), pretty(&b)),
            Shape::JsonDocument,
        ),
    ] {
        let mut t = Tally::new(opts(GroupBy::Code));
        let got = read("t", text.as_bytes(), &mut t).expect("reads");
        assert_eq!(got, shape, "{text}");
        let s = t.finish(info);
        assert_eq!(s.stats.failures, 2, "{text}");
        assert_eq!(s.stats.malformed, 0, "{text}");
    }
}

#[test]
fn malformed_lines_are_counted_with_their_line_numbers() {
    let a = ev(50126, "2024-05-01T10:00:00Z", "a@x", "A", "1");
    let text =
        format!("{a}\n{{\"broken\": \n{a}\nnot json\n{a}\n{{\"name\": \"not a sign-in\"}}\n");
    let mut t = Tally::new(opts(GroupBy::Code));
    read("f.jsonl", text.as_bytes(), &mut t).expect("reads");
    let s = t.finish(info);
    assert_eq!(s.stats.failures, 3);
    assert_eq!(s.stats.malformed, 2);
    let at: Vec<String> = s
        .stats
        .malformed_at
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(at, ["f.jsonl:2", "f.jsonl:4"]);
    // Valid JSON that is not a sign-in event.
    assert_eq!(s.stats.not_signin, 1);
}

#[test]
fn a_truncated_document_counts_its_last_record_as_malformed() {
    let a = ev(50126, "2024-05-01T10:00:00Z", "a@x", "A", "1");
    let text = format!("[{a},\n{a},\n{}", &a[..a.len() / 2]);
    let mut t = Tally::new(opts(GroupBy::Code));
    read("f.json", text.as_bytes(), &mut t).expect("reads");
    assert_eq!(t.stats.failures, 2);
    assert_eq!(t.stats.malformed_at[0].to_string(), "f.json:3");
}

#[test]
fn a_file_that_is_not_an_export_gets_one_error() {
    for text in [
        "hello\nworld\n",
        "{\"name\": \"not a sign-in\"}\n",
        "[1, 2, 3]",
        "a,b,c\n1,2,3\n",
    ] {
        let mut t = Tally::new(opts(GroupBy::Code));
        let err = read("x.txt", text.as_bytes(), &mut t).expect_err(text);
        assert!(
            matches!(err, ReadError::NotAnExport { .. }),
            "{text}: {err}"
        );
        let msg = err.to_string();
        assert!(
            msg.starts_with("x.txt: not a sign-in export; expected"),
            "{msg}"
        );
        assert!(!msg.contains('\n'));
    }
    let mut t = Tally::new(opts(GroupBy::Code));
    assert_eq!(
        read("e", &b""[..], &mut t).expect("empty is fine"),
        Shape::Empty
    );
}

#[test]
fn gzip_is_read_transparently() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(sample().as_bytes()).expect("gzip");
    let bytes = gz.finish().expect("gzip");
    let mut t = Tally::new(opts(GroupBy::Code));
    read("t.json.gz", &bytes[..], &mut t).expect("reads");
    assert_eq!(t.stats.failures, 4);
}

#[test]
fn merged_tallies_equal_one_tally() {
    let text = sample();
    let lines: Vec<&str> = text.lines().collect();
    let (a, b) = lines.split_at(3);
    let mut t1 = Tally::new(opts(GroupBy::User));
    read("a", a.join("\n").as_bytes(), &mut t1).expect("reads");
    let mut t2 = Tally::new(opts(GroupBy::User));
    read("b", b.join("\n").as_bytes(), &mut t2).expect("reads");
    t1.merge(t2, 3);
    assert_eq!(t1.finish(info), summarize(GroupBy::User, &text));
}

#[test]
fn an_overlong_line_is_skipped_not_kept() {
    let a = ev(50126, "2024-05-01T10:00:00Z", "a@x", "A", "1");
    let long = "x".repeat(read::MAX_RECORD + 10);
    let text = format!("{a}\n{long}\n{a}\n");
    let mut t = Tally::new(opts(GroupBy::Code));
    read("f", text.as_bytes(), &mut t).expect("reads");
    assert_eq!(t.stats.failures, 2);
    assert_eq!(t.stats.malformed_at[0].to_string(), "f:2");
}

#[test]
fn the_quick_success_path_counts_exactly_what_the_full_parse_would() {
    let ok = ev(0, "2024-05-01T10:00:00Z", "a@x", "A", "1");
    let fail = ev(50126, "2024-05-01T10:00:00Z", "a@x", "A", "1");
    let pretty = serde_json::to_string_pretty(
        &serde_json::from_str::<serde_json::Value>(&ok).expect("json"),
    )
    .expect("pretty")
    .replace('\n', " ");
    let cases = [
        // (line, events, successes, malformed)
        (ok.clone(), 1, 1, 0),
        (pretty, 1, 1, 0),
        (ok[..ok.len() - 1].to_string(), 0, 0, 1),
        (ok[..ok.len() / 2].to_string(), 0, 0, 1),
        (format!("{ok}}}"), 0, 0, 1),
        (ok.replace("\"errorCode\":0", "\"errorCode\":0.5"), 0, 0, 0),
        (ok.replace("\"errorCode\":0", "\"errorCode\":07"), 0, 0, 1),
        (ok.replace("\"x\"", "\"\\\"errorCode\\\":0\""), 1, 1, 0),
        (fail.replace("\"x\"", "\"\\\"errorCode\\\":0\""), 1, 0, 0),
        (format!("{{\"value\":[{ok},{fail}]}}"), 2, 1, 0),
    ];
    for (line, events, successes, malformed) in cases {
        let mut t = Tally::new(opts(GroupBy::Code));
        let _ = read("t", format!("{ok}\n{line}\n").as_bytes(), &mut t);
        let st = &t.stats;
        assert_eq!(
            (st.events - 1, st.successes - 1, st.malformed),
            (events, successes, malformed),
            "{line}"
        );
    }
}

fn strip_latest(mut s: Summary) -> Summary {
    for r in &mut s.rows {
        r.latest = None;
    }
    s
}

#[test]
fn table_views_equal_one_tally_per_grouping_and_expected_rule() {
    let text = sample();
    let mut o = opts(GroupBy::App);
    o.table = true;
    let mut t = Tally::new(o);
    read("t", text.as_bytes(), &mut t).expect("reads");
    let views = t.finish_views(info);
    assert_eq!(views.len(), 12);
    assert_eq!(
        (views[0].by, views[0].include_expected),
        (GroupBy::App, false)
    );
    for v in views {
        let mut o = opts(v.by);
        o.include_expected = v.include_expected;
        let mut single = Tally::new(o);
        read("t", text.as_bytes(), &mut single).expect("reads");
        assert_eq!(
            strip_latest(v.clone()),
            single.finish(info),
            "{:?} {}",
            v.by,
            v.include_expected
        );
    }
}

#[test]
fn each_group_keeps_its_latest_event_when_asked() {
    let mut o = opts(GroupBy::Code);
    o.table = true;
    let mut t = Tally::new(o);
    read("t", sample().as_bytes(), &mut t).expect("reads");
    let views = t.finish_views(info);
    let latest = |by: GroupBy, key: &str| -> (u32, serde_json::Value) {
        let v = views
            .iter()
            .find(|v| v.by == by && v.include_expected)
            .expect("view");
        let l = v
            .rows
            .iter()
            .find(|r| r.key == key)
            .and_then(|r| r.latest.clone())
            .expect("latest");
        (l.code, serde_json::from_str(&l.event).expect("JSON"))
    };
    let (code, ev) = latest(GroupBy::Code, "50126");
    assert_eq!(code, 50126);
    assert_eq!(ev["id"], "req-2024-05-01T12:00:00Z-a@x");
    // By user: a@x's latest failure is the 12:00 50126; c@x has only the expected 50140.
    assert_eq!(latest(GroupBy::User, "a@x").0, 50126);
    assert_eq!(latest(GroupBy::User, "c@x").0, 50140);
    // By app: App2's latest failure (12:00) is 50126, not its 10:30 53003.
    assert_eq!(latest(GroupBy::App, "App2").0, 50126);
    // Without `table`, nothing is kept.
    let s = summarize(GroupBy::Code, &sample());
    assert!(s.rows.iter().all(|r| r.latest.is_none()));
}

#[test]
fn kept_events_from_other_shapes_are_normalised_and_pages_split() {
    let a = ev(50126, "2024-05-01T10:00:00Z", "a@x", "A", "1");
    let b = ev(53003, "2024-05-01T11:00:00Z", "b@x", "A", "1");
    // A page on one line (jq -c), and a PowerShell-style record.
    let ps = r#"{"Id":"ps-1","CreatedDateTime":"2024-05-01T12:00:00Z","AppDisplayName":"A","Status":{"ErrorCode":7000222,"FailureReason":"x"}}"#;
    let text = format!("{{\"value\": [{a}, {b}]}}\n{ps}\n");
    let mut o = opts(GroupBy::App);
    o.table = true;
    let mut t = Tally::new(o);
    read("t", text.as_bytes(), &mut t).expect("reads");
    let views = t.finish_views(info);
    assert_eq!(views[0].stats.failures, 3);
    let by_code = views
        .iter()
        .find(|v| v.by == GroupBy::Code && !v.include_expected)
        .expect("view");
    for (key, id) in [
        ("50126", "req-2024-05-01T10:00:00Z-a@x"),
        ("7000222", "ps-1"),
    ] {
        let l = by_code
            .rows
            .iter()
            .find(|r| r.key == key)
            .and_then(|r| r.latest.clone())
            .expect("latest");
        let e: serde_json::Value = serde_json::from_str(&l.event).expect("JSON");
        assert_eq!(e["id"], id, "{key}");
        // The Graph shape, whatever the input was.
        assert!(e["status"]["errorCode"].is_u64(), "{e}");
    }
}

#[test]
fn merged_table_tallies_keep_the_latest_event() {
    let text = sample();
    let lines: Vec<&str> = text.lines().collect();
    let mut o = opts(GroupBy::Code);
    o.table = true;
    // The later half first: the merge must still pick the latest by time.
    let mut t1 = Tally::new(o.clone());
    read("b", lines[2..].join("\n").as_bytes(), &mut t1).expect("reads");
    let mut t2 = Tally::new(o.clone());
    read("a", lines[..2].join("\n").as_bytes(), &mut t2).expect("reads");
    t1.merge(t2, 0);
    let mut whole = Tally::new(o);
    read("t", text.as_bytes(), &mut whole).expect("reads");
    assert_eq!(t1.finish_views(info), whole.finish_views(info));
}

/// `events` as a Log Analytics query API response: one table, columns first.
fn query_api(rows: &[serde_json::Value]) -> serde_json::Value {
    let names: Vec<String> = rows[0].as_object().expect("row").keys().cloned().collect();
    serde_json::json!({"tables": [{
        "name": "PrimaryResult",
        "columns": names.iter().map(|n| serde_json::json!({"name": n, "type": "string"})).collect::<Vec<_>>(),
        "rows": rows.iter().map(|r| names.iter().map(|n| r[n].clone()).collect::<Vec<_>>()).collect::<Vec<_>>(),
    }]})
}

fn la_row(code: u32, time: &str, user: &str, app: &str) -> serde_json::Value {
    serde_json::json!({
        "TenantId": "ws", "TimeGenerated": time, "ResultType": code.to_string(),
        "UserPrincipalName": user, "AppDisplayName": app, "IPAddress": "10.0.0.1",
        "LocationDetails": "{\"city\":\"Oslo\",\"countryOrRegion\":\"NO\"}",
        "Type": "SigninLogs",
    })
}

#[test]
fn log_analytics_query_api_responses_are_read_row_by_row() {
    let rows = [
        la_row(50126, "2024-05-01T10:00:00Z", "a@x", "A"),
        la_row(50126, "2024-05-01T11:00:00Z", "b@x", "A"),
        la_row(0, "2024-05-01T11:30:00Z", "b@x", "A"),
        la_row(53003, "2024-05-01T12:00:00Z", "a@x", "B"),
    ];
    let doc = query_api(&rows);
    for text in [
        doc.to_string(),
        serde_json::to_string_pretty(&doc).expect("pretty"),
        format!("{doc}\n{doc}\n"),
    ] {
        let twice = text.matches("tables").count() as u64;
        let mut t = Tally::new(opts(GroupBy::Code));
        let shape = read("q.json", text.as_bytes(), &mut t).expect("reads");
        assert_eq!(shape, Shape::JsonDocument, "{text}");
        let s = t.finish(info);
        assert_eq!(s.stats.events, 4 * twice, "{text}");
        assert_eq!(s.stats.successes, twice);
        let keys: Vec<(&str, u64)> = s.rows.iter().map(|r| (r.key.as_str(), r.count)).collect();
        assert_eq!(keys, [("50126", 2 * twice), ("53003", twice)]);
        assert_eq!(
            s.rows[0].top_location.as_ref().map(|t| t.value.as_str()),
            Some("Oslo, NO")
        );
        assert_eq!(s.stats.malformed, 0);
    }
    // Rows written before the columns cannot be named: each is malformed, not guessed.
    let backwards = r#"{"tables":[{"name":"PrimaryResult","rows":[["50126"]],"columns":[{"name":"ResultType","type":"string"}]}]}"#;
    let mut t = Tally::new(opts(GroupBy::Code));
    let _ = read("b.json", backwards.as_bytes(), &mut t);
    assert_eq!(t.stats.malformed, 1);
    // A query result that is not sign-ins is not an export.
    let counts = serde_json::json!({"tables":[{"name":"PrimaryResult","columns":[{"name":"Category","type":"string"},{"name":"count_","type":"long"}],
        "rows": (0..300).map(|i| serde_json::json!(["Administrative", i])).collect::<Vec<_>>()}]});
    let mut t = Tally::new(opts(GroupBy::Code));
    let err = read("c.json", counts.to_string().as_bytes(), &mut t).expect_err("not sign-ins");
    assert!(matches!(err, ReadError::NotAnExport { .. }), "{err}");
}
