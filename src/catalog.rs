//! The catalog of AADSTS codes: what each code means, who fixes it, and how to find it again.
//! Loaded from the embedded `assets/catalog.yaml`; plain data, no I/O.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The broad area a code belongs to; a small fixed set so search and screens can group codes.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Credentials,
    ConditionalAccess,
    Mfa,
    Consent,
    AppRegistration,
    Tenant,
    UserAccount,
    Federation,
    Hybrid,
    Device,
    Password,
    SessionToken,
    Protocol,
    Service,
}

impl Category {
    /// Every category, in display order.
    pub const ALL: [Category; 14] = [
        Category::Credentials,
        Category::ConditionalAccess,
        Category::Mfa,
        Category::Consent,
        Category::AppRegistration,
        Category::Tenant,
        Category::UserAccount,
        Category::Federation,
        Category::Hybrid,
        Category::Device,
        Category::Password,
        Category::SessionToken,
        Category::Protocol,
        Category::Service,
    ];

    /// The kebab-case name used in the YAML and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Credentials => "credentials",
            Category::ConditionalAccess => "conditional-access",
            Category::Mfa => "mfa",
            Category::Consent => "consent",
            Category::AppRegistration => "app-registration",
            Category::Tenant => "tenant",
            Category::UserAccount => "user-account",
            Category::Federation => "federation",
            Category::Hybrid => "hybrid",
            Category::Device => "device",
            Category::Password => "password",
            Category::SessionToken => "session-token",
            Category::Protocol => "protocol",
            Category::Service => "service",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who usually has to act to clear the error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum WhoFixes {
    User,
    Admin,
    Developer,
    Microsoft,
}

impl WhoFixes {
    /// The lowercase name used in the YAML and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            WhoFixes::User => "user",
            WhoFixes::Admin => "admin",
            WhoFixes::Developer => "developer",
            WhoFixes::Microsoft => "microsoft",
        }
    }
}

impl fmt::Display for WhoFixes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One AADSTS code as stored in the catalog file.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub code: u32,
    /// Microsoft's official name (`AuthenticationFailed`), where the reference gives one.
    #[serde(default)]
    pub name: Option<String>,
    pub summary: String,
    pub category: Category,
    pub who_fixes: WhoFixes,
    pub transient: bool,
    #[serde(default)]
    pub related: Vec<u32>,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// An older official name: kept where Microsoft's current page gives none or renamed the
    /// code (shown as "formerly …" and searchable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_name: Option<String>,
    /// Where the code is documented: Microsoft's error-code page, or only observed in real
    /// errors (then `evidence` names the threads or pages that show it).
    #[serde(default)]
    pub source: Source,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// An expected part of a normal sign-in or token lifecycle (interrupts, polling): people
    /// triaging logs can set it aside unless it repeats or blocks.
    #[serde(default)]
    pub expected: bool,
}

/// Where a code is documented.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// On Microsoft's current error-code page.
    #[default]
    Microsoft,
    /// Not on Microsoft's page; seen in real errors.
    Observed,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Microsoft => "microsoft",
            Source::Observed => "observed",
        }
    }
}

impl Entry {
    /// Microsoft's lookup page for this code; derived, never stored.
    pub fn lookup_url(&self) -> String {
        lookup_url(self.code)
    }

    /// `AADSTS50012`, the way the code appears in error messages.
    pub fn label(&self) -> String {
        format!("AADSTS{}", self.code)
    }
}

/// Microsoft's error lookup page for `code`.
pub fn lookup_url(code: u32) -> String {
    format!("https://login.microsoftonline.com/error?code={code}")
}

/// A problem found while loading the catalog file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct CatalogError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Every known code, sorted by code number.
#[derive(Debug, Clone)]
pub struct Catalog {
    // Shared: the flow library keeps a copy for flows it parses later, and a clone is free.
    inner: std::sync::Arc<Indexed>,
}

#[derive(Debug)]
struct Indexed {
    entries: Vec<Entry>,
    by_code: BTreeMap<u32, usize>,
}

impl Catalog {
    /// A catalog with no codes (for files that name none).
    pub fn empty() -> Catalog {
        Catalog {
            inner: std::sync::Arc::new(Indexed {
                entries: Vec::new(),
                by_code: BTreeMap::new(),
            }),
        }
    }

