//! Read pasted error text (az, MSAL, token-endpoint JSON, pipeline logs, browser pages) and pull
//! out the AADSTS codes, the trace and correlation ids, the timestamp, the app and tenant, and
//! the OAuth error. Never fails: text without a code gives an empty result.

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

const GUID: &str = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

fn re(pattern: &str) -> Regex {
    Regex::new(&pattern.replace("{GUID}", GUID)).expect("patterns are constant and tested")
}

static CODE: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)AADSTS[ _:-]?(\d{4,9})"));
static ERROR_CODES: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)"?error_?codes"?\s*[:=]\s*\[([\d,\s]+)\]"#));
static LOG_CODE: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)(?:sign-?in\s+)?error\s*_?code"?\s*[:=]?\s*"?(\d{5,9})\b"#));
static SIGNIN_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)sign-?ins?\b|signin|entra|azure ad|\baad\b|microsoftonline|errorcode")
});
static TRACE: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)trace[ _-]?id"?\s*[:=]\s*"?\s*({GUID})"#));
static CORRELATION: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)correlation[ _-]?id"?\s*[:=]\s*"?\s*({GUID})"#));
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?i)time_?stamp"?\s*[:=]\s*"?\s*(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?)"#)
});
static APP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)\b(?:app(?:lication)?|client)(?:[ _-]?id)?\b(?:\s+with\s+(?:identifier|id))?"?\s*[:=]?\s*['"{(\[]?\s*({GUID})"#,
    )
});
static APP_FLAG: LazyLock<Regex> = LazyLock::new(|| re(r#"(?:--username|-u)\s+['"]?({GUID})"#));
static TENANT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)\b(?:tenant(?:[ _-]?id)?|directory)\b(?:\s+named)?"?\s*[:=]?\s*['"]?\s*({GUID}|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+)"#,
    )
});
static AUTHORITY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)login\.(?:microsoftonline\.(?:com|us)|partner\.microsoftonline\.cn|chinacloudapi\.cn)/([A-Za-z0-9.-]+)/",
    )
});
static UPN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)\b(?:user(?:[ _-]?principal[ _-]?name)?|upn|account|username|login_hint)\b'?"?\s*[:=]?\s*['"]?\s*([A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"#,
    )
});

/// OAuth 2.0 and Entra error strings, as they appear in `"error": "..."`.
const OAUTH_ERRORS: &[&str] = &[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "invalid_resource",
    "interaction_required",
    "access_denied",
    "server_error",
    "temporarily_unavailable",
    "consent_required",
    "login_required",
    "authorization_pending",
    "expired_token",
    "unsupported_response_type",
    "slow_down",
    "invalid_target",
];

