//! The shipped data files, embedded at compile time so the tool works offline.
//! `build.rs` lists `flows/*.yaml`; a test checks the list against the folder.

/// The code catalog.
pub const CATALOG: (&str, &str) = (
    "assets/catalog.yaml",
    include_str!("../assets/catalog.yaml"),
);

include!(concat!(env!("OUT_DIR"), "/flows.rs"));
