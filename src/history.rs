//! Values remembered between sessions (app ids, tenants, UPNs), per placeholder name, most
//! recent first. Secrets are never remembered. This module is the data and its file format;
//! `tui::store` reads and writes the file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::flow::Kind;

/// How many values are kept per placeholder.
pub const KEEP: usize = 8;
/// Longer values are not worth remembering (and a file full of them is not ours).
pub const MAX_VALUE_LEN: usize = 512;

/// Remembered values by placeholder name.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    /// File format version.
    version: u32,
    values: BTreeMap<String, Vec<String>>,
    /// What this session changed since it last saved, replayed onto the file as it is when
    /// saving, so that two wizards at once lose nothing and "forget all" sticks.
    #[serde(skip)]
    changes: Vec<Change>,
}

/// One change to the remembered values.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Change {
    Remember(String, String),
    ForgetAll,
}

/// Two histories are equal when they hold the same values (unsaved changes aside).
impl PartialEq for History {
    fn eq(&self, other: &History) -> bool {
        self.values == other.values
    }
}
impl Eq for History {}

/// Why a history file's text was not taken.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("not UTF-8 ({0})")]
    NotUtf8(#[from] std::str::Utf8Error),
    #[error("line {} column {}: {source}", .source.line(), .source.column())]
    Json {
        #[from]
        source: serde_json::Error,
    },
    #[error("written by a newer version (format {0})")]
    Newer(u32),
}

/// Whether a value may be written down at all.
fn storable(name: &str, value: &str) -> bool {
    !name.is_empty()
        && !value.trim().is_empty()
        && value.len() <= MAX_VALUE_LEN
        && !value.chars().any(char::is_control)
        && !name.chars().any(char::is_control)
}

impl History {
    /// Read the history file's bytes; see [`History::parse`].
    pub fn from_bytes(bytes: &[u8]) -> Result<History, HistoryError> {
        History::parse(std::str::from_utf8(bytes)?)
    }

    /// Read the history file's text. A file we cannot read is reported, never fatal: the
    /// caller warns and starts empty. Values that could not have come from us are dropped.
    pub fn parse(text: &str) -> Result<History, HistoryError> {
        if text.trim().is_empty() {
            return Ok(History::default());
        }
        let mut h: History = serde_json::from_str(text)?;
        if h.version > 1 {
            return Err(HistoryError::Newer(h.version));
        }
        for (name, list) in h.values.iter_mut() {
            list.retain(|v| storable(name, v));
            let mut seen = std::collections::HashSet::new();
            list.retain(|v| seen.insert(v.clone()));
            list.truncate(KEEP);
        }
        h.values.retain(|_, list| !list.is_empty());
        Ok(h)
    }

    /// The file's text.
    pub fn to_json(&self) -> String {
        let mut h = self.clone();
        h.version = 1;
        serde_json::to_string_pretty(&h).unwrap_or_default() + "\n"
    }

    /// Remember `value` for `name` as the most recent; returns whether anything changed.
    /// Secrets, empty and oversized values are ignored.
    pub fn remember(&mut self, name: &str, value: &str, kind: Kind) -> bool {
        if kind == Kind::Secret || !storable(name, value) {
            return false;
        }
        let changed = self.put(name, value);
        if changed {
            self.changes
                .push(Change::Remember(name.to_string(), value.to_string()));
        }
        changed
    }

    /// Put `value` first in `name`'s list; whether anything changed.
    fn put(&mut self, name: &str, value: &str) -> bool {
        let list = self.values.entry(name.to_string()).or_default();
        if list.first().is_some_and(|v| v == value) {
            return false;
        }
        list.retain(|v| v != value);
        list.insert(0, value.to_string());
        list.truncate(KEEP);
        true
    }

