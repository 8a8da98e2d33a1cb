//! Sign-in events as people have them, turned into one shape: the Microsoft Graph beta
//! `signIn` resource in camelCase, as a `serde_json::Value`. Flow conditions (`when:`) are
//! written once against that shape. Pure: text in, events out, no I/O.
//!
//! | shape | how it is recognised | what changes |
//! |---|---|---|
//! | Graph JSON (`az rest`, `Invoke-MgGraphRequest`, Graph Explorer), one event or a `{"value": [...]}` page | JSON | nothing |
//! | Entra admin center > Sign-in logs > Download > JSON | a JSON array | nothing (it is the Graph shape) |
//! | `Get-MgBetaAuditLogSignIn \| ConvertTo-Json` (PowerShell 5.1 and 7) | JSON | PascalCase keys become camelCase at every depth; `AdditionalProperties` goes; `RiskEventTypesV2` is `riskEventTypes_v2`; `/Date(ms)/` becomes ISO 8601; a value cut off by `-Depth` (`System.Object[]`) is dropped with a warning |
//! | Log Analytics / Sentinel `SigninLogs`, `AADNonInteractiveUserSignInLogs`, `AADServicePrincipalSignInLogs`, `AADManagedIdentitySignInLogs` rows as JSON (an array of rows, NDJSON, or the query API's `{"tables": [...]}`) or CSV | a `ResultType`, `TimeGenerated`, `TenantId` or `SourceSystem` column | `ResultType` is `status.errorCode`, `ResultDescription` `status.failureReason`, `LocationDetails` `location`, `ConditionalAccessPolicies` `appliedConditionalAccessPolicies`, `ResourceIdentity` `resourceId`, `Category`/`Type` gives `signInEventTypes`; dynamic columns written as JSON strings are parsed; workspace columns (`TenantId`, `TimeGenerated`, `Location`, `Resource`, ...) are dropped |
//! | Entra admin center > Sign-in logs > Download > CSV | any other CSV with a header row | `Request ID` is `id`, `Date (UTC)` `createdDateTime`, `Username` `userPrincipalName`, `User` `userDisplayName`, `Application`/`Application ID` `appDisplayName`/`appId`, `Resource` `resourceDisplayName`, `Sign-in error code`/`Failure reason` `status.errorCode`/`status.failureReason`, `Client app` `clientAppUsed`, `Device ID`/`Browser`/`Operating System`/`Compliant`/`Managed`/`Join Type` the `deviceDetail` fields, `Conditional Access` `conditionalAccessStatus`, `Location` (`City, State, CC`) `location`; `Yes`/`No` are booleans |
//!
//! Every other column or key that spells a Graph property name (in any case, with or without
//! spaces: `Client credential type`, `ClientCredentialType`) is that property. Anything else is
//! left out and named in one warning. Values are coerced to the property's type: numbers from
//! text (`"50126"`), booleans from `true`/`True`/`Yes`, objects and lists from JSON text; empty
//! cells are absent, not `""`. See [`schema`] for the tables and their sources.
//!
//! Bounds: at most [`MAX_BYTES`] of text are read (a longer CSV is read up to the last whole
//! line before the limit, a longer JSON array up to its last whole event, both with a warning)
//! and at most [`MAX_EVENTS`] events are kept. [`csv_events`] reads a CSV of any size one row
//! at a time.

pub mod fetch;
mod normalise;
pub mod schema;

use std::io::Read;

use serde_json::{Map, Value};

/// The most text [`read`] looks at.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;
/// The most events [`read`] keeps.
pub const MAX_EVENTS: usize = 10_000;

/// Why no sign-in event could be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    #[error(
        "empty input: expected a sign-in event as JSON (Graph, PowerShell, Entra admin center, Log Analytics) or CSV with a header row"
    )]
    Empty,
    #[error(
        "invalid JSON at line {line} column {column}: {message} (expected a sign-in event from Graph, PowerShell, the Entra admin center or Log Analytics)"
    )]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "truncated JSON: the text ends at line {line} column {column} before the sign-in event is complete"
    )]
    Truncated { line: usize, column: usize },
    #[error("not a sign-in event: {0}")]
    NotSignIn(String),
    #[error("CSV: {0}")]
    Csv(String),
}

