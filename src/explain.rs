//! Read pasted error text (az, MSAL, token-endpoint JSON, pipeline logs, browser pages) and pull
//! out the AADSTS codes, the trace and correlation ids, the timestamp, the app and tenant, and
//! the OAuth error. Never fails: text without a code gives an empty result.
//!
//! The work is a fixed number of passes over the text: undo the layers logs add (terminal colour
//! codes, JSON string escapes several levels deep, HTML entities, form encoding, a console that
//! broke a GUID or a code across lines), then run a handful of `regex` searches, which are linear
//! in the length of the text. Nothing slices a string except at ASCII bytes, so any input is safe.
//!
//! Choices worth knowing:
//! - A request id (`x-ms-request-id`, `client-request-id`, a sign-in log's `Request ID`) is not
//!   taken as a trace or correlation id. The one exception is Microsoft's sign-in error page
//!   ("Sorry, but we're having trouble signing you in", "Troubleshooting details", ...), whose
//!   `Request Id` is the value every other format calls Trace ID.
//! - A bare number is an AADSTS code only when labelled `Sign-in error code`, or labelled
//!   `errorCode`/`Error Code`/`ResultType` in a sign-in log record or on the sign-in error page.
//! - The timestamp is the one Entra writes next to the trace and correlation ids; log-line
//!   timestamps are not taken. Trace id, correlation id and timestamp are taken from the first
//!   occurrence after the first code when there is one (a log may carry its own ids before it).
//! - Masked or placeholder values (`***`, `xxxxxxxx-...`, `<app-id>`, `{EUII Hidden}`, the zero
//!   GUID, `11111111-...`) are never reported.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

/// What a pasted error says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Explanation {
    /// Every AADSTS code, in order of first appearance, without repeats.
    pub codes: Vec<u32>,
    /// The first AADSTS code.
    pub primary_code: Option<u32>,
    /// The OAuth `error` string (`invalid_client`, ...).
    pub error: Option<String>,
    pub trace_id: Option<String>,
    pub correlation_id: Option<String>,
    pub timestamp: Option<String>,
    pub app_id: Option<String>,
    /// Tenant GUID or domain.
    pub tenant: Option<String>,
    /// The user the error names, if any.
    pub upn: Option<String>,
}