    /// Values remembered for `name`, most recent first.
    pub fn recent(&self, name: &str) -> &[String] {
        self.values.get(name).map_or(&[], Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Forget everything, here and (when saved) in the file, including what other sessions
    /// remembered before.
    pub fn clear(&mut self) {
        self.values.clear();
        self.changes.clear();
        self.changes.push(Change::ForgetAll);
    }

    /// Whether there are changes not yet saved.
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// This session's unsaved changes replayed onto `base` (the file as it is now): the
    /// result to write, and to keep as the session's history, with no changes pending.
    pub fn merged_onto(&self, mut base: History) -> History {
        for change in &self.changes {
            match change {
                Change::Remember(name, value) => {
                    base.put(name, value);
                }
                Change::ForgetAll => base.values.clear(),
            }
        }
        base.changes.clear();
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = "11111111-2222-3333-4444-555555555555";
    const APP2: &str = "66666666-2222-3333-4444-555555555555";

    #[test]
    fn most_recent_first_without_duplicates() {
        let mut h = History::default();
        assert!(h.remember("app-id", APP, Kind::Guid));
        assert!(h.remember("app-id", APP2, Kind::Guid));
        assert!(h.remember("app-id", APP, Kind::Guid));
        assert!(!h.remember("app-id", APP, Kind::Guid), "already the latest");
        assert_eq!(h.recent("app-id"), [APP, APP2]);
        assert!(h.recent("tenant-id").is_empty());
    }

    #[test]
    fn changes_replay_onto_another_sessions_file() {
        let mut other = History::default();
        other.remember("upn", "a@contoso.com", Kind::Upn);
        let file = other.merged_onto(History::default());
        let mut mine = History::default();
        mine.remember("app-id", APP, Kind::Guid);
        let merged = mine.merged_onto(file.clone());
        assert_eq!(merged.recent("upn"), ["a@contoso.com"]);
        assert_eq!(merged.recent("app-id"), [APP]);
        assert!(!merged.has_changes());
        // Forget all, then remember one: only that one is left, whatever the file had.
        let mut forget = merged.clone();
        forget.clear();
        forget.remember("app-id", APP2, Kind::Guid);
        let after = forget.merged_onto(merged);
        assert_eq!(after.recent("app-id"), [APP2]);
        assert!(after.recent("upn").is_empty());
    }

    #[test]
    fn keeps_a_bounded_list() {
        let mut h = History::default();
        for i in 0..20 {
            h.remember("upn", &format!("u{i}@contoso.com"), Kind::Upn);
        }
        assert_eq!(h.recent("upn").len(), KEEP);
        assert_eq!(h.recent("upn")[0], "u19@contoso.com");
    }

    #[test]
    fn secrets_and_junk_are_never_remembered() {
        let mut h = History::default();
        assert!(!h.remember("client-secret", "s3cr3t~value", Kind::Secret));
        assert!(!h.remember("app-id", "", Kind::Guid));
        assert!(!h.remember("x", "a\u{1b}[31mb", Kind::Text));
        assert!(!h.remember("x", &"a".repeat(MAX_VALUE_LEN + 1), Kind::Text));
        assert!(h.is_empty());
        assert!(!h.to_json().contains("s3cr3t"));
    }

    #[test]
    fn round_trips_through_its_file() {
        let mut h = History::default();
        h.remember("app-id", APP, Kind::Guid);
        h.remember("upn", "ops@contoso.com", Kind::Upn);
        let text = h.to_json();
        assert_eq!(History::parse(&text).expect("our own file"), {
            let mut h2 = h.clone();
            h2.version = 1;
            h2
        });
        assert_eq!(
            History::parse("").expect("empty is fine"),
            History::default()
        );
    }

    #[test]
    fn garbled_files_are_errors_not_panics() {
        for bad in [
            "{",
            "not json",
            "[1,2,3]",
            "{\"version\":1,\"values\":{\"a\":[1]}}",
            "{\"version\":9,\"values\":{}}",
            "{\"version\":1,\"values\":{},\"extra\":true}",
            "\u{0}\u{1}\u{2}",
        ] {
            assert!(History::parse(bad).is_err(), "{bad:?}");
        }
        let e = History::parse("{\n  \"version\": 1,\n  oops\n}")
            .expect_err("bad")
            .to_string();
        assert!(e.starts_with("line 3 column"), "{e}");
    }

    #[test]
    fn hostile_values_in_the_file_are_dropped() {
        let text = format!(
            "{{\"version\":1,\"values\":{{\"app-id\":[\"{APP}\",\"\\u001b]52;c;x\\u0007\",\"{APP}\"],\"e\":[\"\"]}}}}"
        );
        let h = History::parse(&text).expect("valid JSON");
        assert_eq!(h.recent("app-id"), [APP]);
        assert!(h.recent("e").is_empty());
    }
}