/// The shape a document came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Graph JSON, the admin center's JSON download, or PowerShell's `ConvertTo-Json`.
    Json,
    /// Log Analytics rows as JSON.
    LogAnalyticsJson,
    /// The admin center's CSV download.
    PortalCsv,
    /// Log Analytics rows as CSV.
    LogAnalyticsCsv,
}

impl Format {
    pub fn describe(self) -> &'static str {
        match self {
            Format::Json => "sign-in JSON (Graph, PowerShell or Entra admin center)",
            Format::LogAnalyticsJson => "Log Analytics sign-in rows (JSON)",
            Format::PortalCsv => "Entra admin center sign-in CSV",
            Format::LogAnalyticsCsv => "Log Analytics sign-in rows (CSV)",
        }
    }
}

/// The events read from one document.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// Each event in the Graph beta `signIn` shape (always a JSON object).
    pub events: Vec<Value>,
    pub format: Format,
    /// What was skipped or cut, one line each, for the user to see.
    pub warnings: Vec<String>,
}

/// Normalise one event object of any supported shape (warnings are dropped; use [`read`] to
/// see them).
///
/// ```
/// let v = serde_json::json!({"ResultType": "7000222", "AppId": "x", "TimeGenerated": "2025-01-01T00:00:00Z"});
/// let e = aadsts_wizard::evidence::normalise(&v).unwrap();
/// assert_eq!(e["status"]["errorCode"], 7000222);
/// assert_eq!(e["appId"], "x");
/// ```
pub fn normalise(v: &Value) -> Result<Value, EvidenceError> {
    let (mut w, mut u) = (Vec::new(), Vec::new());
    normalise_with(v, &mut w, &mut u)
}

/// [`normalise`], adding warnings and the names of unknown keys to the given lists.
pub fn normalise_with(
    v: &Value,
    warnings: &mut Vec<String>,
    unknown: &mut Vec<String>,
) -> Result<Value, EvidenceError> {
    match v {
        Value::Object(m) => normalise::object(m, warnings, unknown),
        other => Err(EvidenceError::NotSignIn(format!(
            "expected a JSON object, got {}",
            json_kind(other)
        ))),
    }
}

/// Read a document holding one or more sign-in events.
pub fn read(text: &str) -> Result<Document, EvidenceError> {
    let mut warnings = Vec::new();
    let (text, cut) = if text.len() > MAX_BYTES {
        let mut end = MAX_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        warnings.push(format!(
            "the input is larger than {} MB; only the first {} MB were read",
            MAX_BYTES / (1024 * 1024),
            MAX_BYTES / (1024 * 1024)
        ));
        (&text[..end], true)
    } else {
        (text, false)
    };
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.trim().is_empty() {
        return Err(EvidenceError::Empty);
    }
    let mut doc = if body.starts_with('{') || body.starts_with('[') {
        read_json(body)?
    } else {
        let body = if cut {
            // The cut is mid-row: keep whole lines only.
            body.rfind('\n').map_or(body, |i| &body[..i + 1])
        } else {
            body
        };
        read_csv(body.as_bytes())?
    };
    warnings.append(&mut doc.warnings);
    doc.warnings = warnings;
    Ok(doc)
}

