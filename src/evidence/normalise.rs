//! One event of any shape -> the Graph beta `signIn` shape.

use serde_json::{Map, Number, Value};

use super::EvidenceError;
use super::schema::{self, Kind, Names, Target};

/// Builds one normalised event from (name, value) pairs, collecting what it had to skip.
pub(crate) struct Builder {
    names: Names,
    event: Map<String, Value>,
    table: Option<String>,
    status_word: Option<String>,
    pub(crate) unknown: Vec<String>,
    pub(crate) warnings: Vec<String>,
    cut_by_powershell: Vec<String>,
}

impl Builder {
    pub(crate) fn new(names: Names) -> Builder {
        Builder {
            names,
            event: Map::new(),
            table: None,
            status_word: None,
            unknown: Vec::new(),
            warnings: Vec::new(),
            cut_by_powershell: Vec::new(),
        }
    }

    /// Add the column or key `name` with its value.
    pub(crate) fn add(&mut self, name: &str, value: &Value) {
        match schema::target(self.names, name) {
            None => self.unknown.push(name.to_string()),
            Some(Target::Ignored) => {}
            Some(Target::Table) => {
                if let Some(s) = value.as_str() {
                    self.table.get_or_insert_with(|| s.to_string());
                }
            }
            Some(Target::StatusWord) => {
                if let Some(s) = value.as_str() {
                    self.status_word = Some(s.trim().to_string());
                }
            }
            Some(Target::Field(path, kind)) => self.set(path, kind, value),
        }
    }

