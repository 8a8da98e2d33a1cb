//! Property tests: `explain` takes any text without panicking, and a rendered command keeps any
//! value inside one argument: bash is run for real, PowerShell is checked with a small tokenizer
//! of its quoted strings (pwsh is not needed).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use aadsts_wizard::command::{CommandTemplate, Shell, Values};
use aadsts_wizard::explain::explain;
use proptest::prelude::*;
use proptest::test_runner::Config;

/// Few enough cases that the whole file runs in a few seconds in a debug build; each bash case
/// starts a process. No regression files: a failure prints its minimal input, add it to
/// `tests/quoting.rs` or `tests/explain.rs` as an example.
/// `PROPTEST_CASES=20000 cargo test --release --test props` runs a longer search.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------------------------
// explain

fn samples() -> &'static [Vec<u8>] {
    static SAMPLES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/explain");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("fixtures folder")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        paths.sort();
        assert!(!paths.is_empty(), "no samples in {dir}");
        paths
            .iter()
            .map(|p| std::fs::read(p).expect("sample"))
            .collect()
    })
}

/// Snippets that steer mutations toward what `explain` looks for and what its decoders undo.
const SNIPPETS: &[&str] = &[
    "AADSTS",
    "AADSTS50012",
    "AADSTS 9999999999999",
    "0",
    "7",
    "12345",
    "'",
    "\"",
    "{",
    "}",
    "[",
    "]",
    "\\",
    "\\\\\\\"",
    "\\u0041",
    "\\u00",
    "%3a+",
    "%",
    "&#39;",
    "&amp;",
    "\x1b[31m",
    "\x1b]0;",
    "\n",
    "\r\n",
    "     | ",
    "Trace ID: ",
    "Correlation ID: ",
    "Timestamp: ",
    "error_codes\":[",
    "Sign-in error code: ",
    "errorCode: ",
    "ResultType: ",
    "tenant ",
    "app ",
    "11111111-2222-3333-4444-555555555555",
    "0d5e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a",
    "@contoso.com",
    "é",
    "\u{2019}",
    "\u{FFFD}",
];

#[derive(Clone, Debug)]
enum Mutation {
    /// Flip bit `bit` of the byte at `at` (positions are taken modulo the current length).
    Flip {
        at: usize,
        bit: u8,
    },
    Insert {
        at: usize,
        snippet: usize,
    },
    Remove {
        at: usize,
        len: usize,
    },
    Truncate {
        at: usize,
    },
    /// Copy a stretch of the text after itself.
    Duplicate {
        at: usize,
        len: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        (any::<usize>(), 0..SNIPPETS.len())
            .prop_map(|(at, snippet)| Mutation::Insert { at, snippet }),
        (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::Remove { at, len }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), 1usize..512).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
    ]
}

fn mutate(mut b: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let n = b.len();
        match *m {
            Mutation::Flip { at, bit } if n > 0 => b[at % n] ^= 1 << bit,
            Mutation::Insert { at, snippet } => {
                let at = at % (n + 1);
                b.splice(at..at, SNIPPETS[snippet].bytes());
            }
            Mutation::Remove { at, len } if n > 0 => {
                let at = at % n;
                b.drain(at..(at + len).min(n));
            }
            Mutation::Truncate { at } => b.truncate(at % (n + 1)),
            Mutation::Duplicate { at, len } if n > 0 => {
                let at = at % n;
                let piece = b[at..(at + len).min(n)].to_vec();
                let end = (at + len).min(n);
                b.splice(end..end, piece);
            }
            _ => {}
        }
    }
    b
}

fn guid_lower(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        })
}

