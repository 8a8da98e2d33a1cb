//! `--var NAME=VALUE` values from the command line, checked the same way for `walk` and the
//! wizard: the name must be a placeholder the flows declare, the value must suit its kind.

use crate::command::Values;
use crate::flow::library::Library;
use crate::flow::{Expected, Placeholder};

/// Why a `--var` was refused; every message lists the names that are accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VarError {
    #[error(
        "--var '{given}' should be NAME=VALUE, e.g. app-id=11111111-2222-3333-4444-555555555555; names: {}",
        names.join(", ")
    )]
    Malformed { given: String, names: Vec<String> },
    #[error("--var: unknown name '{name}'{hint}; names: {}", names.join(", "))]
    Unknown {
        name: String,
        hint: String,
        names: Vec<String>,
    },
    #[error("--var {name}: '{value}' is not {expected}; names: {}", names.join(", "))]
    Invalid {
        name: String,
        value: String,
        expected: Expected,
        names: Vec<String>,
    },
}

/// Parse `vars` against `placeholders` (a flow's, or every flow's for the wizard without a
/// code). A name declared twice with different kinds takes a value either kind accepts.
///
/// ```
/// use aadsts_wizard::flow::{Kind, Placeholder, vars::parse};
/// let app = Placeholder { name: "app-id".into(), prompt: String::new(), example: String::new(), kind: Kind::Guid };
/// assert!(parse(&[app.clone()], &["app-id=hello".to_string()]).is_err());
/// assert!(parse(&[app], &["appid=x".to_string()]).unwrap_err().to_string().contains("did you mean 'app-id'"));
/// ```
pub fn parse(placeholders: &[Placeholder], vars: &[String]) -> Result<Values, VarError> {
    // The error's ids name its sign-in event (the commands that fetch it take them) wherever
    // a flow has no placeholder of that name.
    let fetch = crate::evidence::fetch::flow().map_or(&[][..], |f| &f.placeholders[..]);
    let placeholders: Vec<Placeholder> = placeholders
        .iter()
        .chain(
            fetch
                .iter()
                .filter(|f| !placeholders.iter().any(|p| p.name == f.name)),
        )
        .cloned()
        .collect();
    let placeholders = &placeholders[..];
    let mut names: Vec<String> = placeholders.iter().map(|p| p.name.clone()).collect();
    names.sort();
    names.dedup();
    let mut values = Values::new();
    for v in vars {
        let Some((name, value)) = v.split_once('=') else {
            return Err(VarError::Malformed {
                given: v.clone(),
                names,
            });
        };
        let declared: Vec<&Placeholder> = placeholders.iter().filter(|p| p.name == name).collect();
        if declared.is_empty() {
            let hint = closest(name, &names)
                .map(|n| format!(", did you mean '{n}'?"))
                .unwrap_or_default();
            return Err(VarError::Unknown {
                name: name.to_string(),
                hint,
                names,
            });
        }
        if let Err(expected) = check(&declared, value) {
            return Err(VarError::Invalid {
                name: name.to_string(),
                value: value.to_string(),
                expected,
                names,
            });
        }
        values.insert(name.to_string(), value.to_string());
    }
    Ok(values)
}

/// The wizard's `--var`s: checked against the flow that serves `code` (its own, or the
/// triage flow), or against every flow's names when no code is opened.
pub fn parse_for(
    library: &Library,
    code: Option<u32>,
    vars: &[String],
) -> Result<Values, VarError> {
    match code.and_then(|c| library.for_code_or_fallback(c)) {
        Some(flow) => parse(&flow.placeholders, vars),
        None => parse(&library.placeholders(), vars),
    }
}

/// Check `value` for a name declared by `declared` (one placeholder, or the same name in
/// several flows): it must suit one of their kinds. The error names what the first expects.
/// The wizard's values form and `--var` check values through this.
pub fn check(declared: &[&Placeholder], value: &str) -> Result<(), Expected> {
    let mut first = None;
    for p in declared {
        match p.kind.check(value) {
            Ok(()) => return Ok(()),
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    first.map_or(Ok(()), Err)
}

/// The accepted name closest to a typo: same letters without hyphens, or one edit away.
fn closest<'a>(name: &str, names: &'a [String]) -> Option<&'a str> {
    let squash = |s: &str| s.replace(['-', '_'], "").to_lowercase();
    names
        .iter()
        .map(|n| (edits(&squash(name), &squash(n)), n))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| n.as_str())
}

/// Levenshtein distance, for short names.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::Kind;

    fn ph(name: &str, kind: Kind) -> Placeholder {
        Placeholder {
            name: name.into(),
            prompt: String::new(),
            example: String::new(),
            kind,
        }
    }

    #[test]
    fn table() {
        let phs = [
            ph("app-id", Kind::Guid),
            ph("tenant-id", Kind::Tenant),
            ph("upn", Kind::Upn),
        ];
        for (arg, want) in [
            ("app-id=11111111-2222-3333-4444-555555555555", Ok(())),
            ("tenant-id=contoso.onmicrosoft.com", Ok(())),
            ("tenant-id=11111111-2222-3333-4444-555555555555", Ok(())),
            ("app-id=hello", Err("--var app-id: 'hello' is not a GUID")),
            (
                "appid=x",
                Err("unknown name 'appid', did you mean 'app-id'?"),
            ),
            (
                "nothing=x",
                Err(
                    "unknown name 'nothing'; names: app-id, correlation-id, tenant-id, trace-id, upn",
                ),
            ),
            ("app-id", Err("should be NAME=VALUE")),
            ("upn=a@b.c\u{1b}[2J", Err("no control characters")),
        ] {
            let got = parse(&phs, &[arg.to_string()]);
            match (want, got) {
                (Ok(()), Ok(v)) => assert_eq!(v.len(), 1, "{arg}"),
                (Err(w), Err(e)) => {
                    let e = e.to_string();
                    assert!(e.contains(w), "{arg}: {e}");
                    // The error's ids are accepted beside the flow's own names.
                    assert!(
                        e.ends_with("names: app-id, correlation-id, tenant-id, trace-id, upn"),
                        "{arg}: {e}"
                    );
                }
                (w, g) => panic!("{arg}: wanted {w:?}, got {g:?}"),
            }
        }
    }

    #[test]
    fn a_name_with_two_kinds_takes_either() {
        let phs = [ph("tenant-id", Kind::Guid), ph("tenant-id", Kind::Tenant)];
        assert!(parse(&phs, &["tenant-id=contoso.com".into()]).is_ok());
    }
}