impl Explanation {
    /// The placeholder values the error gives: the app, the tenant (by id, or its domain),
    /// the user, and the ids that name its sign-in event.
    pub fn values(&self) -> Vec<(&'static str, String)> {
        use crate::flow::names;
        let tenant = self.tenant.as_ref().map(|t| {
            let name = if crate::flow::is_guid(t) {
                names::TENANT_ID
            } else {
                names::DOMAIN
            };
            (name, t.clone())
        });
        [
            self.app_id.clone().map(|v| (names::APP_ID, v)),
            tenant,
            self.upn.clone().map(|v| (names::UPN, v)),
            self.trace_id.clone().map(|v| (names::TRACE_ID, v)),
            self.correlation_id
                .clone()
                .map(|v| (names::CORRELATION_ID, v)),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

const GUID: &str = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b";
/// Between a label and its value: quotes, colons, equals signs, markdown emphasis and code
/// marks, table bars, and the gutter of a wrapped line (`     | `, Terraform's `│ `).
const SEP: &str = r#"[\s"'`*|│:=]{0,40}"#;
const DOMAIN: &str = r"[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)+";

fn re(pattern: &str) -> Regex {
    // ASCII word boundaries: a Unicode `\b` makes the fast DFA give up on non-ASCII text.
    let p = pattern
        .replace("{GUID}", GUID)
        .replace("{SEP}", SEP)
        .replace("{DOMAIN}", DOMAIN)
        .replace(r"\b", r"(?-u:\b)");
    Regex::new(&p).expect("patterns are constant and tested")
}

/// `AADSTS50012`, `AADSTS 50012`, glued to the text before it (`invalid_resource;AADSTS500011`).
static CODE: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)AADSTS[ _:-]?([0-9]{4,})"));
/// `"error_codes":[50076,50079]`, `'error_codes': [700016]`, `ErrorCodes=[50173]`.
static ERROR_CODES: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)error_?codes["']?\s*[:=]\s*\[([0-9,\s"'│|]*)\]"#));
/// `Sign-in error code: 50126`, counted wherever it appears.
static SIGNIN_CODE: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)sign-?in\s+error\s*_?code["']?\s*[:=]?\s*["']?([0-9]{5,7})\b"#));
/// `errorCode: 53003`, `Error Code: 53003`, `ResultType: 50126`: counted only in a sign-in log
/// record or on the sign-in error page.
static LOG_CODE: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?i)(?:error\s*_?code|result_?type)["']?\s*[:=]?\s*["']?([0-9]{5,7})\b"#)
});
static SIGNIN_LOG: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)failure\s*reason|conditionalAccessStatus|resultType|resultDescription|sign-?in\s*(?:logs?|activity)|\bsignins\b|auditlogs",
    )
});
/// Microsoft's sign-in error page, copied as text.
static SIGNIN_PAGE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?imR)having trouble signing you in|^\s*troubleshooting details\s*$|flag sign-in events for review|^\s*advanced diagnostics:|cannot access this right now|can[’']?t get there from here|^\s*more details\s*$",
    )
});
static TRACE: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)trace[ _-]?id{SEP}({GUID})"));
static CORRELATION: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)correlation[ _-]?id{SEP}({GUID})"));
static PAGE_REQUEST: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\brequest[ _-]?id{SEP}({GUID})"));
/// Where the ids Entra writes sit, whatever their value: a timestamp near one is the error's.
static ID_LABEL: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)trace[ _-]?id|correlation[ _-]?id"));
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)time[ _-]?stamp{SEP}([0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)",
    )
});
/// `app 'GUID'`, `Application with identifier 'GUID'`, `App id: GUID`, `client_id=GUID`,
/// `-ApplicationId GUID`, `AZURE_CLIENT_ID=GUID`, `Application (client) ID: GUID`. The last
/// group catches ARM's `The client 'GUID' with object id ...`, which names an object id.
static APP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:\b|_)(?:app(?:lication)?|client)(?:\s*\((?:client|app)\))?(?:[ _-]?id(?:entifier)?)?\b(?:\s+with\s+(?:identifier|id))?{SEP}({GUID})(['\x22]?\s+with\s+object\s+id)?",
    )
});
/// `the application Woodgrove Expense Portal ('GUID')`.
static APP_NAMED: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)\bapplication\s+[A-Za-z0-9 ._&-]{1,80}?\s*\(\s*['"]?({GUID})"#));
static APP_FLAG: LazyLock<Regex> = LazyLock::new(|| re(r#"(?:--username|-u)\s+['"]?({GUID})"#));
/// `tenant 'GUID'`, `--tenant x`, `-TenantId x`, `tenant-id: x`, `tenant named x`,
/// `Specified tenant identifier 'x'`, `directory 'x'`, `Directory (tenant) ID: x`,
/// `Resource tenant ID`, `"resourceTenantId"`.
static TENANT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:\b|_)(?:resource[ _-]?|home[ _-]?)?(?:tenant(?:[ _-]?id(?:entifier)?)?|directory(?:\s*\(tenant\))?(?:[ _-]?id)?)\b(?:\s+named)?{SEP}({GUID}|{DOMAIN})\b",
    )
});
/// `does not exist in the woodgrove.com directory`.
static IN_DIRECTORY: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bin\s+the\s+({DOMAIN})\s+directory\b"));
static AUTHORITY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)(?:login\.microsoftonline\.(?:com|us|de)|login\.partner\.microsoftonline\.cn|login\.chinacloudapi\.cn|login\.windows\.net|login\.microsoft\.com)/([A-Za-z0-9.-]+)(?:[/"'?\s]|$)"#,
    )
});
static UPN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)\b(?:user(?:[ _-]?principal[ _-]?name)?|upn|account|username|login_hint)\b'?"?\s*[:=]?\s*['"]?\s*([A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"#,
    )
});
/// OAuth 2.0 and Entra error strings, as they appear in `"error": "..."`, `ErrorCode: ...`,
/// `ServerError: ...: ` or `[invalid_grant]`; a whole word only.
static OAUTH_ERROR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(invalid_request|invalid_client|invalid_grant|unauthorized_client|unsupported_grant_type|invalid_scope|invalid_resource|interaction_required|access_denied|server_error|temporarily_unavailable|consent_required|login_required|authorization_pending|authorization_declined|bad_verification_code|expired_token|unsupported_response_type|slow_down|invalid_target)\b",
    )
});
static ANSI: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]{0,256}(?:\x07|\x1b\\)?|[@-Z\\-_])")
});
static FORM_ENCODED: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)error_description=|%3a\+|\+ID%3a|%0d%0a"));

/// Undo the layers real logs add.
fn normalize(text: &str) -> String {
    let mut s = text.replace('\0', "");
    if s.contains('\x1b') {
        s = ANSI.replace_all(&s, "").into_owned();
    }
    // JSON (and Python repr) string escapes, one level per pass.
    for _ in 0..8 {
        match unescape_once(&s) {
            Some(next) => s = next,
            None => break,
        }
    }
    if s.contains('&') && s.contains(';') {
        s = s
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&nbsp;", " ")
            .replace("&amp;", "&");
    }
    if FORM_ENCODED.is_match(&s) {
        s = percent_decode(&s.replace('+', " "));
    }
    join_wrapped(&s)
}

