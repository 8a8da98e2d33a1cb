//! Commands shown to the user: their shell, the `<placeholder>` template, and rendering with
//! values quoted so that nothing a value contains can run when the command is pasted.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The shell a command is written for.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    Serialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
#[value(rename_all = "lowercase")]
pub enum Shell {
    /// Azure CLI, pasted into bash or zsh.
    Az,
    /// PowerShell (Microsoft Graph PowerShell and Az PowerShell; 5.1 and 7).
    Powershell,
    /// KQL, pasted into Log Analytics or Microsoft Sentinel (the sign-in log tables).
    Kql,
}

impl Shell {
    pub const ALL: [Shell; 3] = [Shell::Az, Shell::Powershell, Shell::Kql];

    /// The shells every leaf has a command (or an `unavailable` line) for; KQL is optional.
    pub const REQUIRED: [Shell; 2] = [Shell::Az, Shell::Powershell];

    pub fn as_str(self) -> &'static str {
        match self {
            Shell::Az => "az",
            Shell::Powershell => "powershell",
            Shell::Kql => "kql",
        }
    }

    /// The name shown on screen.
    pub fn title(self) -> &'static str {
        match self {
            Shell::Az => "Azure CLI",
            Shell::Powershell => "PowerShell",
            Shell::Kql => "KQL (Log Analytics)",
        }
    }

    /// The shell after this one (the Tab order) among those `has` accepts.
    pub fn next_among(self, has: impl Fn(Shell) -> bool) -> Shell {
        let all = Shell::ALL;
        let at = all.iter().position(|s| *s == self).unwrap_or(0);
        (1..=all.len())
            .map(|k| all[(at + k) % all.len()])
            .find(|s| has(*s))
            .unwrap_or(Shell::Az)
    }

    /// The fence language for Markdown code blocks.
    pub fn fence(self) -> &'static str {
        match self {
            Shell::Az => "bash",
            Shell::Powershell => "powershell",
            Shell::Kql => "kusto",
        }
    }
}

impl std::str::FromStr for Shell {
    type Err = UnknownShell;

    fn from_str(s: &str) -> Result<Shell, UnknownShell> {
        Shell::ALL
            .into_iter()
            .find(|sh| sh.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownShell(s.to_string()))
    }
}

/// A shell name that is not `az`, `powershell` or `kql`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown shell '{0}' (expected az, powershell or kql)")]
pub struct UnknownShell(pub String);

impl fmt::Display for Shell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Values for placeholders, by name (`app-id` → `1111…`).
pub type Values = BTreeMap<String, String>;

/// A command text with `<name>` placeholders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandTemplate {
    text: String,
}

/// A placeholder occurrence: its name and byte range (including the angle brackets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot<'a> {
    pub name: &'a str,
    pub start: usize,
    pub end: usize,
}

/// Placeholders in `text`: `<` + a lowercase letter + `[a-z0-9-]*` + `>`.
pub fn slots(text: &str) -> Vec<Slot<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' && bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase) {
            let mut j = i + 1;
            while j < bytes.len()
                && (bytes[j].is_ascii_lowercase() || bytes[j].is_ascii_digit() || bytes[j] == b'-')
            {
                j += 1;
            }
            if bytes.get(j) == Some(&b'>') {
                out.push(Slot {
                    name: &text[i + 1..j],
                    start: i,
                    end: j + 1,
                });
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Where a position in a command sits, as far as the shell's quoting goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    /// Not inside any quotes.
    Bare,
    /// Inside single quotes (`'...'`).
    Single,
    /// Inside double quotes.
    Double,
}

/// The language of the argument a placeholder sits in, below the shell's quoting: a value is
/// first encoded for it, then quoted for the shell, so it can change the structure of neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inner {
    /// Plain text: the shell's quoting is all there is.
    Plain,
    /// An OData string literal (`-Filter "appId eq '<app-id>'"`): `'` is written `''`.
    ODataLiteral,
    /// Inside a JSON string (`--body '{"upn": "<upn>"}'`): JSON escapes.
    JsonString,
    /// Where a JSON value goes (`--body '{"id": <id>}'`): a whole JSON string is written.
    JsonValue,
    /// Inside a JMESPath raw string (`--query "[?upn=='<upn>']"`): `'` is written `\'`.
    JmesRaw,
    /// Inside a JMESPath JSON literal (`` `...` ``); `in_string` when inside a JSON string in it.
    JmesLiteral { in_string: bool },
    /// Inside a JMESPath quoted identifier (`"..."`): JSON escapes.
    JmesIdentifier,
    /// Bare in a JMESPath expression: written as a raw string literal.
    JmesBare,
    /// In a URL's path: percent-encoded.
    UrlPath,
    /// In a URL's query, outside a literal: percent-encoded.
    UrlQuery,
    /// In an OData literal inside a URL's query: `'` doubled, then percent-encoded.
    UrlODataLiteral,
}

