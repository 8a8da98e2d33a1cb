//! The shipped data files, embedded at compile time so the tool works offline. `build.rs` lists
//! `flows/*.yaml`, reads each flow's codes, and converts the catalog and flows to JSON (faster
//! to parse); a test checks the list against the folder and the JSON against the YAML. Only the
//! JSON is in the program: the YAML consts are used by tests and benchmarks alone.

use crate::catalog::{Catalog, CatalogError};

/// A shipped flow file as JSON (what is parsed at run time), with its title and the codes it
/// serves, read at build time.
#[derive(Clone, Copy, Debug)]
pub struct EmbeddedFlow {
    pub path: &'static str,
    pub title: &'static str,
    pub json: &'static str,
    pub codes: &'static [u32],
    pub fallback: bool,
}

/// The code catalog file (for tests and benchmarks; the program runs on [`CATALOG_JSON`]).
pub const CATALOG: (&str, &str) = (
    "assets/catalog.yaml",
    include_str!("../assets/catalog.yaml"),
);

/// The catalog as JSON, converted from [`CATALOG`] at build time.
pub const CATALOG_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/catalog.json"));

include!(concat!(env!("OUT_DIR"), "/flows.rs"));

/// The shipped catalog, checked; parsed from its JSON form.
pub fn catalog() -> Result<Catalog, Vec<CatalogError>> {
    Catalog::from_json(CATALOG.0, CATALOG_JSON)
}

/// The shipped flows as YAML loader input, in path order.
pub fn flow_sources() -> Vec<crate::flow::library::SourceFile> {
    FLOW_YAML
        .iter()
        .map(|(path, text)| crate::flow::library::SourceFile {
            path: path.to_string(),
            text: text.to_string(),
            origin: crate::flow::library::Origin::BuiltIn,
        })
        .collect()
}