/// Undo the layers real logs add: JSON string escapes (several levels), form encoding, and a
/// console that broke a GUID or code across lines.
fn normalize(text: &str) -> String {
    let mut s = text.replace('\0', "");
    for _ in 0..4 {
        if !s.contains('\\') {
            break;
        }
        let next = s
            .replace("\\\\", "\u{1}")
            .replace("\\r\\n", "\n")
            .replace("\\n", "\n")
            .replace("\\r", "\n")
            .replace("\\t", " ")
            .replace("\\\"", "\"")
            .replace("\\/", "/")
            .replace("\\u0027", "'")
            .replace("\\u0022", "\"")
            .replace('\u{1}', "\\");
        if next == s {
            break;
        }
        s = next;
    }
    if s.contains("Trace+ID") || s.contains("error_description=") || s.contains("%3A") {
        s = percent_decode(&s.replace('+', " "));
    }
    join_wrapped(&s)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = s.get(i + 1..i + 3)
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

/// Remove line breaks (and the indentation after them) that split a run of hex digits and
/// dashes, as a narrow console does to a GUID; other line breaks stay.
fn join_wrapped(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let is_hexish = |c: char| c.is_ascii_hexdigit() || c == '-';
    while i < chars.len() {
        let c = chars[i];
        if (c == '\n' || c == '\r') && i > 0 && is_hexish(chars[i - 1]) {
            let mut j = i;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            // Only join when the run before the break is GUID-shaped so far (contains a dash
            // or is long hex), and the text after continues it.
            let run_start = out.rfind(|ch: char| !is_hexish(ch)).map_or(0, |p| p + 1);
            let run = &out[run_start..];
            if j < chars.len()
                && is_hexish(chars[j])
                && run.len() >= 8
                && run.contains('-')
                && run.len() < 36
            {
                i = j;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// A value that only stands in for a real one: zero GUIDs and the like.
fn is_placeholder(v: &str) -> bool {
    let hex: String = v.chars().filter(|c| *c != '-').collect();
    !hex.is_empty() && hex.chars().all(|c| c == '0')
}

fn first_capture(re: &Regex, text: &str) -> Option<String> {
    re.captures_iter(text)
        .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
        .find(|v| !is_placeholder(v))
}

fn is_common_authority(t: &str) -> bool {
    ["common", "organizations", "consumers", "oauth2", "error"]
        .iter()
        .any(|x| t.eq_ignore_ascii_case(x))
}

/// Host names that are Microsoft endpoints, not tenants.
fn is_endpoint_host(t: &str) -> bool {
    let t = t.to_ascii_lowercase();
    [
        "microsoftonline.com",
        "microsoft.com",
        "windows.net",
        "azure.com",
        "visualstudio.com",
        "live.com",
    ]
    .iter()
    .any(|h| t.ends_with(h))
}

/// Read `text` and pull out what it says. Never panics, whatever the input.
pub fn explain(text: &str) -> Explanation {
    let norm = normalize(text);
    let t = norm.as_str();
    let mut found: Vec<(usize, u32)> = Vec::new();
    for c in CODE.captures_iter(t) {
        if let Some(m) = c.get(1)
            && let Ok(n) = m.as_str().parse()
        {
            found.push((m.start(), n));
        }
    }
    for c in ERROR_CODES.captures_iter(t) {
        if let Some(m) = c.get(1) {
            for part in m.as_str().split(',') {
                if let Ok(n) = part.trim().parse::<u32>()
                    && n >= 1000
                {
                    found.push((m.start(), n));
                }
            }
        }
    }
    if SIGNIN_CONTEXT.is_match(t) {
        for c in LOG_CODE.captures_iter(t) {
            if let Some(m) = c.get(1)
                && let Ok(n) = m.as_str().parse()
            {
                found.push((m.start(), n));
            }
        }
    }
    found.sort_by_key(|(pos, _)| *pos);
    let mut seen = HashSet::new();
    let codes: Vec<u32> = found
        .into_iter()
        .map(|(_, c)| c)
        .filter(|c| seen.insert(*c))
        .collect();

    let error = OAUTH_ERRORS
        .iter()
        .filter_map(|e| t.find(e).map(|p| (p, *e)))
        .filter(|(p, e)| {
            // A whole token, not part of a longer word.
            let before = t[..*p].chars().next_back();
            let after = t[p + e.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
        .min_by_key(|(p, _)| *p)
        .map(|(_, e)| e.to_string());

    let tenant = TENANT
        .captures_iter(t)
        .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
        .find(|v| !is_placeholder(v) && !is_endpoint_host(v))
        .or_else(|| {
            AUTHORITY
                .captures_iter(t)
                .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
                .find(|v| !is_common_authority(v) && !is_placeholder(v))
        });

    Explanation {
        primary_code: codes.first().copied(),
        codes,
        error,
        trace_id: first_capture(&TRACE, t).map(|g| g.to_lowercase()),
        correlation_id: first_capture(&CORRELATION, t).map(|g| g.to_lowercase()),
        timestamp: first_capture(&TIMESTAMP, t),
        app_id: first_capture(&APP, t)
            .or_else(|| first_capture(&APP_FLAG, t))
            .map(|g| g.to_lowercase()),
        tenant,
        upn: first_capture(&UPN, t),
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
    fn masked_values_are_none() {
        let e = explain(
            "AADSTS700016: Application with identifier '***' was not found in the directory '00000000-0000-0000-0000-000000000000'. client_id: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
        );
        assert_eq!(e.codes, vec![700016]);
        assert_eq!(e.app_id, None);
        assert_eq!(e.tenant, None);
    }

    #[test]
    fn no_code_without_aadsts() {
        let e =
            explain("HTTP 404 error code 18456, request id 3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b");
        assert!(e.codes.is_empty() && e.primary_code.is_none());
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "",
            "\\",
            "%",
            "%Z",
            "AADSTS",
            "AADSTS99999999999999",
            "\u{0}\u{1b}[31m",
            "Trace+ID%3",
            "é%C3",
        ] {
            let _ = explain(s);
        }
    }
}
