//! The shipped data files, embedded at compile time so the tool works offline.

/// The code catalog.
pub const CATALOG: (&str, &str) = (
    "assets/catalog.yaml",
    include_str!("../assets/catalog.yaml"),
);
