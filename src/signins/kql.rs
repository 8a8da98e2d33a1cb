//! The `signins` summary as a KQL query for Log Analytics / Microsoft Sentinel, over the four
//! Entra sign-in tables, with the same grouping, filters and rules as the local summary.
//!
//! Columns are those Azure Monitor publishes (checked with `tools/kql/schema.json`, taken from
//! <https://learn.microsoft.com/azure/azure-monitor/reference/tables/signinlogs>,
//! `.../aadnoninteractiveusersigninlogs`, `.../aadserviceprincipalsigninlogs` and
//! `.../aadmanagedidentitysigninlogs`). `LocationDetails` and `ConditionalAccessPolicies` are
//! `dynamic` in `SigninLogs` but `string` in the other three, so each table is projected to
//! the same columns (`parse_json(tostring(...))` reads both) before the union; a plain union
//! would split them into `LocationDetails_dynamic` and `LocationDetails_string`.

use std::fmt::Write as _;

use super::GroupBy;

/// A time bound as given on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// So many seconds before the query runs (`--since 2h`).
    Ago(i64),
    /// A fixed time, Unix seconds.
    At(i64),
}

/// What the query counts; the same choices as the local summary.
#[derive(Clone, Debug)]
pub struct Query {
    pub by: GroupBy,
    pub since: Option<Bound>,
    pub until: Option<Bound>,
    pub include_expected: bool,
    /// The codes the catalog marks expected.
    pub expected: Vec<u32>,
}

/// The tables and how each one's columns map onto the summary's.
struct Table {
    name: &'static str,
    app: &'static str,
    user: &'static str,
    client: &'static str,
}

const TABLES: [Table; 4] = [
    Table {
        name: "SigninLogs",
        app: "coalesce(AppDisplayName, AppId)",
        user: "coalesce(UserPrincipalName, ServicePrincipalName, UserId, ServicePrincipalId)",
        client: "ClientAppUsed",
    },
    Table {
        name: "AADNonInteractiveUserSignInLogs",
        app: "coalesce(AppDisplayName, AppId)",
        user: "coalesce(UserPrincipalName, UserId, ServicePrincipalId)",
        client: "ClientAppUsed",
    },
    Table {
        name: "AADServicePrincipalSignInLogs",
        app: "coalesce(ServicePrincipalName, AppId)",
        user: "coalesce(ServicePrincipalName, ServicePrincipalId)",
        client: "\"\"",
    },
    Table {
        name: "AADManagedIdentitySignInLogs",
        app: "coalesce(ServicePrincipalName, AppId)",
        user: "coalesce(ServicePrincipalName, ServicePrincipalId)",
        client: "\"\"",
    },
];

