//! The shipped data files, embedded at compile time so the tool works offline.
//! `build.rs` lists `flows/*.yaml`; a test checks the list against the folder.

/// The code catalog.
pub const CATALOG: (&str, &str) = (
    "assets/catalog.yaml",
    include_str!("../assets/catalog.yaml"),
);

include!(concat!(env!("OUT_DIR"), "/flows.rs"));

/// The shipped flows as loader input, in path order.
pub fn flow_sources() -> Vec<crate::flow::library::SourceFile> {
    FLOWS
        .iter()
        .map(|(path, text)| crate::flow::library::SourceFile {
            path: (*path).to_string(),
            text: (*text).to_string(),
            origin: crate::flow::library::Origin::BuiltIn,
        })
        .collect()
}