    fn set(&mut self, path: &str, kind: Kind, value: &Value) {
        let Some(v) = self.coerce(path, kind, value) else {
            return;
        };
        match path.split_once('.') {
            None => match (self.event.get_mut(path), v) {
                // A whole object (Log Analytics `Status`) and a column for one of its fields
                // (`ResultType`) may both come: keep the union, the object's values first.
                (Some(Value::Object(old)), Value::Object(new)) => {
                    for (k, v) in new {
                        old.insert(k, v);
                    }
                }
                (_, v) => {
                    self.event.insert(path.to_string(), v);
                }
            },
            Some((head, field)) => {
                let slot = self
                    .event
                    .entry(head.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = slot {
                    m.entry(field.to_string()).or_insert(v);
                }
            }
        }
    }

    /// The value as `kind`, or `None` (with a warning when something was there) when it is
    /// empty or cannot be read.
    fn coerce(&mut self, path: &str, kind: Kind, value: &Value) -> Option<Value> {
        let v = match value {
            Value::Null => return None,
            Value::String(s) if s.trim().is_empty() => return None,
            v => v,
        };
        let bad = |this: &mut Builder, why: &str| {
            this.warnings
                .push(format!("ignored '{path}': {why}: '{}'", short(v)));
            None
        };
        match kind {
            Kind::Str => match v {
                Value::String(s) => {
                    if is_powershell_type_name(s) {
                        self.cut_by_powershell.push(path.to_string());
                        return None;
                    }
                    if let Some(c) = schema::canonical(path, s) {
                        return Some(Value::String(c.to_string()));
                    }
                    Some(Value::String(self.date_fix(path, s)))
                }
                Value::Number(n) => Some(Value::String(n.to_string())),
                Value::Bool(b) => Some(Value::String(b.to_string())),
                other => Some(deep_camel(other, &mut self.cut_by_powershell, path)),
            },
            Kind::Int => match v {
                Value::Number(n) if n.is_i64() || n.is_u64() => Some(v.clone()),
                Value::Number(n) => match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        Some(Value::Number(Number::from(f as i64)))
                    }
                    _ => bad(self, "not a whole number"),
                },
                Value::String(s) => match s.trim().parse::<i64>() {
                    Ok(n) => Some(Value::Number(n.into())),
                    Err(_) => bad(self, "not a number"),
                },
                _ => bad(self, "not a number"),
            },
            Kind::Bool => match v {
                Value::Bool(_) => Some(v.clone()),
                Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                    "true" | "yes" | "1" => Some(Value::Bool(true)),
                    "false" | "no" | "0" => Some(Value::Bool(false)),
                    _ => bad(self, "not true or false"),
                },
                Value::Number(n) => Some(Value::Bool(n.as_f64() != Some(0.0))),
                _ => bad(self, "not true or false"),
            },
            Kind::Obj | Kind::List | Kind::Any => {
                let parsed = match v {
                    Value::String(s) => {
                        let t = s.trim();
                        if t.starts_with('{') || t.starts_with('[') {
                            match serde_json::from_str::<Value>(t) {
                                Ok(p) => p,
                                Err(_) => return bad(self, "not valid JSON"),
                            }
                        } else if is_powershell_type_name(t) {
                            self.cut_by_powershell.push(path.to_string());
                            return None;
                        } else if path == "location" {
                            return Some(location_from_text(t));
                        } else if kind == Kind::List {
                            Value::Array(
                                t.split(',')
                                    .map(str::trim)
                                    .filter(|s| !s.is_empty())
                                    .map(|s| Value::String(s.to_string()))
                                    .collect(),
                            )
                        } else if kind == Kind::Obj {
                            return bad(self, "not an object");
                        } else {
                            v.clone()
                        }
                    }
                    other => other.clone(),
                };
                match (kind, &parsed) {
                    (Kind::Obj, Value::Object(_))
                    | (Kind::List, Value::Array(_))
                    | (Kind::Any, _) => {
                        Some(deep_camel(&parsed, &mut self.cut_by_powershell, path))
                    }
                    (Kind::List, Value::Object(_)) => Some(Value::Array(vec![deep_camel(
                        &parsed,
                        &mut self.cut_by_powershell,
                        path,
                    )])),
                    _ => bad(self, "unexpected type"),
                }
            }
        }
    }

    /// PowerShell 5.1 writes dates as `/Date(1700000000000)/`; the admin center CSV as
    /// `2024-07-23 15:19:52`. Both become ISO 8601 UTC, as Graph writes them.
    fn date_fix(&self, path: &str, s: &str) -> String {
        if path != "createdDateTime" {
            return s.to_string();
        }
        let t = s.trim();
        if let Some(ms) = t
            .strip_prefix("/Date(")
            .and_then(|r| r.strip_suffix(")/"))
            .and_then(|r| r.split(['+', '-']).next())
            .and_then(|r| r.parse::<u64>().ok())
        {
            return crate::notes::utc_time(ms / 1000);
        }
        let b = t.as_bytes();
        if b.len() == 19 && b[10] == b' ' && b[4] == b'-' && b[13] == b':' {
            return format!("{}T{}Z", &t[..10], &t[11..]);
        }
        t.to_string()
    }

    /// The event, or why there is none; what was skipped goes to `warnings` and `unknown`.
    pub(crate) fn finish(
        mut self,
        warnings: &mut Vec<String>,
        unknown: &mut Vec<String>,
    ) -> Result<Value, EvidenceError> {
        let out = self.build();
        warnings.append(&mut self.warnings);
        unknown.append(&mut self.unknown);
        out
    }

    fn build(&mut self) -> Result<Value, EvidenceError> {
        if self.event.is_empty() {
            let seen: Vec<&str> = self.unknown.iter().take(5).map(String::as_str).collect();
            return Err(EvidenceError::NotSignIn(if seen.is_empty() {
                "it has no fields".to_string()
            } else {
                format!(
                    "none of its fields is a sign-in field (it has '{}')",
                    seen.join("', '")
                )
            }));
        }
        if let Some(word) = self.status_word.take() {
            let status = self
                .event
                .entry("status".to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = status
                && word.eq_ignore_ascii_case("success")
            {
                m.entry("errorCode".to_string()).or_insert(0.into());
            }
        }
        if !self.event.contains_key("signInEventTypes")
            && let Some(t) = self.table.as_deref().and_then(schema::event_type_of_table)
        {
            self.event
                .insert("signInEventTypes".to_string(), Value::Array(vec![t.into()]));
        }
        coerce_nested(&mut self.event, &mut self.warnings);
        if !self.cut_by_powershell.is_empty() {
            self.cut_by_powershell.dedup();
            self.warnings.push(format!(
                "PowerShell's ConvertTo-Json cut off '{}'; run it again with -Depth 10",
                self.cut_by_powershell.join("', '")
            ));
        }
        Ok(Value::Object(std::mem::take(&mut self.event)))
    }
}

