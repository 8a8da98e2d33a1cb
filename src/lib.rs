//! aadsts-wizard: diagnose Microsoft Entra ID `AADSTS` sign-in errors.
//!
//! The library is the pure core: the code catalog, search, flows, command rendering and error
//! text parsing. It never prints and never touches the terminal; `main.rs`, `cli.rs` and `tui`
//! do that.

pub mod catalog;
pub mod embedded;
pub mod locate;
pub mod search;

/// A serde_yaml error message without its trailing ` at line N column M` (we print our own
/// `file:line:col:` prefix) and starting lowercase.
pub(crate) fn yaml_message(e: &serde_yaml::Error) -> String {
    let text = e.to_string();
    let text = match text.rfind(" at line ") {
        Some(i) if text[i..].contains(" column ") => text[..i].to_string(),
        _ => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text,
    }
}
