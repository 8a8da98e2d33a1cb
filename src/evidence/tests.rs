use serde_json::{Value, json};

use super::*;

const GRAPH: &str = include_str!("../../tests/fixtures/evidence/sp-secret-expired.graph.json");
const POWERSHELL: &str =
    include_str!("../../tests/fixtures/evidence/sp-secret-expired.powershell.json");
const PORTAL_CSV: &str = include_str!("../../tests/fixtures/evidence/sp-secret-expired.portal.csv");
const LA_JSON: &str =
    include_str!("../../tests/fixtures/evidence/sp-secret-expired.loganalytics.json");
const LA_CSV: &str =
    include_str!("../../tests/fixtures/evidence/sp-secret-expired.loganalytics.csv");

fn one(text: &str) -> (Value, Document) {
    let doc = read(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc.events.len(), 1, "{:?}", doc.warnings);
    (doc.events[0].clone(), doc)
}

/// The fields the flows read, from each shape of the same event.
#[test]
fn every_shape_gives_the_same_fields() {
    let fields = [
        "/id",
        "/appId",
        "/correlationId",
        "/clientCredentialType",
        "/servicePrincipalCredentialKeyId",
        "/servicePrincipalId",
        "/resourceTenantId",
        "/status/errorCode",
        "/location/city",
        "/location/countryOrRegion",
        "/resourceId",
    ];
    let (graph, gdoc) = one(GRAPH);
    assert_eq!(gdoc.format, Format::Json);
    assert_eq!(graph["status"]["errorCode"], 7000222);
    assert_eq!(graph["clientCredentialType"], "clientSecret");
    for (name, text, format) in [
        ("powershell", POWERSHELL, Format::Json),
        ("portal csv", PORTAL_CSV, Format::PortalCsv),
        ("log analytics json", LA_JSON, Format::LogAnalyticsJson),
        ("log analytics csv", LA_CSV, Format::LogAnalyticsCsv),
    ] {
        let (e, doc) = one(text);
        assert_eq!(doc.format, format, "{name}");
        for f in fields {
            assert_eq!(e.pointer(f), graph.pointer(f), "{name}: {f}");
            assert!(e.pointer(f).is_some(), "{name}: {f} missing");
        }
    }
}

#[test]
fn powershell_dates_case_and_depth_cuts() {
    let (e, doc) = one(POWERSHELL);
    assert_eq!(e["createdDateTime"], "2025-03-04T09:15:22Z");
    assert_eq!(e["signInEventTypes"], json!(["servicePrincipal"]));
    assert!(e.get("AdditionalProperties").is_none() && e.get("additionalProperties").is_none());
    assert!(e["location"].get("geoCoordinates").is_none());
    assert!(
        doc.warnings
            .iter()
            .any(|w| w.contains("-Depth 10") && w.contains("geoCoordinates")),
        "{:?}",
        doc.warnings
    );
    // Empty strings are absent, not "".
    assert!(e.get("userId").is_none());
}

#[test]
fn log_analytics_table_gives_the_event_type_and_drops_workspace_columns() {
    for text in [LA_JSON, LA_CSV] {
        let (e, _) = one(text);
        assert_eq!(e["signInEventTypes"], json!(["servicePrincipal"]));
        assert_eq!(e["appliedConditionalAccessPolicies"], json!([]));
        for gone in [
            "tenantId",
            "sourceSystem",
            "timeGenerated",
            "type",
            "category",
        ] {
            assert!(e.get(gone).is_none(), "{gone}");
        }
    }
}

#[test]
fn portal_words_become_graph_values() {
    let (e, _) = one(PORTAL_CSV);
    assert_eq!(e["conditionalAccessStatus"], "notApplied");
    assert_eq!(e["createdDateTime"], "2025-03-04T09:15:22Z");
    let csv = "Request ID,Sign-in error code,Compliant,Managed,Join Type,Authentication requirement,User type,Client credential type\n\
               r1,53000,No,Yes,Microsoft Entra registered,Multifactor authentication,Guest,Federated identity credential\n";
    let (e, _) = one(csv);
    assert_eq!(e["deviceDetail"]["isCompliant"], false);
    assert_eq!(e["deviceDetail"]["isManaged"], true);
    assert_eq!(e["authenticationRequirement"], "multiFactorAuthentication");
    assert_eq!(e["userType"], "guest");
    assert_eq!(e["clientCredentialType"], "federatedIdentityCredential");
}

#[test]
fn log_analytics_query_api_tables() {
    let text = r#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"ResultType","type":"string"},{"name":"DeviceDetail","type":"dynamic"},{"name":"Status","type":"dynamic"}],
      "rows":[["2025-01-01T00:00:00Z","53003","{\"deviceId\":\"d1\",\"isCompliant\":\"false\",\"trustType\":\"Azure AD joined\"}","{\"errorCode\":53003,\"additionalDetails\":\"x\"}"]]}]}"#;
    let (e, doc) = one(text);
    assert_eq!(doc.format, Format::LogAnalyticsJson);
    assert_eq!(e["status"]["errorCode"], 53003);
    assert_eq!(e["status"]["additionalDetails"], "x");
    assert_eq!(e["deviceDetail"]["isCompliant"], false);
    assert_eq!(e["deviceDetail"]["deviceId"], "d1");
}