/// A KQL timespan literal: `2h`, `30m`, `7d`, `90s`.
fn timespan(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        s if s > 0 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn bound(b: Bound) -> String {
    match b {
        Bound::Ago(secs) => format!("ago({})", timespan(secs)),
        Bound::At(t) => format!("datetime({})", super::time::format(t)),
    }
}

/// `"(none)"` for an empty value, as the local summary shows it.
fn or_none(expr: &str) -> String {
    format!("iff(isempty({expr}), \"{}\", {expr})", super::NONE_KEY)
}

/// The query text.
pub fn query(q: &Query) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "// aadsts-wizard signins --kql --by {}: sign-in failures across the four Entra sign-in tables.",
        q.by.as_str()
    );
    let _ = writeln!(
        s,
        "// Users and Apps are dcount() estimates; without --since the time range picker applies."
    );
    if !q.include_expected {
        let codes: Vec<String> = q.expected.iter().map(|c| format!("\"{c}\"")).collect();
        let _ = writeln!(
            s,
            "// Codes the catalog marks expected (interrupts, polling) are left out; --include-expected keeps them."
        );
        let _ = writeln!(s, "let expected = dynamic([{}]);", codes.join(", "));
    }
    let _ = writeln!(s, "let failures = union");
    for (i, t) in TABLES.iter().enumerate() {
        let sep = if i + 1 < TABLES.len() { "," } else { "" };
        let _ = writeln!(
            s,
            "    ({}\n     | project TimeGenerated, ResultType, Id, IPAddress,\n         App = {}, User = {},\n         ClientApp = {}, Resource = coalesce(ResourceDisplayName, ResourceIdentity),\n         Loc = parse_json(tostring(LocationDetails)), Policies = parse_json(tostring(ConditionalAccessPolicies))){sep}",
            t.name, t.app, t.user, t.client
        );
    }
    let mut wheres = vec!["ResultType != \"0\"".to_string()];
    if let Some(b) = q.since {
        wheres.push(format!("TimeGenerated >= {}", bound(b)));
    }
    if let Some(b) = q.until {
        wheres.push(format!("TimeGenerated <= {}", bound(b)));
    }
    if !q.include_expected {
        wheres.push("ResultType !in (expected)".to_string());
    }
    let _ = writeln!(s, "    | where {}", wheres.join(" and "));
    let _ = writeln!(
        s,
        "    | extend City = tostring(Loc.city), Country = tostring(Loc.countryOrRegion)"
    );
    let _ = writeln!(
        s,
        "    | extend Location = case(isnotempty(City) and isnotempty(Country), strcat(City, \", \", Country), isnotempty(City), City, isnotempty(Country), Country, \"{}\")",
        super::NONE_KEY
    );
    let _ = writeln!(
        s,
        "    | extend App = {}, User = {}, IPAddress = {}, ClientApp = {}, Resource = {}",
        or_none("App"),
        or_none("User"),
        or_none("IPAddress"),
        or_none("ClientApp"),
        or_none("Resource")
    );
    match q.by {
        GroupBy::Policy => {
            let _ = writeln!(
                s,
                "    | mv-apply P = Policies on (where tostring(P.result) == \"failure\" | summarize Failed = make_set(coalesce(tostring(P.displayName), tostring(P.id))))"
            );
            let _ = writeln!(
                s,
                "    | mv-expand Key = iff(array_length(Failed) == 0, dynamic([\"{}\"]), Failed) to typeof(string);",
                super::NO_POLICY_KEY
            );
        }
        by => {
            let key = match by {
                GroupBy::Code => "ResultType",
                GroupBy::App => "App",
                GroupBy::User => "User",
                GroupBy::Ip => "IPAddress",
                GroupBy::Resource => "Resource",
                GroupBy::Policy => "Key",
            };
            let _ = writeln!(s, "    | extend Key = {key};");
        }
    }
    s.push_str(
        "let span_start = toscalar(failures | summarize min(TimeGenerated));
let span_end = toscalar(failures | summarize max(TimeGenerated));
let span = span_end - span_start;
// The recent window: a quarter of the span, from one hour to a day.
let window = max_of(1h, min_of(span / 4, 1d));
let top_of = (T:(Key:string, V:string)) { T | summarize N = count() by Key, V | summarize arg_max(N, V) by Key };
failures
| summarize Count = count(), Users = dcount(User), Apps = dcount(App), Codes = dcount(ResultType),
    FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated),
    Recent = countif(TimeGenerated > span_end - window) by Key
",
    );
    for (col, name) in [
        ("App", "TopApp"),
        ("User", "TopUser"),
        ("IPAddress", "TopIP"),
        ("Location", "TopLocation"),
        ("ClientApp", "TopClientApp"),
        ("ResultType", "TopCode"),
    ] {
        let _ = writeln!(
            s,
            "| join kind=leftouter (top_of((failures | project Key, V = {col}))) on Key | extend {name} = strcat(V, \" (\", N, \")\") | project-away Key1, N, V"
        );
    }
    s.push_str(
        "| extend Change = case(
    span < 2h, \"\",
    FirstSeen > span_end - 1h, \"started in the last hour\",
    Recent >= 5 and todouble(Recent) * ((span - window) / 1s) >= 3.0 * todouble(Count - Recent) * (window / 1s),
        strcat(\"spike: \", Recent, \" in the last \", round(window / 1h, 1), \"h\"),
    Recent == 0 and Count >= 5, \"stopped\",
    \"\")
| project-away Recent
| order by Count desc, Key asc
",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(by: GroupBy) -> Query {
        Query {
            by,
            since: Some(Bound::Ago(7200)),
            until: Some(Bound::At(1_714_557_600)),
            include_expected: false,
            expected: vec![50058, 50140],
        }
    }

    #[test]
    fn every_table_is_projected_then_unioned() {
        let text = query(&q(GroupBy::Code));
        for t in TABLES {
            assert!(text.contains(&format!("({}\n", t.name)), "{}", t.name);
        }
        assert!(text.contains("TimeGenerated >= ago(2h)"));
        assert!(text.contains("TimeGenerated <= datetime(2024-05-01T10:00:00Z)"));
        assert!(text.contains("let expected = dynamic([\"50058\", \"50140\"]);"));
        assert!(text.contains("| extend Key = ResultType;"));
    }

    #[test]
    fn groupings_pick_their_key_and_expected_is_optional() {
        let mut query_ip = q(GroupBy::Ip);
        query_ip.include_expected = true;
        let text = query(&query_ip);
        assert!(text.contains("| extend Key = IPAddress;"));
        assert!(!text.contains("expected"), "{text}");
        let text = query(&q(GroupBy::Policy));
        assert!(text.contains("mv-apply P = Policies"));
        assert!(text.contains("(no failed policy)"));
    }

    #[test]
    fn timespans_use_the_largest_whole_unit() {
        assert_eq!(timespan(7200), "2h");
        assert_eq!(timespan(86_400 * 7), "7d");
        assert_eq!(timespan(90), "90s");
        assert_eq!(timespan(1800), "30m");
        assert_eq!(timespan(0), "0s");
    }
}