/// Decode one level of backslash escapes; `None` when there is nothing to decode.
fn unescape_once(s: &str) -> Option<String> {
    if !s.contains('\\') {
        return None;
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut changed = false;
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        let (replacement, len): (Option<char>, usize) = match b[i + 1] {
            b'\\' => (Some('\\'), 2),
            b'"' => (Some('"'), 2),
            b'\'' => (Some('\''), 2),
            b'/' => (Some('/'), 2),
            b'n' => (Some('\n'), 2),
            b't' => (Some('\t'), 2),
            // `\r\n` is one line break; a lone `\r` is one too.
            b'r' if b.get(i + 2..i + 4) == Some(b"\\n") => (Some('\n'), 4),
            b'r' => (Some('\n'), 2),
            b'u' => match b
                .get(i + 2..i + 6)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
            {
                Some(c) => (Some(c), 6),
                None => (None, 2),
            },
            _ => (None, 1),
        };
        match replacement {
            Some(c) => {
                // `i` is at an ASCII backslash and `i + len` just after ASCII bytes: both are
                // character boundaries.
                out.push_str(&s[last..i]);
                out.push(c);
                i += len;
                last = i;
                changed = true;
            }
            None => i += len,
        }
    }
    if !changed {
        return None;
    }
    out.push_str(&s[last..]);
    Some(out)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = bytes.get(i + 1..i + 3)
            && let Ok(h) = std::str::from_utf8(h)
            && let Ok(b) = u8::from_str_radix(h, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_hexish(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b'-'
}

/// `8-4-4-4-12` hexadecimal digits.
fn guid_shaped(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Remove a line break (and the indentation or `|`/`│` gutter after it) where a console broke a
/// GUID or an AADSTS code in two; other line breaks stay. Each break looks at most a few dozen
/// bytes either side, so the pass is linear.
fn join_wrapped(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\n' {
            i += 1;
            continue;
        }
        let end = if i > last && b[i - 1] == b'\r' {
            i - 1
        } else {
            i
        };
        let mut j = i + 1;
        while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
            j += 1;
        }
        if b.get(j) == Some(&b'|') {
            j += 1;
        } else if b.get(j..j + 3) == Some("│".as_bytes()) {
            j += 3;
        }
        while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
            j += 1;
        }
        if joins(b, last, end, j) {
            // `end` is at an ASCII byte and `j` just after ASCII bytes or a whole `│`.
            out.push_str(&s[last..end]);
            last = j;
            i = j;
        } else {
            i += 1;
        }
    }
    out.push_str(&s[last..]);
    out
}

/// Whether the text ending at `end` and the text starting at `start` are two halves of one
/// GUID or one AADSTS code. `floor` is where the unjoined text begins.
fn joins(b: &[u8], floor: usize, end: usize, start: usize) -> bool {
    let mut bs = end;
    while bs > floor && end - bs <= 36 && is_hexish(b[bs - 1]) {
        bs -= 1;
    }
    let mut ae = start;
    while ae < b.len() && ae - start <= 36 && is_hexish(b[ae]) {
        ae += 1;
    }
    let (before, after) = (&b[bs..end], &b[start..ae]);
    if before.is_empty() || after.is_empty() {
        return false;
    }
    let clean_before = bs == 0 || !b[bs - 1].is_ascii_alphanumeric();
    let clean_after = ae == b.len() || !b[ae].is_ascii_alphanumeric();
    if clean_before && clean_after && before.len() + after.len() == 36 {
        let mut joined = Vec::with_capacity(36);
        joined.extend_from_slice(before);
        joined.extend_from_slice(after);
        if guid_shaped(&joined) {
            return true;
        }
    }
    // `AADSTS700` + `0215`: a code is at least five digits, so fewer before the break means
    // the code goes on.
    let digits_before = b[..end]
        .iter()
        .rev()
        .take(5)
        .take_while(|c| c.is_ascii_digit())
        .count();
    let digits_after = b[start..]
        .iter()
        .take(9)
        .take_while(|c| c.is_ascii_digit())
        .count();
    let prefix_end = end - digits_before;
    digits_before < 5
        && digits_after > 0
        && (5..=8).contains(&(digits_before + digits_after))
        && prefix_end >= 6
        && prefix_end - 6 >= floor
        && b[prefix_end - 6..prefix_end].eq_ignore_ascii_case(b"AADSTS")
        && b.get(start + digits_after)
            .is_none_or(|c| !c.is_ascii_digit())
}

/// A value that only stands in for a real one: the zero GUID, one digit repeated, `12345678-...`,
/// `aaaaaaaa-bbbb-...`, `yourtenant.onmicrosoft.com`.
fn is_placeholder(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    let hex: Vec<u8> = lower.bytes().filter(|c| *c != b'-').collect();
    if hex.len() == 32 && hex.iter().all(u8::is_ascii_hexdigit) {
        return hex.iter().all(|c| *c == hex[0])
            || lower.starts_with("12345678-")
            || lower == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    }
    lower.starts_with("your") || lower.starts_with("example.") || lower.contains("tenant-name")
}

