//! Commands shown to the user: their shell, the `<placeholder>` template, and rendering with
//! values quoted so that nothing a value contains can run when the command is pasted.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The shell a command is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shell {
    /// Azure CLI, pasted into bash or zsh.
    Az,
    /// PowerShell 7 (Microsoft Graph PowerShell and Az PowerShell).
    Powershell,
}

impl Shell {
    pub const ALL: [Shell; 2] = [Shell::Az, Shell::Powershell];

    pub fn as_str(self) -> &'static str {
        match self {
            Shell::Az => "az",
            Shell::Powershell => "powershell",
        }
    }

    /// The name shown on screen.
    pub fn title(self) -> &'static str {
        match self {
            Shell::Az => "Azure CLI",
            Shell::Powershell => "PowerShell",
        }
    }
}

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

/// Where a position in a command sits, as far as quoting goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    /// Not inside any quotes.
    Bare,
    /// Inside single quotes (`'...'`).
    Single,
    /// Inside double quotes; `literal` is true inside a `'...'` that is plain text within them,
    /// as in `-Filter "appId eq '<app-id>'"` (an OData string literal).
    Double { literal: bool },
}

const PS_SINGLE: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];
const PS_DOUBLE: [char; 4] = ['"', '\u{201C}', '\u{201D}', '\u{201E}'];

/// The quoting context at byte `at` of `text` for `shell`.
fn context_at(text: &str, at: usize, shell: Shell) -> Context {
    let mut ctx = Context::Bare;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if i >= at {
            break;
        }
        if escaped {
            escaped = false;
            continue;
        }
        let is_single = match shell {
            Shell::Az => c == '\'',
            Shell::Powershell => PS_SINGLE.contains(&c),
        };
        let is_double = match shell {
            Shell::Az => c == '"',
            Shell::Powershell => PS_DOUBLE.contains(&c),
        };
        let escape_char = match shell {
            Shell::Az => '\\',
            Shell::Powershell => '`',
        };
        ctx = match ctx {
            Context::Bare if c == escape_char => {
                escaped = true;
                Context::Bare
            }
            Context::Bare if is_single => Context::Single,
            Context::Bare if is_double => Context::Double { literal: false },
            Context::Single if is_single => Context::Bare,
            Context::Double { .. } if c == escape_char => {
                escaped = true;
                ctx
            }
            Context::Double { .. } if is_double => Context::Bare,
            Context::Double { literal } if c == '\'' => Context::Double { literal: !literal },
            other => other,
        };
    }
    ctx
}

/// Characters that need no quoting as a whole bash word.
fn bash_plain(value: &str) -> bool {
    !value.is_empty()
        && !value.starts_with(['-', '~', '='])
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c))
}

/// Characters that need no quoting as a whole PowerShell argument.
fn ps_plain(value: &str) -> bool {
    !value.is_empty()
        && !value.starts_with(['-', '.'])
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        // PowerShell reads a bare token starting with a digit as a number where it can
        // (`1e5`, `0x10`, `1kb`, `007`): only plain integers and GUIDs stay bare.
        && (!value.starts_with(|c: char| c.is_ascii_digit())
            || crate::flow::is_guid(value)
            || (value.bytes().all(|b| b.is_ascii_digit())
                && !value.starts_with('0')
                && value.len() < 10))
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

/// Quote `value` for insertion at a spot with context `ctx` in a `shell` command.
fn quote(value: &str, ctx: Context, shell: Shell) -> String {
    // Inside an OData string literal, a `'` in the value is written `''`.
    let odata = |v: &str| v.replace('\'', "''");
    match (shell, ctx) {
        (Shell::Az, Context::Bare) if bash_plain(value) => value.to_string(),
        (Shell::Az, Context::Bare) => format!("'{}'", bash_single_body(value)),
        (Shell::Az, Context::Single) => bash_single_body(value),
        // Leave the double quotes, put the value in single quotes, and come back: `"a"'v'"b"`
        // concatenates into one word, and nothing in single quotes is expanded (not even `!`).
        (Shell::Az, Context::Double { literal }) => {
            let v = if literal {
                odata(value)
            } else {
                value.to_string()
            };
            if v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_- ".contains(c))
            {
                v
            } else {
                format!("\"'{}'\"", bash_single_body(&v))
            }
        }
        (Shell::Powershell, Context::Bare) if ps_plain(value) => value.to_string(),
        (Shell::Powershell, Context::Bare) => format!("'{}'", ps_single_body(value)),
        (Shell::Powershell, Context::Single) => ps_single_body(value),
        (Shell::Powershell, Context::Double { literal }) => {
            let v = if literal {
                odata(value)
            } else {
                value.to_string()
            };
            let mut s = String::with_capacity(v.len());
            for c in v.chars() {
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
        };
        let escaped = text[..i].ends_with(escape);
        if !escaped && matches!(context_at(text, i, shell), Context::Double { .. }) {
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
        let mut out = String::with_capacity(self.text.len());
        let mut last = 0;
        for slot in slots(&self.text) {
            out.push_str(&self.text[last..slot.start]);
            match values.get(slot.name).filter(|v| !v.is_empty()) {
                Some(v) => {
                    out.push_str(&quote(v, context_at(&self.text, slot.start, shell), shell))
                }
                None => out.push_str(&self.text[slot.start..slot.end]),
            }
            last = slot.end;
        }
        out.push_str(&self.text[last..]);
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
        assert_eq!(
            t.render(Shell::Az, &vals("upn", "o'b$x@b.com")),
            "az rest --url \"https://g/users?\\$filter=upn eq '\"'o'\\'''\\''b$x@b.com'\"'\""
        );
    }

    #[test]
    fn bash_inside_single_quotes() {
        let t = CommandTemplate::new("az ad app list --query '[?appId==`<v>`]'");
        assert_eq!(
            t.render(Shell::Az, &vals("v", "x'y")),
            "az ad app list --query '[?appId==`x'\\''y`]'"
        );
    }

    #[test]
    fn powershell_quoting_table() {
        let t = CommandTemplate::new("Get-MgUser -UserId <v>");
        for (value, want) in [
            (
                "11111111-2222-3333-4444-555555555555",
                "11111111-2222-3333-4444-555555555555",
            ),
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
}