    /// Parse and check a catalog file: YAML errors, duplicate codes, empty texts and related codes
    /// that are not in the catalog are all reported, each with its position.
    pub fn from_yaml(file: &str, src: &str) -> Result<Catalog, Vec<CatalogError>> {
        let entries: Vec<Entry> = crate::yaml::from_str(src).map_err(|e| {
            vec![CatalogError {
                file: file.to_string(),
                line: e.line,
                column: e.column,
                message: e.message,
            }]
        })?;
        Catalog::check(file, src, entries)
    }

    /// Like [`Catalog::from_yaml`], but parse `json`, the same document converted at build time
    /// (ten times faster to read). `file` names the YAML it came from; the YAML itself is not at
    /// hand, so problems are reported at 1:1 (tests check the YAML with positions).
    pub fn from_json(file: &str, json: &str) -> Result<Catalog, Vec<CatalogError>> {
        match serde_json::from_str::<Vec<Entry>>(json) {
            Ok(entries) => Catalog::check(file, "", entries),
            Err(e) => Err(vec![CatalogError {
                file: file.to_string(),
                line: 1,
                column: 1,
                message: format!("the converted catalog does not load: {e}"),
            }]),
        }
    }

    fn check(file: &str, src: &str, mut entries: Vec<Entry>) -> Result<Catalog, Vec<CatalogError>> {
        // Positions are looked up in the source only for entries with a problem: the entry
        // with `code` is the n-th item of the file's list.
        let order: Vec<u32> = entries.iter().map(|e| e.code).collect();
        let positions = std::cell::OnceCell::new();
        let err = |code: u32, message: String| {
            let (line, column) = match order.iter().position(|c| *c == code) {
                Some(i) if !src.is_empty() => positions
                    .get_or_init(|| crate::yaml::Positions::scan(src))
                    .of(&format!("[{i}].code")),
                _ => (1, 1),
            };
            CatalogError {
                file: file.to_string(),
                line,
                column,
                message,
            }
        };
        let mut problems = Vec::new();
        let mut by_code = BTreeMap::new();
        for entry in &entries {
            if by_code.insert(entry.code, ()).is_some() {
                problems.push(err(entry.code, format!("duplicate code '{}'", entry.code)));
            }
            if entry.summary.trim().is_empty() {
                problems.push(err(
                    entry.code,
                    format!("code '{}' has an empty summary", entry.code),
                ));
            }
            if entry.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
                problems.push(err(
                    entry.code,
                    format!("code '{}' has an empty name", entry.code),
                ));
            }
        }
        for entry in &entries {
            for rel in &entry.related {
                if !by_code.contains_key(rel) {
                    problems.push(err(
                        entry.code,
                        format!("code '{}' is related to unknown code '{rel}'", entry.code),
                    ));
                }
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| (p.line, p.column));
            return Err(problems);
        }
        entries.sort_by_key(|e| e.code);
        let by_code = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.code, i))
            .collect();
        Ok(Catalog {
            inner: std::sync::Arc::new(Indexed { entries, by_code }),
        })
    }

    /// All entries, sorted by code.
    pub fn entries(&self) -> &[Entry] {
        &self.inner.entries
    }

    /// The entry for `code`, if known.
    pub fn get(&self, code: u32) -> Option<&Entry> {
        self.inner
            .by_code
            .get(&code)
            .map(|&i| &self.inner.entries[i])
    }

    /// Look a code up from user text: `50012`, `AADSTS50012`, `aadsts 50012`.
    pub fn lookup(&self, text: &str) -> Result<&Entry, LookupError> {
        let code =
            parse_code(text).ok_or_else(|| LookupError::Malformed(text.trim().to_string()))?;
        self.get(code).ok_or_else(|| LookupError::Unknown {
            code,
            suggestions: self.nearest(code, 5),
        })
    }

    /// Known codes that look most like `code` (a typo or transposed digits), best first.
    pub fn nearest(&self, code: u32, limit: usize) -> Vec<u32> {
        let wanted = code.to_string();
        let mut scored: Vec<(usize, u32, u32)> = self
            .entries()
            .iter()
            .filter(|e| e.code != code)
            .map(|e| {
                let s = e.code.to_string();
                let distance = edit_distance(&wanted, &s);
                (distance, s.len().abs_diff(wanted.len()) as u32, e.code)
            })
            .filter(|(d, _, _)| *d <= 2)
            .collect();
        scored.sort_by_key(|&(d, len_diff, c)| (d, len_diff, c.abs_diff(code), c));
        scored.into_iter().take(limit).map(|(_, _, c)| c).collect()
    }

    /// The position of an entry in [`Catalog::entries`].
    pub fn index_of(&self, code: u32) -> Option<usize> {
        self.inner.by_code.get(&code).copied()
    }
}