const PS_SINGLE: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];
const PS_DOUBLE: [char; 4] = ['"', '\u{201C}', '\u{201D}', '\u{201E}'];

/// What the shell has read up to a byte: the quoting context, the current word as the
/// program will receive it (quotes removed, escapes applied), and the word before it.
#[derive(Debug)]
struct ShellState {
    ctx: Context,
    word: String,
    prev_word: String,
}

/// Read `text` up to byte `at` as `shell` would.
fn shell_state(text: &str, at: usize, shell: Shell) -> ShellState {
    let mut ctx = Context::Bare;
    let mut escaped = false;
    let mut word = String::new();
    let mut prev_word = String::new();
    // A command substitution `$(...)` (bash, bare or in double quotes) or subexpression
    // (PowerShell) starts a fresh command: the outer state waits on this stack, with the
    // depth of the parentheses opened inside it.
    let mut outer: Vec<(Context, String, String)> = Vec::new();
    let mut depth = 0usize;
    let mut depths: Vec<usize> = Vec::new();
    let mut skip_paren = false;
    let escape_char = match shell {
        Shell::Az => '\\',
        Shell::Powershell | Shell::Kql => '`',
    };
    for (i, c) in text.char_indices() {
        if i >= at {
            break;
        }
        if skip_paren {
            skip_paren = false;
            continue;
        }
        if escaped {
            escaped = false;
            word.push(c);
            continue;
        }
        if c == '$' && ctx != Context::Single && text[i + 1..].starts_with('(') {
            outer.push((
                ctx,
                std::mem::take(&mut word),
                std::mem::take(&mut prev_word),
            ));
            depths.push(depth);
            depth = 0;
            ctx = Context::Bare;
            skip_paren = true;
            continue;
        }
        if ctx == Context::Bare && c == '(' {
            depth += 1;
        }
        if ctx == Context::Bare && c == ')' {
            if depth == 0
                && let Some((octx, oword, oprev)) = outer.pop()
            {
                ctx = octx;
                word = oword;
                word.push('x'); // what the substitution prints stands in the outer word
                prev_word = oprev;
                depth = depths.pop().unwrap_or(0);
                continue;
            }
            depth = depth.saturating_sub(1);
        }
        let is_single = match shell {
            Shell::Az | Shell::Kql => c == '\'',
            Shell::Powershell => PS_SINGLE.contains(&c),
        };
        let is_double = match shell {
            Shell::Az | Shell::Kql => c == '"',
            Shell::Powershell => PS_DOUBLE.contains(&c),
        };
        match ctx {
            Context::Bare if c == escape_char => escaped = true,
            Context::Bare if is_single => ctx = Context::Single,
            Context::Bare if is_double => ctx = Context::Double,
            Context::Bare if c.is_whitespace() => {
                if !word.is_empty() {
                    prev_word = std::mem::take(&mut word);
                }
            }
            Context::Single if is_single => ctx = Context::Bare,
            // In bash double quotes a backslash escapes only $ ` " \ and newline.
            Context::Double
                if c == escape_char
                    && (shell == Shell::Powershell
                        || text[i + 1..].starts_with(['$', '`', '"', '\\'])) =>
            {
                escaped = true
            }
            Context::Double if is_double => ctx = Context::Bare,
            _ => word.push(c),
        }
    }
    ShellState {
        ctx,
        word,
        prev_word,
    }
}

/// Whether a JSON text prefix ends inside a string.
fn json_in_string(prefix: &str) -> bool {
    let mut in_string = false;
    let mut escaped = false;
    for c in prefix.chars() {
        if escaped {
            escaped = false;
        } else if in_string && c == '\\' {
            escaped = true;
        } else if c == '"' {
            in_string = !in_string;
        }
    }
    in_string
}

