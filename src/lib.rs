//! aadsts-wizard: diagnose Microsoft Entra ID `AADSTS` sign-in errors.
//!
//! The pure core: the code catalog, search, flows, command rendering, error text parsing,
//! incident notes, history and configuration. None of it prints or touches the terminal; only
//! `tui` (the interactive wizard) does, and the binary's `main.rs` and `cli.rs` wire it up.

pub mod catalog;
pub mod command;
pub mod config;
pub mod embedded;
pub mod evidence;
pub mod explain;
pub mod files;
pub mod flow;
pub mod history;
pub mod locate;
pub mod notes;
pub mod search;
pub mod signins;
pub mod text;
pub mod tui;

/// A serde_yaml error message without its trailing ` at line N column M` (we print our own
/// `file:line:col:` prefix) and starting lowercase.
pub(crate) fn yaml_message(e: &serde_yaml::Error) -> String {
    let text = strip_positions(&e.to_string());
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// Remove every ` at line N column M` from a libyaml message.
fn strip_positions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(" at line ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + " at line ".len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let tail = &after[digits..];
        match tail.strip_prefix(" column ") {
            Some(col) if digits > 0 => {
                let d = col.bytes().take_while(u8::is_ascii_digit).count();
                rest = &col[d..];
            }
            _ => {
                out.push_str(" at line ");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn positions_are_stripped_anywhere() {
        assert_eq!(
            super::strip_positions("did not find ',' at line 2 column 1, while parsing"),
            "did not find ',', while parsing"
        );
        assert_eq!(super::strip_positions("bad at line 3 column 7"), "bad");
        assert_eq!(super::strip_positions("at line one"), "at line one");
    }
}