fn is_common_authority(t: &str) -> bool {
    [
        "common",
        "organizations",
        "consumers",
        "oauth2",
        "error",
        "te",
    ]
    .iter()
    .any(|x| t.eq_ignore_ascii_case(x))
}

/// Host names that are Microsoft or other service endpoints, not tenants.
fn is_endpoint_host(t: &str) -> bool {
    let t = t.to_ascii_lowercase();
    [
        "microsoftonline.com",
        "microsoftonline.us",
        "microsoft.com",
        "windows.net",
        "azure.com",
        "azure.net",
        "visualstudio.com",
        "live.com",
        "aka.ms",
        "github.com",
        "githubusercontent.com",
    ]
    .iter()
    .any(|h| t == *h || t.strip_suffix(h).is_some_and(|p| p.ends_with('.')))
}

/// A domain-looking tenant value: its last label is a lowercase word, not a version number, a
/// file extension or the next sentence (`tenant ID.Please`).
fn is_tenant_domain(t: &str) -> bool {
    let (Some(first), Some(tld)) = (t.split('.').next(), t.rsplit('.').next()) else {
        return false;
    };
    // A tenant is named by a verified domain (with a dot) or a GUID: `contoso` alone, or a
    // paste cut off after `.../co`, is not one.
    t.contains('.')
        && tld.len() >= 2
        && tld.bytes().all(|c| c.is_ascii_lowercase())
        && !first.eq_ignore_ascii_case("id")
        && ![
            "tf", "py", "js", "ts", "cs", "go", "rs", "json", "yaml", "yml", "txt", "exe", "dll",
            "ps1", "psd1", "psm1", "log", "md", "sh", "xml", "html",
        ]
        .iter()
        .any(|e| tld.eq_ignore_ascii_case(e))
        && !is_endpoint_host(t)
}

/// The values `re` captures (group 1), with where each starts; placeholders left out.
fn captures(re: &Regex, t: &str) -> Vec<(usize, String)> {
    re.captures_iter(t)
        .filter_map(|c| c.get(1))
        .filter(|m| !is_placeholder(m.as_str()))
        .map(|m| (m.start(), m.as_str().to_string()))
        .collect()
}

/// The first candidate at or after `after`, else the first one.
fn pick(cands: Vec<(usize, String)>, after: Option<usize>) -> Option<String> {
    let later = after.and_then(|a| cands.iter().position(|(p, _)| *p >= a));
    let i = later.unwrap_or(0);
    cands.into_iter().nth(i).map(|(_, v)| v)
}

fn lower_guid(v: String) -> String {
    if guid_shaped(v.as_bytes()) {
        v.to_ascii_lowercase()
    } else {
        v
    }
}

/// Every code with the byte offset where it appears.
fn find_codes(t: &str) -> Vec<(usize, u32)> {
    let mut found: Vec<(usize, u32)> = Vec::new();
    let mut push = |pos: usize, digits: &str| {
        if (4..=8).contains(&digits.len())
            && let Ok(n) = digits.parse::<u32>()
        {
            found.push((pos, n));
        }
    };
    for c in CODE.captures_iter(t) {
        if let Some(m) = c.get(1) {
            push(m.start(), m.as_str());
        }
    }
    for c in ERROR_CODES.captures_iter(t) {
        if let Some(m) = c.get(1) {
            for part in m.as_str().split(',') {
                let digits = part.trim_matches(|ch: char| !ch.is_ascii_digit());
                if digits.len() >= 5 && digits.bytes().all(|b| b.is_ascii_digit()) {
                    push(m.start(), digits);
                }
            }
        }
    }
    for c in SIGNIN_CODE.captures_iter(t) {
        if let Some(m) = c.get(1) {
            push(m.start(), m.as_str());
        }
    }
    if SIGNIN_LOG.is_match(t) || SIGNIN_PAGE.is_match(t) {
        for c in LOG_CODE.captures_iter(t) {
            if let Some(m) = c.get(1) {
                push(m.start(), m.as_str());
            }
        }
    }
    found.sort_by_key(|(pos, _)| *pos);
    found
}

/// The error's timestamp: one written near a trace or correlation id label (where Entra puts
/// it), preferring the first after the first code; failing that, a labelled timestamp shortly
/// after the first code.
fn find_timestamp(t: &str, first_code: Option<usize>) -> Option<String> {
    const NEAR: usize = 300;
    let labels: Vec<usize> = ID_LABEL.find_iter(t).map(|m| m.start()).collect();
    let cands = captures(&TIMESTAMP, t);
    let near = |p: usize| {
        let i = labels.partition_point(|l| *l + NEAR < p);
        labels.get(i).is_some_and(|l| *l <= p + NEAR)
    };
    let near_cands: Vec<(usize, String)> =
        cands.iter().filter(|(p, _)| near(*p)).cloned().collect();
    if !near_cands.is_empty() {
        return pick(near_cands, first_code);
    }
    let code = first_code?;
    cands
        .into_iter()
        .find(|(p, _)| *p >= code && *p - code <= 2000)
        .map(|(_, v)| v)
}