/// Where a JMESPath expression prefix ends: in a raw string, a literal, an identifier or bare.
fn jmes_inner(prefix: &str) -> Inner {
    #[derive(PartialEq)]
    enum J {
        Bare,
        Raw,
        Literal,
        Ident,
    }
    let mut state = J::Bare;
    let mut escaped = false;
    let mut literal = String::new();
    for c in prefix.chars() {
        if escaped {
            escaped = false;
            if state == J::Literal {
                literal.push(c);
            }
            continue;
        }
        match (&state, c) {
            (J::Raw | J::Literal | J::Ident, '\\') => {
                escaped = true;
                if state == J::Literal {
                    literal.push(c);
                }
            }
            (J::Bare, '\'') => state = J::Raw,
            (J::Bare, '`') => {
                state = J::Literal;
                literal.clear();
            }
            (J::Bare, '"') => state = J::Ident,
            (J::Raw, '\'') | (J::Literal, '`') | (J::Ident, '"') => state = J::Bare,
            (J::Literal, c) => literal.push(c),
            _ => {}
        }
    }
    match state {
        J::Bare => Inner::JmesBare,
        J::Raw => Inner::JmesRaw,
        J::Ident => Inner::JmesIdentifier,
        J::Literal => Inner::JmesLiteral {
            in_string: json_in_string(&literal),
        },
    }
}

/// The language of the argument around a placeholder, from the option it belongs to or the
/// shape of the text before it.
fn inner_of(st: &ShellState) -> Inner {
    let opt = st.prev_word.to_ascii_lowercase();
    let word = st.word.as_str();
    let quoted = st.ctx != Context::Bare;
    if opt == "--query" {
        return jmes_inner(word);
    }
    // `--body '{...}'`, `--parameters "{...}"`, `-Body '{...}'`: JSON text.
    if word.starts_with(['{', '[']) {
        return if json_in_string(word) {
            Inner::JsonString
        } else {
            Inner::JsonValue
        };
    }
    if word.starts_with("https://") || word.starts_with("http://") {
        return match word.split_once('?') {
            None => Inner::UrlPath,
            Some((_, query)) if query.matches('\'').count() % 2 == 1 => Inner::UrlODataLiteral,
            Some(_) => Inner::UrlQuery,
        };
    }
    if quoted && word.matches('\'').count() % 2 == 1 {
        return Inner::ODataLiteral;
    }
    Inner::Plain
}

/// `value` percent-encoded for a URL: everything but unreserved characters, `@` and `'`.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~@'".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `value` inside a JSON string: the escapes serde_json writes, without the outer quotes.
fn json_body(value: &str) -> String {
    let quoted = serde_json::to_string(value).unwrap_or_default();
    quoted[1..quoted.len() - 1].to_string()
}

/// Encode `value` for the language it sits in.
fn encode_inner(value: &str, inner: Inner) -> String {
    let odata = |v: &str| v.replace('\'', "''");
    // In a JMESPath raw string only `'` and `\` are special (`\'` and `\\`).
    let jmes_raw = |v: &str| v.replace('\\', "\\\\").replace('\'', "\\'");
    match inner {
        Inner::Plain => value.to_string(),
        Inner::ODataLiteral => odata(value),
        Inner::JsonString | Inner::JmesIdentifier => json_body(value),
        Inner::JsonValue => format!("\"{}\"", json_body(value)),
        Inner::JmesRaw => jmes_raw(value),
        Inner::JmesBare => format!("'{}'", jmes_raw(value)),
        Inner::JmesLiteral { in_string } => {
            let json = if in_string {
                json_body(value)
            } else {
                format!("\"{}\"", json_body(value))
            };
            json.replace('`', "\\`")
        }
        Inner::UrlPath | Inner::UrlQuery => percent_encode(value),
        Inner::UrlODataLiteral => percent_encode(&odata(value)),
    }
}

/// Characters that need no quoting as a whole bash word.
fn bash_plain(value: &str) -> bool {
    !value.is_empty()
        && !value.starts_with(['-', '~', '='])
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c))
}

/// `value` inside bash single quotes: `'` becomes `'\''` (close, escaped quote, reopen).
fn bash_single_body(value: &str) -> String {
    value.replace('\'', r"'\''")
}

/// `value` inside PowerShell single quotes: every single-quote character is doubled.
fn ps_single_body(value: &str) -> String {
    let mut s = String::with_capacity(value.len());
    for c in value.chars() {
        s.push(c);
        if PS_SINGLE.contains(&c) {
            s.push(c);
        }
    }
    s
}