/// Read at most [`MAX_BYTES`] (plus one, to notice a longer input) from `r`; the memory a
/// caller spends on an input is bounded by this.
pub fn read_bounded(r: impl Read) -> std::io::Result<String> {
    let mut buf = Vec::new();
    r.take(MAX_BYTES as u64 + 1).read_to_end(&mut buf)?;
    Ok(match String::from_utf8(buf) {
        Ok(s) => s,
        Err(e) => {
            // A cut may split a character; anything else invalid is replaced, not fatal.
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    })
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn json_error(e: &serde_json::Error) -> EvidenceError {
    if e.is_eof() {
        EvidenceError::Truncated {
            line: e.line(),
            column: e.column(),
        }
    } else {
        let text = e.to_string();
        let message = text
            .rfind(" at line ")
            .map_or(text.as_str(), |i| &text[..i])
            .to_string();
        EvidenceError::Json {
            line: e.line(),
            column: e.column(),
            message,
        }
    }
}

fn read_json(body: &str) -> Result<Document, EvidenceError> {
    let mut warnings = Vec::new();
    let values: Vec<Value> = match serde_json::from_str::<Value>(body) {
        Ok(v) => vec![v],
        Err(e) if e.is_eof() => match recover_array(body) {
            Some(items) if !items.is_empty() => {
                warnings.push(format!(
                    "the JSON ends early (line {} column {}): read the {} complete events before the cut",
                    e.line(),
                    e.column(),
                    items.len()
                ));
                vec![Value::Array(items)]
            }
            _ => return Err(json_error(&e)),
        },
        Err(e) => {
            // Several JSON values one after another (NDJSON, `jq -c`, Sentinel exports).
            let mut stream = serde_json::Deserializer::from_str(body).into_iter::<Value>();
            let mut items = Vec::new();
            for item in stream.by_ref() {
                match item {
                    Ok(v) => items.push(v),
                    Err(e2) if items.len() > 1 => {
                        warnings.push(format!(
                            "stopped at line {}: {}",
                            e2.line(),
                            json_error(&e2)
                        ));
                        break;
                    }
                    Err(_) => return Err(json_error(&e)),
                }
            }
            if items.len() < 2 {
                return Err(json_error(&e));
            }
            vec![Value::Array(items)]
        }
    };
    let mut objects: Vec<Map<String, Value>> = Vec::new();
    let mut skipped = 0usize;
    for v in values {
        collect_objects(v, &mut objects, &mut skipped);
    }
    if skipped > 0 {
        warnings.push(format!(
            "skipped {skipped} array elements that are not JSON objects"
        ));
    }
    let is_la = objects.iter().any(|m| {
        m.keys().any(|k| {
            matches!(
                schema::key(k).as_str(),
                "resulttype" | "timegenerated" | "tenantid" | "sourcesystem"
            )
        })
    });
    let format = if is_la {
        Format::LogAnalyticsJson
    } else {
        Format::Json
    };
    let total = objects.len();
    if total == 0 {
        return Err(EvidenceError::NotSignIn(
            "the JSON holds no object (expected one event, an array of events or a {\"value\": [...]} page)"
                .to_string(),
        ));
    }
    let mut events = Vec::new();
    let mut unknown = Vec::new();
    let mut first_error = None;
    let mut failed = 0usize;
    for m in objects.into_iter().take(MAX_EVENTS) {
        match normalise::object(&m, &mut warnings, &mut unknown) {
            Ok(e) => events.push(e),
            Err(e) => {
                failed += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    if events.is_empty() {
        return Err(first_error.unwrap_or(EvidenceError::Empty));
    }
    if failed > 0 {
        warnings.push(format!(
            "skipped {failed} of {} objects that are not sign-in events",
            total.min(MAX_EVENTS)
        ));
    }
    if total > MAX_EVENTS {
        warnings.push(format!("kept the first {MAX_EVENTS} of {total} events"));
    }
    note_unknown(&mut unknown, &mut warnings, "fields");
    Ok(Document {
        events,
        format,
        warnings: dedup(warnings),
    })
}

/// Objects of a JSON value: the value itself, the elements of an array, of a Graph page's
/// `value`, or the rows of a Log Analytics query result's `tables`.
fn collect_objects(v: Value, out: &mut Vec<Map<String, Value>>, skipped: &mut usize) {
    match v {
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(m) if is_container(&m) => {
                        collect_objects(Value::Object(m), out, skipped)
                    }
                    Value::Object(m) => out.push(m),
                    _ => *skipped += 1,
                }
            }
        }
        Value::Object(mut m) => {
            if let Some(Value::Array(items)) = m.remove("value") {
                collect_objects(Value::Array(items), out, skipped);
            } else if let Some(Value::Array(tables)) = m.remove("tables") {
                for t in tables {
                    rows_of_table(&t, out);
                }
            } else {
                out.push(m);
            }
        }
        _ => *skipped += 1,
    }
}

fn is_container(m: &Map<String, Value>) -> bool {
    matches!(m.get("value"), Some(Value::Array(_)))
        || matches!(m.get("tables"), Some(Value::Array(_)))
}

/// `{"name": "PrimaryResult", "columns": [{"name": ..}], "rows": [[..]]}`.
fn rows_of_table(t: &Value, out: &mut Vec<Map<String, Value>>) {
    let names: Vec<&str> = t["columns"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    for row in t["rows"].as_array().into_iter().flatten() {
        if let Some(cells) = row.as_array() {
            out.push(
                names
                    .iter()
                    .zip(cells)
                    .map(|(n, v)| (n.to_string(), v.clone()))
                    .collect(),
            );
        }
    }
}

/// The complete elements of a JSON array cut off part way: a top-level array, or the `value`
/// array of a Graph page.
fn recover_array(body: &str) -> Option<Vec<Value>> {
    let start = if body.starts_with('[') {
        0
    } else {
        let i = body.find("\"value\"")?;
        let after = body[i + 7..].trim_start().strip_prefix(':')?.trim_start();
        if !after.starts_with('[') {
            return None;
        }
        body.len() - after.len()
    };
    let mut rest = &body[start + 1..];
    let mut items = Vec::new();
    loop {
        rest = rest.trim_start();
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
        match stream.next() {
            Some(Ok(v)) => {
                items.push(v);
                rest = rest[stream.byte_offset()..].trim_start();
                match rest.strip_prefix(',') {
                    Some(r) => rest = r,
                    None => return Some(items),
                }
            }
            _ => return Some(items),
        }
        if items.len() > MAX_EVENTS {
            return Some(items);
        }
    }
}

fn note_unknown(unknown: &mut Vec<String>, warnings: &mut Vec<String>, what: &str) {
    unknown.sort();
    unknown.dedup();
    if unknown.is_empty() {
        return;
    }
    let shown: Vec<&str> = unknown.iter().take(8).map(String::as_str).collect();
    let more = unknown.len().saturating_sub(shown.len());
    warnings.push(format!(
        "ignored {} {what} this tool does not know: '{}'{}",
        unknown.len(),
        shown.join("', '"),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    ));
}

fn dedup(warnings: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    warnings
        .into_iter()
        .filter(|w| seen.insert(w.clone()))
        .take(20)
        .collect()
}

/// The rows of a sign-in CSV, one normalised event at a time, from a reader of any size.
pub struct CsvEvents<R: Read> {
    rows: csv::StringRecordsIntoIter<R>,
    headers: Vec<String>,
    names: schema::Names,
    /// Header names this tool does not know.
    pub unknown_columns: Vec<String>,
    /// Rows that could not be read, one line each.
    pub warnings: Vec<String>,
}

impl<R: Read> CsvEvents<R> {
    /// Count the rows left without reading them into events.
    pub fn skip_rest(&mut self) -> usize {
        self.rows.by_ref().filter(Result::is_ok).count()
    }

    pub fn format(&self) -> Format {
        match self.names {
            schema::Names::LogAnalytics => Format::LogAnalyticsCsv,
            _ => Format::PortalCsv,
        }
    }
}

/// Start reading a sign-in CSV: reads the header row and checks that it names sign-in fields.
pub fn csv_events<R: Read>(r: R) -> Result<CsvEvents<R>, EvidenceError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(r);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| EvidenceError::Csv(csv_message(&e)))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let names = if headers.iter().any(|h| {
        matches!(
            schema::key(h).as_str(),
            "resulttype" | "timegenerated" | "timegeneratedutc" | "tenantid" | "sourcesystem"
        )
    }) {
        schema::Names::LogAnalytics
    } else {
        schema::Names::PortalCsv
    };
    let mut unknown_columns = Vec::new();
    let mut known = 0;
    for h in &headers {
        match schema::target(names, h) {
            Some(_) => known += 1,
            None => unknown_columns.push(h.clone()),
        }
    }
    if known == 0 {
        let first: Vec<&str> = headers.iter().take(3).map(String::as_str).collect();
        return Err(EvidenceError::Csv(format!(
            "no column is a sign-in field (the first line reads '{}'; expected a sign-in export from the Entra admin center or Log Analytics, with headers such as 'Request ID', 'Sign-in error code' or 'CorrelationId', 'ResultType')",
            crate::text::clean(&first.join(","))
        )));
    }
    Ok(CsvEvents {
        rows: reader.into_records(),
        headers,
        names,
        unknown_columns,
        warnings: Vec::new(),
    })
}

impl<R: Read> Iterator for CsvEvents<R> {
    type Item = Value;

    /// The next row that is a sign-in event; rows that are not (or cannot be read) are noted
    /// in `warnings` and skipped. Stops at the first row the CSV reader cannot continue past.
    fn next(&mut self) -> Option<Value> {
        loop {
            let record = match self.rows.next()? {
                Ok(r) => r,
                Err(e) => {
                    self.warnings
                        .push(format!("stopped reading the CSV: {}", csv_message(&e)));
                    if e.is_io_error() || matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                        return None;
                    }
                    continue;
                }
            };
            let mut b = normalise::Builder::new(self.names);
            for (h, cell) in self.headers.iter().zip(record.iter()) {
                if schema::target(self.names, h).is_some() {
                    b.add(h, &Value::String(cell.to_string()));
                }
            }
            let mut ignored = Vec::new();
            let line = record.position().map_or(0, |p| p.line());
            match b.finish(&mut self.warnings, &mut ignored) {
                Ok(e) => return Some(e),
                Err(e) => self.warnings.push(format!("line {line}: {e}")),
            }
        }
    }
}

fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { pos, .. } => format!(
            "line {}: not UTF-8 text",
            pos.as_ref().map_or(0, |p| p.line())
        ),
        csv::ErrorKind::Io(e) => e.to_string(),
        _ => e.to_string(),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Document, EvidenceError> {
    let mut rows = csv_events(bytes)?;
    let events: Vec<Value> = rows.by_ref().take(MAX_EVENTS).collect();
    // Past the limit the rows are only counted, not read into events.
    let dropped = rows.skip_rest();
    let mut warnings = std::mem::take(&mut rows.warnings);
    if dropped > 0 {
        warnings.push(format!(
            "kept the first {MAX_EVENTS} of {} events read",
            MAX_EVENTS + dropped
        ));
    }
    note_unknown(&mut rows.unknown_columns, &mut warnings, "columns");
    if events.is_empty() {
        return Err(EvidenceError::Csv(
            warnings
                .first()
                .cloned()
                .unwrap_or_else(|| "the header row has no sign-in rows under it".to_string()),
        ));
    }
    Ok(Document {
        events,
        format: rows.format(),
        warnings: dedup(warnings),
    })
}

/// Values a flow's placeholders can take from an event, by placeholder name. The caller keeps
/// only the names its flow declares and the values that pass the placeholder's kind (a masked
/// `{PII Removed}` does not pass as a GUID).
pub fn values(event: &Value) -> Vec<(&'static str, String)> {
    use crate::flow::names;
    let s = |path: &str| {
        let mut v = event;
        for part in path.split('.') {
            v = v.get(part)?;
        }
        match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let failed_policy = event["appliedConditionalAccessPolicies"]
        .as_array()
        .and_then(|ps| {
            ps.iter()
                .find(|p| p["result"] == "failure")
                .and_then(|p| p["id"].as_str())
        })
        .map(str::to_string);
    let tenant = s("resourceTenantId").or_else(|| s("homeTenantId"));
    let upn = s("userPrincipalName").filter(|u| u.contains('@'));
    let key_id = s("servicePrincipalCredentialKeyId");
    [
        (names::APP_ID, s("appId")),
        (names::TENANT_ID, tenant),
        ("home-tenant-id", s("homeTenantId")),
        (names::UPN, upn.clone()),
        ("login-name", upn),
        ("key-id", key_id.clone()),
        ("sp-key-id", key_id),
        ("thumbprint", s("servicePrincipalCredentialThumbprint")),
        ("device-id", s("deviceDetail.deviceId")),
        ("device-name", s("deviceDetail.displayName")),
        ("policy-id", failed_policy),
        ("ip-address", s("ipAddress")),
        ("resource-app-id", s("resourceId")),
        ("app-name", s("appDisplayName")),
        (names::ERROR_CODE, s("status.errorCode")),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect()
}

/// The trace (request) id, correlation id and time of an event, for incident notes.
pub fn ids(event: &Value) -> (Option<String>, Option<String>, Option<String>) {
    let s = |k: &str| {
        event[k]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    (s("id"), s("correlationId"), s("createdDateTime"))
}

/// The AADSTS code of an event (`status.errorCode`), when it is a failure.
pub fn code(event: &Value) -> Option<u32> {
    event["status"]["errorCode"]
        .as_u64()
        .filter(|c| *c != 0)
        .and_then(|c| u32::try_from(c).ok())
}

/// The event of `doc` the wizard should use: the first whose error code is `code`, else the
/// first failure, else the first event.
pub fn pick(events: &[Value], code: Option<u32>) -> Option<&Value> {
    let err = |e: &Value| e["status"]["errorCode"].as_u64();
    code.and_then(|c| events.iter().find(|e| err(e) == Some(u64::from(c))))
        .or_else(|| events.iter().find(|e| err(e).is_some_and(|c| c != 0)))
        .or_else(|| events.first())
}

#[cfg(test)]
mod tests;
