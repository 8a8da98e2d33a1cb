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
pub mod json;
pub mod notes;
pub mod search;
pub mod signins;
pub mod text;
pub mod tui;
pub mod yaml;