/// Quote `value` (already encoded for its inner language) for a spot with context `ctx`.
fn quote(value: &str, ctx: Context, shell: Shell) -> String {
    match (shell, ctx) {
        // KQL values are written by `kql_value`; nothing reaches here.
        (Shell::Kql, _) => value.to_string(),
        (Shell::Az, Context::Bare) if bash_plain(value) => value.to_string(),
        (Shell::Az, Context::Bare) => format!("'{}'", bash_single_body(value)),
        (Shell::Az, Context::Single) => bash_single_body(value),
        // Leave the double quotes, put the value in single quotes, and come back: `"a"'v'"b"`
        // concatenates into one word, and nothing in single quotes is expanded (not even `!`).
        (Shell::Az, Context::Double) => {
            if value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_- ".contains(c))
            {
                value.to_string()
            } else {
                format!("\"'{}'\"", bash_single_body(value))
            }
        }
        // Always a single-quoted string: a bare word is a command name inside `@{...}` and
        // `@(...)`, and `1111-2222` is arithmetic there; in argument mode a quoted string is
        // the same text, so one rule serves every place a bare placeholder can stand.
        (Shell::Powershell, Context::Bare) => format!("'{}'", ps_single_body(value)),
        (Shell::Powershell, Context::Single) => ps_single_body(value),
        (Shell::Powershell, Context::Double) => {
            let mut s = String::with_capacity(value.len());
            for c in value.chars() {
                // Backtick-escape what ends or expands a double-quoted string.
                if c == '`' || c == '$' || PS_DOUBLE.contains(&c) {
                    s.push('`');
                }
                s.push(c);
            }
            s
        }
    }
}

/// Where a position in a KQL query sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KqlContext {
    /// In the query text, outside strings and comments.
    Bare,
    /// Inside a `'...'` string literal (backslash escapes).
    Single,
    /// Inside a `"..."` string literal (backslash escapes).
    Double,
    /// Inside a verbatim string (`@'...'`, `@"..."`): no escapes at all.
    Verbatim,
    /// Inside a `//` comment.
    Comment,
}

/// Read a KQL query up to byte `at`.
pub fn kql_context(text: &str, at: usize) -> KqlContext {
    let mut ctx = KqlContext::Bare;
    let mut close = '\'';
    let mut escaped = false;
    let mut chars = text[..at.min(text.len())].chars().peekable();
    while let Some(c) = chars.next() {
        match ctx {
            KqlContext::Bare => match c {
                '\'' | '"' => {
                    ctx = KqlContext::Single;
                    if c == '"' {
                        ctx = KqlContext::Double;
                    }
                    close = c;
                }
                '@' if matches!(chars.peek(), Some('\'' | '"')) => {
                    close = chars.next().unwrap_or('\'');
                    ctx = KqlContext::Verbatim;
                }
                '/' if chars.peek() == Some(&'/') => ctx = KqlContext::Comment,
                _ => {}
            },
            KqlContext::Single | KqlContext::Double => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == close {
                    ctx = KqlContext::Bare;
                }
            }
            KqlContext::Verbatim if c == close => ctx = KqlContext::Bare,
            KqlContext::Verbatim => {}
            KqlContext::Comment if c == '\n' => ctx = KqlContext::Bare,
            KqlContext::Comment => {}
        }
    }
    ctx
}

/// `value` for the spot at byte `at` of a KQL query: escaped inside a string literal, a whole
/// string literal where it stands bare. (The validator keeps placeholders out of verbatim
/// strings and comments, where nothing can be escaped.)
fn kql_value(text: &str, at: usize, value: &str) -> String {
    let escape = |v: &str, quote: char| {
        let mut s = String::with_capacity(v.len() + 2);
        for c in v.chars() {
            if c == '\\' || c == quote {
                s.push('\\');
            }
            s.push(c);
        }
        s
    };
    match kql_context(text, at) {
        KqlContext::Single => escape(value, '\''),
        KqlContext::Double => escape(value, '"'),
        KqlContext::Bare | KqlContext::Verbatim | KqlContext::Comment => {
            format!("'{}'", escape(value, '\''))
        }
    }
}

/// The inner language at byte `at` of a `shell` command (for tests and the validator).
pub fn inner_at(text: &str, at: usize, shell: Shell) -> Inner {
    inner_of(&shell_state(text, at, shell))
}