/// What `explain` promises about any result, whatever the input.
fn check_explanation(text: &str) -> Result<(), TestCaseError> {
    let e = explain(text);
    // The primary code is the first one, unless that is the generic wrapper 70002 ("Error
    // validating credentials") followed by a more specific code.
    let specific = e.codes.iter().copied().find(|c| *c != 70002);
    prop_assert_eq!(
        e.primary_code,
        specific.or_else(|| e.codes.first().copied())
    );
    let mut sorted = e.codes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    prop_assert_eq!(
        sorted.len(),
        e.codes.len(),
        "repeated code in {:?}",
        e.codes
    );
    // Digits of a code can be written as escapes (`\u0035`, `%35`, `&#53;`); without those, a
    // code's digits are in the text (maybe split by a line break or a colour code).
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    // A colour code between the digits adds its own (`501ESC[31m05`): skip those texts too.
    let encoded = text.contains(['\\', '%', '&', '\x1b', '\u{9b}']);
    for code in &e.codes {
        prop_assert!(*code < 100_000_000, "code {} has more than 8 digits", code);
        prop_assert!(
            encoded || digits.contains(&code.to_string()),
            "code {} is not in the text",
            code
        );
        // A code found is found again when written the usual way (at least four digits:
        // `AADSTS0218` gives 218).
        prop_assert_eq!(explain(&format!("AADSTS{code:04}")).codes, vec![*code]);
    }
    for (what, id) in [
        ("trace id", &e.trace_id),
        ("correlation id", &e.correlation_id),
    ] {
        if let Some(id) = id {
            prop_assert!(guid_lower(id), "{} {:?} is not a lowercase GUID", what, id);
        }
    }
    if let Some(app) = &e.app_id {
        prop_assert!(guid_lower(app), "app id {:?} is not a lowercase GUID", app);
    }
    if let Some(t) = &e.tenant {
        // A domain should contain a dot, but a bare authority segment is taken too (see
        // `authority_segment_without_a_dot_is_not_a_tenant`); check only its characters.
        prop_assert!(
            guid_lower(t)
                || (!t.is_empty()
                    && t.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b".-".contains(&c))),
            "tenant {:?} is neither a GUID nor a domain",
            t
        );
    }
    if let Some(u) = &e.upn {
        prop_assert!(
            u.contains('@') && !u.contains(char::is_whitespace),
            "upn {:?}",
            u
        );
    }
    if let Some(err) = &e.error {
        prop_assert!(
            err.bytes().all(|c| c.is_ascii_lowercase() || c == b'_'),
            "oauth error {:?}",
            err
        );
    }
    if let Some(ts) = &e.timestamp {
        prop_assert!(
            ts.len() >= 19 && ts.as_bytes()[4] == b'-',
            "timestamp {:?}",
            ts
        );
    }
    Ok(())
}

/// Found by `explain_takes_mutated_samples` (a paste cut off after `login.microsoftonline.com/co`
/// gave the tenant `co`): a path segment without a dot is taken as a tenant domain.
#[test]
fn authority_segment_without_a_dot_is_not_a_tenant() {
    for text in [
        "AADSTS50012 at https://login.microsoftonline.com/contoso/oauth2/v2.0/token",
        "AADSTS50012 https://login.microsoftonline.com/co",
    ] {
        assert_eq!(explain(text).tenant, None, "{text}");
    }
    assert_eq!(
        explain("AADSTS50012 https://login.microsoftonline.com/contoso.com/oauth2/token")
            .tenant
            .as_deref(),
        Some("contoso.com")
    );
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn explain_takes_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check_explanation(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn explain_takes_arbitrary_strings(text in any::<String>()) {
        check_explanation(&text)?;
    }

    #[test]
    fn explain_takes_mutated_samples(
        index in any::<usize>(),
        muts in proptest::collection::vec(mutation(), 1..12),
    ) {
        let all = samples();
        let bytes = mutate(all[index % all.len()].clone(), &muts);
        check_explanation(&String::from_utf8_lossy(&bytes))?;
    }
}

// ---------------------------------------------------------------------------------------------
// command rendering

/// A folder for the marker a hostile value tries to create; it must stay empty.
fn marker() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("tempdir"))
        .path()
}

fn marker_file() -> PathBuf {
    marker().join("pwned")
}