fn find_app(t: &str) -> Option<String> {
    let mut cands: Vec<(usize, String)> = APP
        .captures_iter(t)
        .filter(|c| c.get(2).is_none())
        .filter_map(|c| c.get(1))
        .filter(|m| !is_placeholder(m.as_str()))
        .map(|m| (m.start(), m.as_str().to_string()))
        .collect();
    cands.extend(captures(&APP_NAMED, t));
    cands.extend(captures(&APP_FLAG, t));
    cands.sort_by_key(|(p, _)| *p);
    cands.into_iter().next().map(|(_, v)| lower_guid(v))
}

fn find_tenant(t: &str) -> Option<String> {
    let mut named: Vec<(usize, String)> = captures(&TENANT, t);
    named.extend(captures(&IN_DIRECTORY, t));
    named.retain(|(_, v)| guid_shaped(v.as_bytes()) || is_tenant_domain(v));
    named.sort_by_key(|(p, _)| *p);
    named
        .into_iter()
        .next()
        .map(|(_, v)| v)
        .or_else(|| {
            captures(&AUTHORITY, t)
                .into_iter()
                .map(|(_, v)| v)
                .find(|v| {
                    !is_common_authority(v) && (guid_shaped(v.as_bytes()) || is_tenant_domain(v))
                })
        })
        .map(lower_guid)
}

/// Texts up to this size are read whole. Past it (a day of logs, say), only the text around
/// the places a code is named is read: [`WINDOW`] bytes either side, up to [`FOCUS_LIMIT`] in
/// all, then just the lines naming further codes. That keeps a 10 MB log under 100 ms.
pub const WHOLE_TEXT_LIMIT: usize = 256 * 1024;
const WINDOW: usize = 16 * 1024;
const FOCUS_LIMIT: usize = 1024 * 1024;
/// How much of a line naming a code is kept once [`FOCUS_LIMIT`] is reached.
const LINE_WINDOW: usize = 512;

/// Where a code can be named: what every code pattern needs (see [`find_codes`]).
static ANCHOR: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)aadsts|error_?codes|error\s*_?code|result_?type"));