/// OData query options that a shell would expand as a variable inside double quotes
/// (`"...?$filter=..."` loses `$filter` in bash and PowerShell alike).
const ODATA_OPTIONS: [&str; 9] = [
    "filter", "select", "top", "expand", "orderby", "count", "search", "skip", "format",
];

/// `$filter`-style OData options that sit unescaped inside double quotes, where `shell` would
/// replace them with an (empty) variable.
pub fn expanded_odata_options(text: &str, shell: Shell) -> Vec<String> {
    let mut found = Vec::new();
    for (i, _) in text.match_indices('$') {
        let name: String = text[i + 1..]
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect();
        if !ODATA_OPTIONS.contains(&name.as_str()) {
            continue;
        }
        let escape = match shell {
            Shell::Az => '\\',
            Shell::Powershell => '`',
            Shell::Kql => return Vec::new(),
        };
        let escaped = text[..i].ends_with(escape);
        if !escaped && shell_state(text, i, shell).ctx == Context::Double {
            found.push(format!("${name}"));
        }
    }
    found
}

impl CommandTemplate {
    pub fn new(text: impl Into<String>) -> CommandTemplate {
        CommandTemplate { text: text.into() }
    }

    /// The template as written, placeholders included.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Names of the placeholders used, in order of first use, without repeats.
    pub fn placeholders(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for s in slots(&self.text) {
            if !names.contains(&s.name) {
                names.push(s.name);
            }
        }
        names
    }

    /// Fill in the placeholders that have a value, quoted for `shell` and for where each sits
    /// (bare, in single quotes, in double quotes). Placeholders without a value stay visible.
    ///
    /// ```
    /// use aadsts_wizard::command::{CommandTemplate, Shell, Values};
    /// let t = CommandTemplate::new("az ad user show --id <upn>");
    /// let values = Values::from([("upn".to_string(), "o'brien@contoso.com".to_string())]);
    /// assert_eq!(t.render(Shell::Az, &values), r"az ad user show --id 'o'\''brien@contoso.com'");
    /// ```
    pub fn render(&self, shell: Shell, values: &Values) -> String {
        self.render_part(shell, values, 0, self.text.len())
    }

    /// [`render`](Self::render) for the screen: the values of placeholders `is_secret` names
    /// are shown as `<name: ••••>`, wherever they sit; only the copied text carries them.
    ///
    /// ```
    /// use aadsts_wizard::command::{CommandTemplate, Shell, Values};
    /// let t = CommandTemplate::new("az login --service-principal -p <client-secret>");
    /// let values = Values::from([("client-secret".to_string(), "s3cr3t".to_string())]);
    /// let shown = t.render_masked(Shell::Az, &values, |n| n == "client-secret");
    /// assert_eq!(shown, "az login --service-principal -p <client-secret: ••••>");
    /// ```
    pub fn render_masked(
        &self,
        shell: Shell,
        values: &Values,
        is_secret: impl Fn(&str) -> bool,
    ) -> String {
        let mut out = String::with_capacity(self.text.len());
        let mut last = 0;
        for slot in slots(&self.text) {
            let has_value = values.get(slot.name).is_some_and(|v| !v.is_empty());
            if has_value && is_secret(slot.name) {
                out.push_str(&self.render_part(shell, values, last, slot.start));
                out.push_str(&format!("<{}: ••••>", slot.name));
                last = slot.end;
            }
        }
        out.push_str(&self.render_part(shell, values, last, self.text.len()));
        out
    }