/// Any non-empty string without NUL, biased toward what shells treat specially. (An empty
/// value is not substituted: the placeholder stays visible, see `empty_values_leave_the_placeholder`.
/// NUL cannot be passed in an argument at all.)
fn value() -> impl Strategy<Value = String> {
    let touch = format!("$(touch {})", marker_file().display());
    let backtick = format!("`touch {}`", marker_file().display());
    let piece = prop_oneof![
        4 => proptest::sample::select(vec![
            "'", "\"", "\\", "$", "`", "!", "!!", "*", "?", "[", "]", "{", "}", "{a,b}", "(", ")",
            ";", "&", "&&", "|", "<", ">", ">>", "#", "~", "=", "-", "--", "-rf", " ", "  ", "\t",
            "\n", "\r", "\x1b[31m", "\x07", "\u{7f}", "\u{85}", "'\\''", "$'\\n'", "$HOME",
            "${IFS}", "$((1+1))", "%", "^", "@", ":", ",", ".", "/", "+",
            "\u{2018}", "\u{2019}", "\u{201A}", "\u{201B}", "\u{201C}", "\u{201D}", "\u{201E}",
            "\u{202E}", "é", "Zoë", "日本", "😀", "\u{FEFF}", "\u{A0}",
            "user@contoso.com", "11111111-2222-3333-4444-555555555555", "abc", "0", "42",
        ])
        .prop_map(str::to_string),
        1 => Just(touch),
        1 => Just(backtick),
        2 => any::<char>().prop_filter("no NUL", |c| *c != '\0').prop_map(String::from),
        2 => "[a-zA-Z0-9._-]{1,8}",
    ];
    proptest::collection::vec(piece, 1..8).prop_map(|v| v.concat())
}

fn render(template: &str, shell: Shell, v: &str) -> String {
    let values = Values::from([("v".to_string(), v.to_string())]);
    CommandTemplate::new(template).render(shell, &values)
}

/// Run `script` with `bash -c` and return its standard output, failing on a non-zero exit.
fn bash_stdout(script: &str) -> Result<Vec<u8>, TestCaseError> {
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", marker())
        .current_dir(marker())
        .output()
        .map_err(|e| TestCaseError::fail(format!("bash does not run: {e}")))?;
    prop_assert!(
        out.status.success(),
        "bash failed on {:?}: {}",
        script,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(out.stdout)
}

/// `printf '%s\0' ...` with the value in the template: bash must print exactly `want` as one
/// argument and create nothing.
fn check_bash(template: &str, v: &str, want: &str) -> Result<(), TestCaseError> {
    let cmd = render(template, Shell::Az, v);
    let out = bash_stdout(&cmd)?;
    let mut expected = want.as_bytes().to_vec();
    expected.push(0);
    prop_assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&expected),
        "rendered: {}",
        cmd
    );
    prop_assert!(!marker_file().exists(), "the value ran a command: {}", cmd);
    let leftovers: Vec<_> = std::fs::read_dir(marker())
        .map_err(|e| TestCaseError::fail(e.to_string()))?
        .collect();
    prop_assert!(leftovers.is_empty(), "the value created a file: {}", cmd);
    Ok(())
}

fn odata(v: &str) -> String {
    v.replace('\'', "''")
}

#[test]
fn empty_values_leave_the_placeholder() {
    // The only value `render` does not substitute: the placeholder stays for the user to fill.
    for shell in Shell::ALL {
        for t in ["printf '%s\\0' <v>", "x \"a '<v>'\" '<v>'"] {
            assert_eq!(render(t, shell, ""), t);
        }
    }
}

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn bash_bare_value_is_one_argument(v in value()) {
        check_bash(r"printf '%s\0' <v>", &v, &v)?;
    }

    #[test]
    fn bash_value_glued_to_text_is_one_argument(v in value()) {
        check_bash(r"printf '%s\0' --id=<v>", &v, &format!("--id={v}"))?;
    }

    #[test]
    fn bash_value_in_single_quotes_stays_inside(v in value()) {
        check_bash(r"printf '%s\0' 'pre <v> post'", &v, &format!("pre {v} post"))?;
    }

    #[test]
    fn bash_value_in_double_quotes_stays_inside(v in value()) {
        check_bash(r#"printf '%s\0' "pre <v> post""#, &v, &format!("pre {v} post"))?;
    }

    #[test]
    fn bash_value_in_odata_literal_has_its_quotes_doubled(v in value()) {
        // `--query "[?appId=='<v>']"` and `$filter=upn eq '<v>'` inside double quotes: the
        // value is an OData/JMESPath string literal, so its `'` are doubled.
        check_bash(
            r#"printf '%s\0' "upn eq '<v>'""#,
            &v,
            &format!("upn eq '{}'", odata(&v)),
        )?;
    }
}