/// The known fields inside objects and collection elements, coerced to their kinds
/// (`status.errorCode` from a string, `deviceDetail.isCompliant` from `"True"`).
fn coerce_nested(event: &mut Map<String, Value>, warnings: &mut Vec<String>) {
    for (path, kind) in schema::NESTED {
        let (head, rest, each) = match path.split_once("[].") {
            Some((h, r)) => (h, r, true),
            None => match path.split_once('.') {
                Some((h, r)) => (h, r, false),
                None => continue,
            },
        };
        let targets: Vec<&mut Value> = match event.get_mut(head) {
            Some(Value::Array(items)) if each => items.iter_mut().collect(),
            Some(v @ Value::Object(_)) if !each => vec![v],
            _ => continue,
        };
        for t in targets {
            let Value::Object(m) = t else { continue };
            let Some(v) = m.get_mut(rest) else { continue };
            match (kind, &*v) {
                (Kind::Int, Value::String(s)) => match s.trim().parse::<i64>() {
                    Ok(n) => *v = n.into(),
                    Err(_) => warnings.push(format!("'{path}' is not a number: '{}'", short(v))),
                },
                (Kind::Str, Value::String(s)) => {
                    if let Some(c) = schema::canonical(path, s) {
                        *v = c.into();
                    }
                }
                (Kind::Bool, Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                    "true" | "yes" => *v = true.into(),
                    "false" | "no" => *v = false.into(),
                    _ => {}
                },
                _ => {}
            }
        }
    }
}

/// PascalCase keys (PowerShell) become camelCase at every depth; empty and null members go; SDK leftovers
/// (`AdditionalProperties`, `@odata.type`) go; values PowerShell cut off at its depth limit
/// (`System.Object[]`, `Microsoft.Graph.Beta.PowerShell.Models.…`) are dropped and noted.
fn deep_camel(v: &Value, cut: &mut Vec<String>, path: &str) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| {
                    let k = schema::key(k);
                    k != "additionalproperties" && !k.starts_with("odata")
                })
                .filter_map(|(k, v)| {
                    // Empty is absent, at every depth and in every shape (a CSV cell cannot
                    // tell "" from missing).
                    if v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()) {
                        return None;
                    }
                    if v.as_str().is_some_and(is_powershell_type_name) {
                        cut.push(format!("{path}.{}", camel(k)));
                        return None;
                    }
                    Some((camel(k), deep_camel(v, cut, path)))
                })
                .collect(),
        ),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                if i.as_str().is_some_and(is_powershell_type_name) {
                    cut.push(path.to_string());
                } else {
                    out.push(deep_camel(i, cut, path));
                }
            }
            Value::Array(out)
        }
        other => other.clone(),
    }
}

fn camel(k: &str) -> String {
    let mut chars = k.chars();
    match chars.next() {
        Some(c) if c.is_ascii_uppercase() && !k.chars().all(|c| c.is_ascii_uppercase()) => {
            c.to_ascii_lowercase().to_string() + chars.as_str()
        }
        _ => k.to_string(),
    }
}

/// The text PowerShell writes for an object deeper than `ConvertTo-Json -Depth`.
fn is_powershell_type_name(s: &str) -> bool {
    let s = s.trim();
    (s.starts_with("System.") || s.starts_with("Microsoft.Graph."))
        && !s.contains(' ')
        && s.len() < 200
}

/// The admin center CSV's `Location`: `City, State, CC`.
fn location_from_text(t: &str) -> Value {
    let parts: Vec<&str> = t.split(',').map(str::trim).collect();
    let mut m = Map::new();
    let mut put = |k: &str, v: &str| {
        if !v.is_empty() {
            m.insert(k.to_string(), Value::String(v.to_string()));
        }
    };
    if let [city, state, country] = parts.as_slice() {
        put("city", city);
        put("state", state);
        put("countryOrRegion", country);
    } else {
        put("city", t);
    }
    Value::Object(m)
}

/// A value, shortened for a one-line message.
fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// Normalise one JSON object of any supported shape, collecting warnings.
pub(crate) fn object(
    m: &Map<String, Value>,
    warnings: &mut Vec<String>,
    unknown: &mut Vec<String>,
) -> Result<Value, EvidenceError> {
    let names = if m.keys().any(|k| {
        matches!(
            schema::key(k).as_str(),
            "resulttype" | "timegenerated" | "tenantid" | "sourcesystem" | "aadtenantid"
        )
    }) {
        Names::LogAnalytics
    } else {
        Names::Graph
    };
    let mut b = Builder::new(names);
    for (k, v) in m {
        b.add(k, v);
    }
    b.finish(warnings, unknown)
}