    /// The rendering of the template's bytes `from..to`, quoting each value by where it sits
    /// in the whole template.
    fn render_part(&self, shell: Shell, values: &Values, from: usize, to: usize) -> String {
        let mut out = String::new();
        let mut last = from;
        for slot in slots(&self.text)
            .into_iter()
            .filter(|s| s.start >= from && s.end <= to)
        {
            out.push_str(&self.text[last..slot.start]);
            match values.get(slot.name).filter(|v| !v.is_empty()) {
                Some(v) if shell == Shell::Kql => {
                    out.push_str(&kql_value(&self.text, slot.start, v))
                }
                Some(v) => {
                    let st = shell_state(&self.text, slot.start, shell);
                    let encoded = encode_inner(v, inner_of(&st));
                    out.push_str(&quote(&encoded, st.ctx, shell))
                }
                None => out.push_str(&self.text[slot.start..slot.end]),
            }
            last = slot.end;
        }
        out.push_str(&self.text[last..to]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(name: &str, v: &str) -> Values {
        Values::from([(name.to_string(), v.to_string())])
    }

    #[test]
    fn slots_find_placeholders_only() {
        let names: Vec<&str> = slots("a <app-id> <B> < x> <upn><x1-y> -lt 3 <tenant-id")
            .iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, vec!["app-id", "upn", "x1-y"]);
    }

    #[test]
    fn unfilled_placeholders_stay_visible() {
        let t = CommandTemplate::new("az ad sp show --id <app-id>");
        assert_eq!(
            t.render(Shell::Az, &Values::new()),
            "az ad sp show --id <app-id>"
        );
        assert_eq!(
            t.render(Shell::Az, &vals("app-id", "")),
            "az ad sp show --id <app-id>"
        );
    }

    #[test]
    fn bash_quoting_table() {
        let t = CommandTemplate::new("az ad user show --id <v>");
        for (value, want) in [
            (
                "11111111-2222-3333-4444-555555555555",
                "11111111-2222-3333-4444-555555555555",
            ),
            ("user@contoso.com", "user@contoso.com"),
            ("two words", "'two words'"),
            ("it's", r"'it'\''s'"),
            ("say \"hi\"", "'say \"hi\"'"),
            ("$(rm -rf ~)", "'$(rm -rf ~)'"),
            ("`id`", "'`id`'"),
            ("a; reboot", "'a; reboot'"),
            ("line1\nline2", "'line1\nline2'"),
            ("Zoë", "'Zoë'"),
            ("-rf", "'-rf'"),
            ("!!", "'!!'"),
        ] {
            assert_eq!(
                t.render(Shell::Az, &vals("v", value)),
                format!("az ad user show --id {want}"),
                "{value:?}"
            );
        }
    }

    #[test]
    fn bash_inside_double_quotes_and_odata_literal() {
        let t = CommandTemplate::new("az rest --url \"https://g/users?\\$filter=upn eq '<upn>'\"");
        assert_eq!(
            t.render(Shell::Az, &vals("upn", "a@b.com")),
            "az rest --url \"https://g/users?\\$filter=upn eq 'a@b.com'\""
        );
        // In a URL the value is percent-encoded as well (`$` is %24).
        assert_eq!(
            t.render(Shell::Az, &vals("upn", "o'b$x@b.com")),
            "az rest --url \"https://g/users?\\$filter=upn eq '\"'o'\\'''\\''b%24x@b.com'\"'\""
        );
    }

    #[test]
    fn bash_inside_single_quotes() {
        // A JMESPath JSON literal: the value becomes a JSON string.
        let t = CommandTemplate::new("az ad app list --query '[?appId==`<v>`]'");
        assert_eq!(
            t.render(Shell::Az, &vals("v", "x'y")),
            "az ad app list --query '[?appId==`\"x'\\''y\"`]'"
        );
    }

    #[test]
    fn powershell_quoting_table() {
        let t = CommandTemplate::new("Get-MgUser -UserId <v>");
        for (value, want) in [
            (
                "11111111-2222-3333-4444-555555555555",
                "'11111111-2222-3333-4444-555555555555'",
            ),
            ("Stop-Computer", "'Stop-Computer'"),
            ("50012", "'50012'"),
            ("user@contoso.com", "'user@contoso.com'"),
            ("it's", "'it''s'"),
            ("it\u{2019}s", "'it\u{2019}\u{2019}s'"),
            ("$(Stop-Computer)", "'$(Stop-Computer)'"),
            ("a; Remove-Item x", "'a; Remove-Item x'"),
            ("say \"hi\"", "'say \"hi\"'"),
            ("`n", "'`n'"),
            ("", "<v>"),
        ] {
            assert_eq!(
                t.render(Shell::Powershell, &vals("v", value)),
                format!("Get-MgUser -UserId {want}"),
                "{value:?}"
            );
        }
    }

    #[test]
    fn powershell_inside_double_quotes_escapes_and_doubles_odata_quotes() {
        let t = CommandTemplate::new("Get-MgUser -Filter \"userPrincipalName eq '<upn>'\"");
        assert_eq!(
            t.render(Shell::Powershell, &vals("upn", "o'b$(x)\"`@c.com")),
            "Get-MgUser -Filter \"userPrincipalName eq 'o''b`$(x)`\"``@c.com'\""
        );
    }

    #[test]
    fn powershell_values_in_hashtables_and_arrays_are_strings() {
        let t = CommandTemplate::new(
            "Update-MgUser -UserId <upn> -PasswordProfile @{Password=<pw>; ForceChangePasswordNextSignIn=$true}",
        );
        let values = Values::from([
            ("upn".to_string(), "a@b.com".to_string()),
            ("pw".to_string(), "Stop-Computer".to_string()),
        ]);
        assert_eq!(
            t.render(Shell::Powershell, &values),
            "Update-MgUser -UserId 'a@b.com' -PasswordProfile @{Password='Stop-Computer'; ForceChangePasswordNextSignIn=$true}"
        );
        let t = CommandTemplate::new("$x = @(<v>) + <v>");
        assert_eq!(
            t.render(Shell::Powershell, &vals("v", "1111-2222")),
            "$x = @('1111-2222') + '1111-2222'"
        );
    }

    #[test]
    fn json_values_are_json_escaped_before_shell_quoting() {
        let t = CommandTemplate::new(
            r#"az ad app federated-credential create --id x --parameters "{\"subject\":\"<v>\",\"issuer\":\"https://good\"}""#,
        );
        let out = t.render(
            Shell::Az,
            &vals("v", r#"s","issuer":"https://attacker.example"#),
        );
        assert!(
            out.contains(r#"s\",\"issuer\":\"https://attacker.example"#),
            "{out}"
        );
        let t = CommandTemplate::new(r#"az rest --body '{"upn": "<v>", "n": <v>}'"#);
        assert_eq!(
            t.render(Shell::Az, &vals("v", r#"a"b"#)),
            r#"az rest --body '{"upn": "a\"b", "n": "a\"b"}'"#
        );
        let t = CommandTemplate::new(r#"Invoke-MgGraphRequest -Body '{"upn":"<v>"}'"#);
        assert_eq!(
            t.render(Shell::Powershell, &vals("v", r#"o'b"x"#)),
            r#"Invoke-MgGraphRequest -Body '{"upn":"o''b\"x"}'"#
        );
    }

    #[test]
    fn jmespath_literals_use_jmespath_escapes() {
        let t = CommandTemplate::new(
            r#"az ad user list --query "[?contains(userPrincipalName, '<upn>')]""#,
        );
        assert_eq!(
            t.render(Shell::Az, &vals("upn", "o'brien@contoso.com")),
            r#"az ad user list --query "[?contains(userPrincipalName, '"'o\'\''brien@contoso.com'"')]""#
        );
        let text = r#"az x --query "[?a=='<v>']""#;
        assert_eq!(
            inner_at(text, text.find('<').unwrap_or(0), Shell::Az),
            Inner::JmesRaw
        );
        let text = "az x --query [?a==<v>]";
        assert_eq!(
            inner_at(text, text.find('<').unwrap_or(0), Shell::Az),
            Inner::JmesBare
        );
    }

    #[test]
    fn url_values_are_percent_encoded() {
        let t = CommandTemplate::new(
            r#"az rest --url "https://graph.microsoft.com/v1.0/users/<upn>?\$select=id""#,
        );
        assert_eq!(
            t.render(
                Shell::Az,
                &vals("upn", "jo+x_contoso.com#EXT#@t.onmicrosoft.com")
            ),
            r#"az rest --url "https://graph.microsoft.com/v1.0/users/jo%2Bx_contoso.com%23EXT%23@t.onmicrosoft.com?\$select=id""#
        );
        let t = CommandTemplate::new(
            "Invoke-MgGraphRequest -Uri \"https://graph.microsoft.com/v1.0/users?`$filter=mail eq '<v>'\"",
        );
        let out = t.render(Shell::Powershell, &vals("v", "o'a&b%c d"));
        assert!(out.contains("eq 'o''a%26b%25c%20d'"), "{out}");
    }

    #[test]
    fn command_substitution_starts_a_fresh_command() {
        let t = CommandTemplate::new(
            r#"az rest --url "https://graph.microsoft.com/v1.0/users/$(az ad user show --id <upn> --query id -o tsv)/memberOf?\$filter=x eq '<v>'""#,
        );
        let values = Values::from([
            (
                "upn".to_string(),
                "g_x.com#EXT#@t.onmicrosoft.com".to_string(),
            ),
            ("v".to_string(), "a b".to_string()),
        ]);
        // The UPN is an argument of the inner command (bash-quoted, not percent-encoded); the
        // value after the substitution is back in the URL's OData literal.
        assert_eq!(
            t.render(Shell::Az, &values),
            r#"az rest --url "https://graph.microsoft.com/v1.0/users/$(az ad user show --id 'g_x.com#EXT#@t.onmicrosoft.com' --query id -o tsv)/memberOf?\$filter=x eq 'a%20b'""#
        );
    }

    #[test]
    fn odata_options_in_double_quotes_are_found() {
        assert_eq!(
            expanded_odata_options("az rest --url \"u?$filter=x\"", Shell::Az),
            vec!["$filter"]
        );
        assert!(expanded_odata_options("az rest --url \"u?\\$filter=x\"", Shell::Az).is_empty());
        assert!(expanded_odata_options("az rest --url 'u?$filter=x'", Shell::Az).is_empty());
        assert_eq!(
            expanded_odata_options("Invoke-MgGraphRequest -Uri \"u?$top=1\"", Shell::Powershell),
            vec!["$top"]
        );
        assert!(
            expanded_odata_options(
                "Invoke-MgGraphRequest -Uri \"u?`$top=1\"",
                Shell::Powershell
            )
            .is_empty()
        );
        assert!(expanded_odata_options("$sp = Get-MgUser; $sp.Id", Shell::Powershell).is_empty());
    }

    #[test]
    fn placeholders_in_order_without_repeats() {
        let t = CommandTemplate::new("x <b> <a> <b>");
        assert_eq!(t.placeholders(), vec!["b", "a"]);
    }

    #[test]
    fn kql_values_are_escaped_inside_strings_and_quoted_when_bare() {
        let v = Values::from([("upn".to_string(), r"o'b\r@x.com".to_string())]);
        let render = |t: &str| CommandTemplate::new(t).render(Shell::Kql, &v);
        assert_eq!(
            render("SigninLogs | where UserPrincipalName == '<upn>'"),
            r"SigninLogs | where UserPrincipalName == 'o\'b\\r@x.com'"
        );
        assert_eq!(
            render("SigninLogs | where UserPrincipalName == \"<upn>\""),
            r#"SigninLogs | where UserPrincipalName == "o'b\\r@x.com""#
        );
        assert_eq!(
            render("SigninLogs | where UserPrincipalName == <upn>"),
            r"SigninLogs | where UserPrincipalName == 'o\'b\\r@x.com'"
        );
        // An escaped quote before the placeholder does not end the string.
        assert_eq!(
            kql_context(r"T | where A == 'it\'s <upn>", 22),
            KqlContext::Single
        );
        assert_eq!(kql_context("T // '<upn>", 6), KqlContext::Comment);
        assert_eq!(
            kql_context("T | where A == @'<upn>", 18),
            KqlContext::Verbatim
        );
        assert_eq!(
            kql_context("T // x\n| where A == <upn>", 21),
            KqlContext::Bare
        );
    }

    #[test]
    fn shells_cycle_in_tab_order_among_those_present() {
        assert_eq!(Shell::Az.next_among(|_| true), Shell::Powershell);
        assert_eq!(Shell::Powershell.next_among(|_| true), Shell::Kql);
        assert_eq!(Shell::Kql.next_among(|_| true), Shell::Az);
        assert_eq!(Shell::Powershell.next_among(|s| s != Shell::Kql), Shell::Az);
        assert_eq!("KQL".parse::<Shell>(), Ok(Shell::Kql));
        assert!("bash".parse::<Shell>().is_err());
    }

    #[test]
    fn a_value_read_by_one_az_call_and_used_by_the_next_stays_quoted() {
        let t = CommandTemplate::new(
            "uris=$(az ad app show --id <app-id> --query \"web.redirectUris\" -o tsv) && az ad app update --id <app-id> --web-redirect-uris $uris <redirect-uri>",
        );
        let v = Values::from([
            ("app-id".to_string(), "1111".to_string()),
            (
                "redirect-uri".to_string(),
                "https://x/cb?a=1&b=$(id)".to_string(),
            ),
        ]);
        assert_eq!(
            t.render(Shell::Az, &v),
            "uris=$(az ad app show --id 1111 --query \"web.redirectUris\" -o tsv) && az ad app update --id 1111 --web-redirect-uris $uris 'https://x/cb?a=1&b=$(id)'"
        );
    }
}