// ---------------------------------------------------------------------------------------------
// PowerShell: a tokenizer for its quoted strings, after the PowerShell language specification
// (§2.3.5.2): in a single-quoted string, any of ' ‘ ’ ‚ ‛ ends it unless followed by another of
// them (then the second is a literal quote); in a double-quoted string, any of " “ ” „ ends it
// unless doubled, `$` starts an expansion, and a backtick escapes the next character.

const PS_SINGLE: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];
const PS_DOUBLE: [char; 4] = ['"', '\u{201C}', '\u{201D}', '\u{201E}'];

/// Read a single-quoted string at the start of `s`: its content and the rest after it.
fn ps_single_token(s: &str) -> Result<(String, &str), String> {
    let mut it = s.char_indices().peekable();
    match it.next() {
        Some((_, c)) if PS_SINGLE.contains(&c) => {}
        _ => return Err(format!("not a single-quoted string: {s:?}")),
    }
    let mut out = String::new();
    while let Some((i, c)) = it.next() {
        if PS_SINGLE.contains(&c) {
            match it.peek() {
                Some(&(_, n)) if PS_SINGLE.contains(&n) => {
                    out.push(n);
                    it.next();
                }
                _ => return Ok((out, &s[i + c.len_utf8()..])),
            }
        } else {
            out.push(c);
        }
    }
    Err(format!("unterminated single-quoted string: {s:?}"))
}

/// Read a double-quoted string at the start of `s`; an unescaped `$` is an error (it would
/// expand a variable or run a subexpression).
fn ps_double_token(s: &str) -> Result<(String, &str), String> {
    let mut it = s.char_indices().peekable();
    match it.next() {
        Some((_, c)) if PS_DOUBLE.contains(&c) => {}
        _ => return Err(format!("not a double-quoted string: {s:?}")),
    }
    let mut out = String::new();
    while let Some((i, c)) = it.next() {
        if c == '`' {
            let Some((_, n)) = it.next() else {
                return Err("backtick at the end".to_string());
            };
            out.push(match n {
                '0' => '\0',
                'a' => '\x07',
                'b' => '\x08',
                'e' => '\x1b',
                'f' => '\x0c',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'v' => '\x0b',
                'u' => return Err(format!("`u escape in {s:?}")),
                other => other,
            });
        } else if c == '$' {
            // `$` followed by a name character, `{`, `(`, `$`, `?`, `^` or `:` expands.
            if let Some(&(_, n)) = it.peek()
                && (n.is_alphanumeric() || "_{($?^:".contains(n))
            {
                return Err(format!("unescaped `${n}` would expand in {s:?}"));
            }
            out.push(c);
        } else if PS_DOUBLE.contains(&c) {
            match it.peek() {
                Some(&(_, n)) if PS_DOUBLE.contains(&n) => {
                    out.push(n);
                    it.next();
                }
                _ => return Ok((out, &s[i + c.len_utf8()..])),
            }
        } else {
            out.push(c);
        }
    }
    Err(format!("unterminated double-quoted string: {s:?}"))
}