/// Why a lookup found nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("'{0}' is not an AADSTS code (expected digits such as 50012 or AADSTS50012)")]
    Malformed(String),
    #[error("unknown code 'AADSTS{code}'")]
    Unknown { code: u32, suggestions: Vec<u32> },
}

/// Read a code from user text: `50012`, `AADSTS50012`, `aadsts 50012`, ` AADSTS-50012 `.
pub fn parse_code(text: &str) -> Option<u32> {
    let t = text.trim();
    let rest = match t.get(..6) {
        Some(p) if p.eq_ignore_ascii_case("aadsts") => {
            t[6..].trim_start_matches([' ', '-', ':', '_'])
        }
        _ => t,
    };
    if rest.is_empty() || rest.len() > 9 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok()
}

/// Damerau-Levenshtein (optimal string alignment) distance: a swap of two digits counts once.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "\
- code: 50012
  name: AuthenticationFailed
  summary: The app's credential was rejected.
  category: credentials
  who_fixes: developer
  transient: false
  related: [7000215]
  keywords: [expired secret]
- code: 7000215
  summary: The secret sent is not the secret value.
  category: credentials
  who_fixes: developer
  transient: false
  related: [50012]
- code: 50126
  name: InvalidUserNameOrPassword
  summary: Wrong password.
  category: credentials
  who_fixes: user
  transient: false
";

    #[test]
    fn parse_code_accepts_usual_spellings() {
        for (text, want) in [
            ("50012", Some(50012)),
            ("AADSTS50012", Some(50012)),
            ("aadsts 50012", Some(50012)),
            (" AADSTS-50012 ", Some(50012)),
            ("aadsts:7000215", Some(7000215)),
            ("5001x", None),
            ("", None),
            ("AADSTS", None),
            ("12345678901", None),
            ("-5", None),
        ] {
            assert_eq!(parse_code(text), want, "{text:?}");
        }
    }

    #[test]
    fn lookup_finds_and_suggests() {
        let cat = Catalog::from_yaml("c.yaml", SMALL).expect("valid");
        assert_eq!(cat.lookup("AADSTS50012").map(|e| e.code), Ok(50012));
        assert_eq!(cat.get(7000215).and_then(|e| e.name.clone()), None);
        match cat.lookup("50216") {
            Err(LookupError::Unknown { suggestions, .. }) => assert_eq!(suggestions[0], 50126),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            cat.lookup("hello"),
            Err(LookupError::Malformed(_))
        ));
    }

    #[test]
    fn entries_sorted_and_url_derived() {
        let cat = Catalog::from_yaml("c.yaml", SMALL).expect("valid");
        let codes: Vec<u32> = cat.entries().iter().map(|e| e.code).collect();
        assert_eq!(codes, vec![50012, 50126, 7000215]);
        assert_eq!(
            cat.entries()[0].lookup_url(),
            "https://login.microsoftonline.com/error?code=50012"
        );
    }

    #[test]
    fn bad_catalog_reports_positions() {
        let src = "\
- code: 1
  summary: a
  category: credentials
  who_fixes: user
  transient: false
  related: [2]
- code: 1
  summary: ' '
  category: credentials
  who_fixes: user
  transient: false
";
        let errs = Catalog::from_yaml("c.yaml", src).expect_err("invalid");
        let msgs: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert!(
            msgs.contains(&"c.yaml:1:3: code '1' is related to unknown code '2'".to_string()),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("duplicate code '1'")),
            "{msgs:?}"
        );
        assert!(msgs.iter().any(|m| m.contains("empty summary")), "{msgs:?}");
    }

    #[test]
    fn unknown_field_is_reported_with_position() {
        let src = "- code: 1\n  summry: x\n";
        let errs = Catalog::from_yaml("c.yaml", src).expect_err("invalid");
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0].to_string().starts_with("c.yaml:2:3: "),
            "{}",
            errs[0]
        );
        assert!(errs[0].to_string().contains("summry"), "{}", errs[0]);
    }

    #[test]
    fn edit_distance_counts_swaps_once() {
        assert_eq!(edit_distance("50216", "50126"), 1);
        assert_eq!(edit_distance("50012", "50012"), 0);
        assert_eq!(edit_distance("5001", "50012"), 1);
    }
}