/// The largest char boundary at or below `i`.
fn floor_boundary(t: &str, mut i: usize) -> usize {
    i = i.min(t.len());
    while !t.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The parts of a long text worth reading, in order, separated by blank lines.
fn focus(text: &str) -> String {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut total = 0;
    for m in ANCHOR.find_iter(text) {
        let reach = if total < FOCUS_LIMIT {
            WINDOW
        } else {
            LINE_WINDOW
        };
        if spans
            .last()
            .is_some_and(|&(_, end)| m.end() + LINE_WINDOW <= end)
        {
            continue;
        }
        let lo = floor_boundary(text, m.start().saturating_sub(reach));
        let hi = floor_boundary(text, m.end().saturating_add(reach));
        // Whole lines where the window holds a line break, so no id is cut in half.
        let lo = match text[lo..m.start()].find('\n') {
            Some(nl) if lo > 0 => lo + nl + 1,
            _ => lo,
        };
        let hi = match text[m.end()..hi].rfind('\n') {
            Some(nl) if hi < text.len() => m.end() + nl,
            _ => hi,
        };
        match spans.last_mut() {
            Some((_, end)) if lo <= *end => {
                total += hi.saturating_sub(*end);
                *end = (*end).max(hi);
            }
            _ => {
                total += hi - lo;
                spans.push((lo, hi));
            }
        }
    }
    let mut out = String::with_capacity(total + spans.len() * 2);
    for (lo, hi) in spans {
        out.push_str(&text[lo..hi]);
        out.push_str("\n\n");
    }
    out
}

/// At most this much of a long input's context is kept by [`read_focused`].
pub const READ_KEEP_LIMIT: usize = 4 * 1024 * 1024;
const READ_CHUNK: usize = 1024 * 1024;

/// Read a text of any length (a file, a pipe, a day of logs) with bounded memory: a text up to
/// [`WHOLE_TEXT_LIMIT`] comes back whole; a longer one comes back as the parts around the
/// places codes are named (see `focus`), read chunk by chunk with an overlap so nothing
/// named across a chunk boundary is lost, keeping at most [`READ_KEEP_LIMIT`] bytes.
/// Invalid UTF-8 is replaced. `explain` gives the same answer on the result as on the whole.
pub fn read_focused(mut r: impl std::io::Read) -> std::io::Result<String> {
    use std::io::Read;
    let mut whole: Vec<u8> = Vec::new();
    // Fill up to the whole-text limit first: most inputs end here.
    (&mut r)
        .take(WHOLE_TEXT_LIMIT as u64 + 1)
        .read_to_end(&mut whole)?;
    if whole.len() <= WHOLE_TEXT_LIMIT {
        return Ok(into_text(whole));
    }
    let mut kept = String::new();
    let mut carry: Vec<u8> = whole; // bytes not yet focused: the first part of the text
    let mut chunk = vec![0u8; READ_CHUNK];
    loop {
        let n = read_full(&mut r, &mut chunk)?;
        carry.extend_from_slice(&chunk[..n]);
        let last = n == 0;
        // Focus on what we have, up to a UTF-8 boundary; keep an overlap for the next round.
        let cut = if last {
            carry.len()
        } else {
            utf8_boundary(&carry, carry.len().saturating_sub(2 * WINDOW))
        };
        if kept.len() < READ_KEEP_LIMIT {
            let part = String::from_utf8_lossy(&carry);
            let focused = focus(&part);
            let room = READ_KEEP_LIMIT - kept.len();
            kept.push_str(&focused[..floor_boundary(&focused, room)]);
        }
        if last {
            break;
        }
        carry.drain(..cut);
    }
    Ok(kept)
}

/// Fill `buf` as far as the reader allows; 0 only at the end.
fn read_full(r: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The largest index at or below `i` that does not split a UTF-8 character.
fn utf8_boundary(b: &[u8], mut i: usize) -> usize {
    i = i.min(b.len());
    while i > 0 && i < b.len() && (b[i] & 0b1100_0000) == 0b1000_0000 {
        i -= 1;
    }
    i
}

fn into_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Codes Entra puts in front of a more specific one: `AADSTS70002: Error validating
/// credentials. AADSTS50126: Invalid username or password` is a 50126.
const WRAPPERS: &[u32] = &[70002];

/// The code to diagnose: the first one, unless it is a wrapper followed by another code.
fn primary(codes: &[u32]) -> Option<u32> {
    codes
        .iter()
        .copied()
        .find(|c| !WRAPPERS.contains(c))
        .or_else(|| codes.first().copied())
}

/// Read `text` and pull out what it says. Never panics, whatever the input.
pub fn explain(text: &str) -> Explanation {
    if text.len() > WHOLE_TEXT_LIMIT {
        return explain_whole(&focus(text));
    }
    explain_whole(text)
}

fn explain_whole(text: &str) -> Explanation {
    let norm = normalize(text);
    let t = norm.as_str();

    let found = find_codes(t);
    let first_code = found.first().map(|(p, _)| *p);
    let mut seen = HashSet::new();
    let codes: Vec<u32> = found
        .into_iter()
        .map(|(_, c)| c)
        .filter(|c| seen.insert(*c))
        .collect();

    let mut traces = captures(&TRACE, t);
    if traces.is_empty() && SIGNIN_PAGE.is_match(t) {
        traces = captures(&PAGE_REQUEST, t);
    }

    Explanation {
        primary_code: primary(&codes),
        codes,
        error: OAUTH_ERROR
            .captures(t)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_string()),
        trace_id: pick(traces, first_code).map(|g| g.to_ascii_lowercase()),
        correlation_id: pick(captures(&CORRELATION, t), first_code).map(|g| g.to_ascii_lowercase()),
        timestamp: find_timestamp(t, first_code),
        app_id: find_app(t),
        tenant: find_tenant(t),
        upn: captures(&UPN, t).into_iter().next().map(|(_, v)| v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_endpoint_json() {
        let text = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b'.\r\nTrace ID: 0d5e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a\r\nCorrelation ID: 9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d\r\nTimestamp: 2026-11-20 08:15:42Z","error_codes":[7000215],"timestamp":"2026-11-20 08:15:42Z","trace_id":"0d5e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a","correlation_id":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"}"#;
        let e = explain(text);
        assert_eq!(e.codes, vec![7000215]);
        assert_eq!(e.primary_code, Some(7000215));
        // A wrapper followed by a specific code: the specific one is primary.
        let w = explain(
            "AADSTS70002: Error validating credentials. AADSTS50126: Invalid username or password, Trace ID: c738f926-5ca3-40e3-9beb-21ce8f4f2000",
        );
        assert_eq!(w.codes, vec![70002, 50126]);
        assert_eq!(w.primary_code, Some(50126));
        assert_eq!(
            explain("AADSTS70002: Error validating credentials.").primary_code,
            Some(70002)
        );
        assert_eq!(e.error.as_deref(), Some("invalid_client"));
        assert_eq!(
            e.trace_id.as_deref(),
            Some("0d5e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a")
        );
        assert_eq!(
            e.correlation_id.as_deref(),
            Some("9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d")
        );
        assert_eq!(e.timestamp.as_deref(), Some("2026-11-20 08:15:42Z"));
        assert_eq!(
            e.app_id.as_deref(),
            Some("3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b")
        );
    }

    #[test]
    fn glued_code_and_error_codes_array() {
        let e =
            explain("error=invalid_resource;AADSTS500011: The resource principal was not found");
        assert_eq!(e.codes, vec![500011]);
        let e = explain(r#"{"error":"invalid_grant","error_codes":[50076, 50079]}"#);
        assert_eq!(e.codes, vec![50076, 50079]);
        assert_eq!(e.error.as_deref(), Some("invalid_grant"));
    }

    #[test]
    fn wrapped_guid_is_joined() {
        let e = explain(
            "AADSTS50012: failed.\nTrace ID: 0d5e1f2a-3b4c-4d5e-\n    8f6a-7b8c9d0e1f2a\nCorrelation ID: 9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
        );
        assert_eq!(
            e.trace_id.as_deref(),
            Some("0d5e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a")
        );
    }

    #[test]
    fn wrapped_code_is_joined_but_whole_lines_are_not() {
        assert_eq!(
            explain("failed: AADSTS700\n0215: Invalid").codes,
            vec![7000215]
        );
        // A whole code at the end of a line stays apart from digits on the next.
        assert_eq!(explain("AADSTS50011\n2024-05-14 x").codes, vec![50011]);
        // A date at a line end is not a GUID half.
        let j = join_wrapped("2024-05-14\n2024-05-15");
        assert_eq!(j, "2024-05-14\n2024-05-15");
    }

    #[test]
    fn masked_values_are_none() {
        let e = explain(
            "AADSTS700016: Application with identifier '***' was not found in the directory '00000000-0000-0000-0000-000000000000'. client_id: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
        );
        assert_eq!(e.codes, vec![700016]);
        assert_eq!(e.app_id, None);
        assert_eq!(e.tenant, None);
        let e = explain(
            "AADSTS50034: The user account {EUII Hidden} does not exist in the yourtenant.onmicrosoft.com directory. app_id=11111111-1111-1111-1111-111111111111",
        );
        assert_eq!((e.app_id, e.tenant, e.upn), (None, None, None));
    }

    #[test]
    fn no_code_without_aadsts() {
        let e =
            explain("HTTP 404 error code 18456, request id 3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b");
        assert!(e.codes.is_empty() && e.primary_code.is_none());
        // "Microsoft Entra" is not a sign-in log: a SQL error number stays a SQL error number.
        let e = explain("Authentication: Microsoft Entra MFA\nLogin failed. Error code 18456");
        assert!(e.codes.is_empty());
    }

    #[test]
    fn sign_in_log_codes_need_a_sign_in_log() {
        assert_eq!(explain("Sign-in error code: 50126").codes, vec![50126]);
        assert_eq!(
            explain(r#"{"status":{"errorCode":50053,"failureReason":"Account is locked"}}"#).codes,
            vec![50053]
        );
        assert!(
            explain(r#"{"errorCode":50053,"message":"x"}"#)
                .codes
                .is_empty()
        );
        assert_eq!(
            explain("In the sign-in logs I see error code 50012 for the app").codes,
            vec![50012]
        );
    }

    #[test]
    fn tenant_domains_are_not_endpoints_or_files() {
        let e = explain("AADSTS90002: Tenant 'contoso.onmicrosoft.com' not found.");
        assert_eq!(e.tenant.as_deref(), Some("contoso.onmicrosoft.com"));
        let e = explain("AADSTS90002: tenant login.microsoftonline.com, directory main.tf");
        assert_eq!(e.tenant, None);
        let e = explain("AADSTS90002: check the tenant ID.Please retry, tenant v2.0");
        assert_eq!(e.tenant, None);
    }

    #[test]
    fn object_id_is_not_an_app_id() {
        let e = explain(
            "The client '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b' with object id '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b' does not have authorization",
        );
        assert_eq!(e.app_id, None);
    }

    #[test]
    fn upn_is_read() {
        let e = explain("AADSTS50126: Invalid username or password. User: alex@woodgrove.com");
        assert_eq!(e.upn.as_deref(), Some("alex@woodgrove.com"));
    }

    #[test]
    fn unescape_handles_levels_and_odd_escapes() {
        assert_eq!(
            unescape_once(r#"a\"b\\c\u0027"#).as_deref(),
            Some("a\"b\\c'")
        );
        assert_eq!(unescape_once(r"C:\Modules\x"), None);
        assert_eq!(unescape_once(r"\u12"), None);
        assert_eq!(unescape_once("é\\"), None);
    }

    /// A long log read through [`focus`] names the same codes, in the same order, with the
    /// same ids as the whole text, while most of the noise is never read.
    #[test]
    fn long_logs_are_read_around_their_codes() {
        let samples = [
            "AADSTS7000222: The provided client secret keys for app '11111111-2222-3333-4444-555555555555' are expired.\nTrace ID: 0f1e2d3c-0000-4000-8000-000000000001\nCorrelation ID: 0f1e2d3c-0000-4000-8000-000000000002\nTimestamp: 2026-11-21 03:12:44Z\n",
            "{\"error\":\"invalid_grant\",\"error_codes\":[50126],\"trace_id\":\"aaaaaaaa-0000-4000-8000-000000000003\"}\n",
            "ERROR AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication. tenant 'contoso.onmicrosoft.com'\n",
        ];
        let mut text = String::new();
        let mut i = 0;
        while text.len() < 8 * WHOLE_TEXT_LIMIT {
            text.push_str(&format!("2026-11-21T03:12:44.{i:03}Z INFO request completed status=200 path=/api/items/{i}\n"));
            if i % 2000 == 1000 {
                text.push_str(samples[(i / 2000) % samples.len()]);
            }
            i += 1;
        }
        let focused = focus(&text);
        assert!(
            focused.len() < text.len() / 4,
            "{} of {}",
            focused.len(),
            text.len()
        );
        assert_eq!(explain(&text), explain_whole(&text));
        let ex = explain(&text);
        assert_eq!(&ex.codes[..3], [7000222, 50126, 50076]);
        assert_eq!(
            ex.trace_id.as_deref(),
            Some("0f1e2d3c-0000-4000-8000-000000000001")
        );
    }

    /// Reading a long text from a reader, chunk by chunk, gives the same explanation as the
    /// whole text, for codes anywhere (including across the 1 MiB chunk boundaries), with
    /// bounded memory: what is kept never grows past READ_KEEP_LIMIT.
    #[test]
    fn reading_from_a_reader_matches_the_whole_text() {
        let mut text = String::new();
        let mut i = 0;
        while text.len() < 5 * READ_CHUNK {
            text.push_str(&format!("2026-11-21T03:12:44.{i:03}Z INFO request completed status=200 é path=/api/items/{i}\n"));
            if i % 9000 == 4500 {
                text.push_str(&format!(
                    "AADSTS{}: failed. Trace ID: 0f1e2d3c-0000-4000-8000-{:012}\n",
                    50000 + i,
                    i
                ));
            }
            i += 1;
        }
        // A code right across the first chunk boundary after the whole-text part.
        let at = WHOLE_TEXT_LIMIT + READ_CHUNK - 5;
        let at = floor_boundary(&text, at);
        text.insert_str(at, "\nAADSTS7000222 crossing\n");
        let read = read_focused(std::io::Cursor::new(text.as_bytes())).expect("in memory");
        assert!(read.len() <= READ_KEEP_LIMIT && read.len() < text.len() / 4);
        let (a, b) = (explain(&read), explain(&text));
        assert_eq!(a.codes, b.codes);
        assert!(a.codes.contains(&7000222));
        assert_eq!(a.trace_id, b.trace_id);
        // Short texts come back whole.
        let short = "AADSTS50012 only";
        assert_eq!(read_focused(short.as_bytes()).expect("in memory"), short);
    }

    /// An endless stream of nothing (`/dev/zero` piped in) is read in bounded memory: the
    /// kept text stays empty however much is read.
    #[test]
    fn endless_noise_keeps_nothing() {
        use std::io::Read;
        let zeros = std::io::repeat(0).take(40 * READ_CHUNK as u64);
        let read = read_focused(zeros).expect("in memory");
        assert!(read.is_empty(), "{}", read.len());
    }

    #[test]
    fn focus_keeps_every_code_past_its_limit() {
        let mut text = String::new();
        let mut n = 0u32;
        while text.len() < 4 * FOCUS_LIMIT {
            text.push_str(&format!(
                "{} noise line without anything in it\nAADSTS{}: failure\n",
                "x".repeat(200),
                10000 + n
            ));
            n += 1;
        }
        let ex = explain(&text);
        assert_eq!(ex.codes.len(), n as usize);
        // Never more than the text itself, plus a blank line between the parts.
        assert!(focus(&text).len() <= text.len() + 2 * n as usize);
    }

    #[test]
    fn focus_cuts_only_at_char_boundaries() {
        let text = "é".repeat(WHOLE_TEXT_LIMIT) + "AADSTS50012" + &"ü".repeat(WHOLE_TEXT_LIMIT);
        assert_eq!(explain(&text).codes, [50012]);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "",
            "\\",
            "%",
            "%Z",
            "%é",
            "AADSTS",
            "AADSTS99999999999999",
            "\u{0}\u{1b}[31m",
            "\u{1b}",
            "\u{1b}]",
            "Trace+ID%3",
            "é%C3",
            "\n",
            "\r\n",
            "-\n-",
            "AADSTS\n",
            "\nAADSTS1\n2",
            "é\n│",
            "│\n│",
            "a\n|",
            "\\u",
            "\\u00",
            "\\r\\",
        ] {
            let _ = explain(s);
        }
    }
}