/// A bare argument PowerShell reads as exactly this text: letters, digits, `.`, `_`, `-`, not
/// starting with `-` (a parameter) or `.`, and not something its number scanner takes (`1e5`,
/// `0x10`, `1kb`, `007` become numbers). A GUID is a generic token (the scan stops at `-`).
fn ps_bare_reads_as_itself(s: &str) -> bool {
    let plain = !s.is_empty()
        && !s.starts_with(['-', '.'])
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    let guid = s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    let canonical_int =
        s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0')) && s.len() < 10;
    plain && (!s.starts_with(|c: char| c.is_ascii_digit()) || guid || canonical_int)
}

const PS_PREFIX: &str = "Write-Output ";

fn ps_arg(template_arg: &str, v: &str) -> String {
    let cmd = render(&format!("{PS_PREFIX}{template_arg}"), Shell::Powershell, v);
    cmd.strip_prefix(PS_PREFIX)
        .expect("the text before the placeholder is kept")
        .to_string()
}

/// The bare-argument check, kept apart so that the known number-literal problem (see
/// `powershell_bare_number_literals_are_quoted`) does not hide other failures.
fn ps_bare_ok(arg: &str, v: &str, numbers_too: bool) -> Result<(), TestCaseError> {
    if PS_SINGLE.iter().any(|q| arg.starts_with(*q)) {
        let (content, rest) = ps_single_token(arg).map_err(TestCaseError::fail)?;
        prop_assert_eq!(rest, "", "more than one token: {}", arg);
        prop_assert_eq!(content, v);
    } else {
        prop_assert_eq!(arg, v, "a bare value is written as it is");
        let looks_numeric = v.starts_with(|c: char| c.is_ascii_digit());
        if numbers_too || !looks_numeric {
            prop_assert!(
                ps_bare_reads_as_itself(arg),
                "bare {:?} is not read by PowerShell as that text",
                arg
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn powershell_bare_value_is_one_token(v in value()) {
        let arg = ps_arg("<v>", &v);
        ps_bare_ok(&arg, &v, false)?;
    }

    #[test]
    fn powershell_value_in_single_quotes_stays_inside(v in value()) {
        let arg = ps_arg("'pre <v> post'", &v);
        let (content, rest) = ps_single_token(&arg).map_err(TestCaseError::fail)?;
        prop_assert_eq!(rest, "", "the value closed the quotes: {}", arg);
        prop_assert_eq!(content, format!("pre {v} post"));
    }

    #[test]
    fn powershell_value_in_double_quotes_stays_inside(v in value()) {
        let arg = ps_arg("\"pre <v> post\"", &v);
        let (content, rest) = ps_double_token(&arg).map_err(TestCaseError::fail)?;
        prop_assert_eq!(rest, "", "the value closed the quotes: {}", arg);
        prop_assert_eq!(content, format!("pre {v} post"));
    }

    #[test]
    fn powershell_value_in_odata_literal_has_its_quotes_doubled(v in value()) {
        let arg = ps_arg("\"userPrincipalName eq '<v>'\"", &v);
        let (content, rest) = ps_double_token(&arg).map_err(TestCaseError::fail)?;
        prop_assert_eq!(rest, "", "the value closed the quotes: {}", arg);
        prop_assert_eq!(content, format!("userPrincipalName eq '{}'", odata(&v)));
    }
}

#[test]
fn powershell_tokenizer_reads_what_it_should() {
    assert_eq!(ps_single_token("'it''s' x"), Ok(("it's".to_string(), " x")));
    assert_eq!(
        ps_single_token("'a\u{2019}\u{2019}b'"),
        Ok(("a\u{2019}b".to_string(), ""))
    );
    // Mixed quote characters pair up too: ' followed by ’ is one literal ’.
    assert_eq!(
        ps_single_token("'a'\u{2019}b'"),
        Ok(("a\u{2019}b".to_string(), ""))
    );
    assert_eq!(ps_single_token("'a\u{2018}b'"), Ok(("a".to_string(), "b'")));
    assert!(ps_double_token("\"$(x)\"").is_err());
    assert_eq!(
        ps_double_token("\"`$(x) `\"\u{201C}\u{201C}\""),
        Ok(("$(x) \"\u{201C}".to_string(), ""))
    );
    assert!(ps_bare_reads_as_itself("abc.def"));
    assert!(ps_bare_reads_as_itself(
        "11111111-2222-3333-4444-555555555555"
    ));
    assert!(ps_bare_reads_as_itself("50012"));
    for number in ["1e5", "0x10", "1kb", "007", "1.0", "12345678901"] {
        assert!(!ps_bare_reads_as_itself(number), "{number}");
    }
}

/// PowerShell reads a bare `1e5` as 100000, `0x10` as 16, `1kb` as 1024 and `007` as 7, so a
/// value that looks like a number literal must be quoted. Values that start with a digit are
/// left out of `powershell_bare_value_is_one_token` and checked here.
#[test]
fn powershell_bare_number_literals_are_quoted() {
    for v in [
        "1e5",
        "0x10",
        "1kb",
        "007",
        "1.0",
        "12345678901",
        "1d",
        "50012",
        "11111111-2222-3333-4444-555555555555",
    ] {
        let arg = ps_arg("<v>", v);
        let check = ps_bare_ok(&arg, v, true);
        assert!(check.is_ok(), "{v:?} rendered as {arg}: {check:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Values inside the languages within a shell argument: PowerShell hashtables and arrays, JSON
// bodies, JMESPath queries. Each is parsed for real after the shell has had its turn, and the
// hostile value must come out as exactly one string where the template put it.

/// After `prefix` in a rendered PowerShell command: one single-quoted string holding `v`,
/// followed by exactly `suffix`.
fn ps_one_string_between(
    cmd: &str,
    prefix: &str,
    suffix: &str,
    v: &str,
) -> Result<(), TestCaseError> {
    let rest = cmd
        .strip_prefix(prefix)
        .ok_or_else(|| TestCaseError::fail(format!("prefix changed: {cmd}")))?;
    let (content, after) = ps_single_token(rest).map_err(TestCaseError::fail)?;
    prop_assert_eq!(content, v, "rendered: {}", cmd);
    prop_assert_eq!(after, suffix, "the value changed what follows it: {}", cmd);
    Ok(())
}

/// The JSON object bash passes for `template`: keys `a` (the value) and `b` ("c") only.
fn check_json_object(text: &str, v: &str) -> Result<(), TestCaseError> {
    let parsed: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| TestCaseError::fail(format!("not JSON ({e}): {text}")))?;
    let obj = parsed
        .as_object()
        .ok_or_else(|| TestCaseError::fail(format!("not an object: {text}")))?;
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    prop_assert_eq!(keys, vec!["a", "b"], "the value added keys: {}", text);
    prop_assert_eq!(obj["a"].as_str(), Some(v), "{}", text);
    prop_assert_eq!(obj["b"].as_str(), Some("c"), "{}", text);
    Ok(())
}

/// The last argument bash passes to `printf '%s\0' ...`.
fn bash_arg(cmd: &str) -> Result<String, TestCaseError> {
    let out = bash_stdout(cmd)?;
    let text = String::from_utf8(out).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let text = text.strip_suffix('\0').unwrap_or(&text);
    Ok(text.rsplit('\0').next().unwrap_or("").to_string())
}

/// Run a JMESPath expression over two records; the value must select exactly its own.
fn check_jmespath(expr: &str, v: &str) -> Result<(), TestCaseError> {
    let compiled = jmespath::compile(expr)
        .map_err(|e| TestCaseError::fail(format!("does not compile ({e}): {expr}")))?;
    let other = if v == "zz-other" {
        "zz-other-2"
    } else {
        "zz-other"
    };
    let data = jmespath::Variable::from_json(
        &serde_json::json!([{ "upn": v }, { "upn": other }]).to_string(),
    )
    .map_err(TestCaseError::fail)?;
    let found = compiled
        .search(data)
        .map_err(|e| TestCaseError::fail(format!("fails ({e}): {expr}")))?;
    let want = serde_json::json!([v]);
    let got: serde_json::Value =
        serde_json::to_value(&*found).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(got, want, "expression: {}", expr);
    Ok(())
}

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn powershell_value_in_hashtable_is_one_string(v in value()) {
        let cmd = render("Write-Output @{Password=<v>; Force=$true}", Shell::Powershell, &v);
        ps_one_string_between(&cmd, "Write-Output @{Password=", "; Force=$true}", &v)?;
    }

    #[test]
    fn powershell_value_in_array_is_one_string(v in value()) {
        let cmd = render("Write-Output @(<v>)", Shell::Powershell, &v);
        ps_one_string_between(&cmd, "Write-Output @(", ")", &v)?;
    }

    #[test]
    fn bash_json_in_single_quotes_keeps_its_keys(v in value()) {
        let cmd = render(r#"printf '%s\0' '{"a":"<v>","b":"c"}'"#, Shell::Az, &v);
        check_json_object(&bash_arg(&cmd)?, &v)?;
    }

    #[test]
    fn bash_json_in_double_quotes_keeps_its_keys(v in value()) {
        let cmd = render(r#"printf '%s\0' "{\"a\":\"<v>\",\"b\":\"c\"}""#, Shell::Az, &v);
        prop_assert!(!marker_file().exists(), "the value ran a command: {}", cmd);
        check_json_object(&bash_arg(&cmd)?, &v)?;
    }

    #[test]
    fn bash_json_value_position_becomes_a_string(v in value()) {
        let cmd = render(r#"printf '%s\0' '{"a":<v>,"b":"c"}'"#, Shell::Az, &v);
        check_json_object(&bash_arg(&cmd)?, &v)?;
    }

    #[test]
    fn powershell_json_in_single_quotes_keeps_its_keys(v in value()) {
        let cmd = render(r#"Write-Output '{"a":"<v>","b":"c"}'"#, Shell::Powershell, &v);
        let (content, rest) = ps_single_token(cmd.strip_prefix(PS_PREFIX).unwrap_or(&cmd))
            .map_err(TestCaseError::fail)?;
        prop_assert_eq!(rest, "");
        check_json_object(&content, &v)?;
    }

    #[test]
    fn bash_jmespath_raw_string_selects_the_value(v in value().prop_filter("no backslash", |v| !v.contains('\\'))) {
        // A JMESPath raw string (`'...'`) in a double-quoted --query, as the flows write it.
        let cmd = render(r#"printf '%s\0' --query "[?upn=='<v>'].upn""#, Shell::Az, &v);
        check_jmespath(&bash_arg(&cmd)?, &v)?;
    }

    #[test]
    fn bash_jmespath_json_literal_selects_the_value(v in value()) {
        let cmd = render(r#"printf '%s\0' --query '[?upn==`<v>`].upn'"#, Shell::Az, &v);
        check_jmespath(&bash_arg(&cmd)?, &v)?;
    }

    #[test]
    fn bash_jmespath_raw_string_with_backslashes_keeps_the_structure(v in value()) {
        // Raw strings keep a backslash before anything but `'` as it is, in the Rust crate and
        // in the Python one the Azure CLI uses alike only `\'` is certain; a value with `\` must
        // still compile to one comparison that selects at most its own record.
        let cmd = render(r#"printf '%s\0' --query "[?upn=='<v>'].upn""#, Shell::Az, &v);
        let expr = bash_arg(&cmd)?;
        let compiled = jmespath::compile(&expr)
            .map_err(|e| TestCaseError::fail(format!("does not compile ({e}): {expr}")))?;
        let data = jmespath::Variable::from_json(
            &serde_json::json!([{ "upn": v }, { "upn": "zz-other" }]).to_string(),
        )
        .map_err(TestCaseError::fail)?;
        let found = compiled.search(data).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let n = found.as_array().map_or(usize::MAX, Vec::len);
        prop_assert!(n <= 1, "the value changed the filter: {}", expr);
    }
}