#[test]
fn ndjson_and_value_pages_give_every_event() {
    let nd = "{\"id\":\"a\",\"status\":{\"errorCode\":0}}\n{\"id\":\"b\",\"status\":{\"errorCode\":50126}}\n";
    let doc = read(nd).expect("ndjson");
    assert_eq!(doc.events.len(), 2);
    assert_eq!(pick(&doc.events, None).map(|e| &e["id"]), Some(&json!("b")));
    assert_eq!(
        pick(&doc.events, Some(0)).map(|e| &e["id"]),
        Some(&json!("a"))
    );
}

#[test]
fn bad_input_gives_one_line_errors() {
    let cases: &[(&str, &str)] = &[
        ("", "empty input"),
        ("   \n ", "empty input"),
        ("{\"id\": ", "truncated JSON"),
        ("{\"id\": 1,,}", "invalid JSON at line 1"),
        ("[1, 2, 3]", "not a sign-in event"),
        (
            "{\"colour\": \"blue\", \"size\": 3}",
            "none of its fields is a sign-in field",
        ),
        ("\"just a string\"", "CSV: no column is a sign-in field"),
        (
            "hello world\nthis is not a csv of sign-ins\n",
            "CSV: no column is a sign-in field",
        ),
        ("Request ID,Correlation ID\n", "CSV:"),
    ];
    for (text, want) in cases {
        match read(text) {
            Ok(d) => panic!("{text:?} gave {d:?}"),
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.contains(want), "{text:?}: {msg}");
                assert!(!msg.contains('\n'), "{msg}");
            }
        }
    }
}

#[test]
fn a_truncated_array_keeps_its_complete_events() {
    let cut = &GRAPH[..GRAPH.len() - 40];
    assert!(matches!(read(cut), Err(EvidenceError::Truncated { .. })));
    let two = format!(
        "[{}, {}",
        r#"{"id":"a","status":{"errorCode":50126}}"#, r#"{"id":"b","status":{"err"#
    );
    let doc = read(&two).expect("partial");
    assert_eq!(doc.events.len(), 1);
    assert!(
        doc.warnings.iter().any(|w| w.contains("ends early")),
        "{:?}",
        doc.warnings
    );
    let page = r#"{"@odata.context":"x","value":[{"id":"a","appId":"b"},{"id":"#;
    assert_eq!(read(page).expect("page").events.len(), 1);
}

#[test]
fn unknown_columns_are_named_in_a_warning() {
    let csv = "Request ID,Sign-in error code,Favourite colour,Shoe size\nr1,50126,blue,44\n";
    let (e, doc) = one(csv);
    assert_eq!(e["status"]["errorCode"], 50126);
    let w = doc.warnings.join("\n");
    assert!(
        w.contains("ignored 2 columns") && w.contains("Favourite colour"),
        "{w}"
    );
    assert!(e.get("favouriteColour").is_none());
}

#[test]
fn a_bad_value_is_skipped_with_a_warning() {
    let (e, doc) = one(r#"{"id":"a","status":{"errorCode":"oops"},"isInteractive":"maybe"}"#);
    assert_eq!(e["id"], "a");
    assert!(e.get("isInteractive").is_none());
    assert!(
        doc.warnings.iter().any(|w| w.contains("isInteractive")),
        "{:?}",
        doc.warnings
    );
    assert!(
        doc.warnings.iter().any(|w| w.contains("status.errorCode")),
        "{:?}",
        doc.warnings
    );
}

#[test]
fn oversized_input_is_cut_not_refused() {
    let row = "r1,bbbb1111-cc22-3333-44dd-555555eeeeee,50126\n";
    let mut text = String::from("Request ID,Correlation ID,Sign-in error code\n");
    while text.len() <= MAX_BYTES + 100 {
        text.push_str(row);
    }
    let doc = read(&text).expect("partial read");
    assert_eq!(doc.events.len(), MAX_EVENTS);
    let w = doc.warnings.join("\n");
    assert!(w.contains("only the first 16 MB"), "{w}");
    assert!(w.contains("kept the first"), "{w}");
    // A JSON document past the limit that is not an array cannot be recovered.
    let mut big = String::from("{\"id\":\"");
    big.push_str(&"x".repeat(MAX_BYTES + 10));
    big.push_str("\"}");
    assert!(matches!(read(&big), Err(EvidenceError::Truncated { .. })));
}

#[test]
fn garbage_never_panics() {
    let samples = [
        "\u{0}\u{1}\u{2}",
        "{{{{{{{{",
        "[[[[[[[[[[[[",
        "\"",
        ",,,,\n,,,\n",
        "Request ID\n\"unterminated",
        "{\"value\": 3}",
        "{\"tables\": [{\"columns\": 3, \"rows\": [[1]]}]}",
        "{\"Status\": \"{not json\"}",
        "\u{feff}{\"id\":\"a\"}",
    ];
    for s in samples {
        let _ = read(s);
    }
    let deep = "[".repeat(10_000);
    assert!(read(&deep).is_err());
}
