//! All loaded flows, built-in and user-supplied, indexed by code. A bad file is reported and
//! skipped; it never takes the other flows down.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::flow::{Flow, FlowError, load};

/// Where a flow file came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    BuiltIn,
    User,
}

/// A flow file's name and text, as handed to [`Library::build`].
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
    pub origin: Origin,
}

/// Every flow that loaded, which flow serves each code, and the problems of those that did not.
#[derive(Debug, Default)]
pub struct Library {
    flows: Vec<(Flow, Origin)>,
    by_code: BTreeMap<u32, usize>,
    fallback: Option<usize>,
    pub problems: Vec<FlowError>,
}

impl Library {
    /// Load `files` in order; a later flow that names a code replaces an earlier one for it, so
    /// pass built-in files first and user files after.
    pub fn build(catalog: &Catalog, files: &[SourceFile]) -> Library {
        let mut lib = Library::default();
        for f in files {
            match load(&f.path, &f.text, catalog) {
                Ok(flow) => {
                    let idx = lib.flows.len();
                    for code in &flow.codes {
                        lib.by_code.insert(*code, idx);
                    }
                    if flow.fallback {
                        lib.fallback = Some(idx);
                    }
                    lib.flows.push((flow, f.origin));
                }
                Err(errs) => lib.problems.extend(errs),
            }
        }
        lib
    }

    /// The flow that serves `code`.
    pub fn for_code(&self, code: u32) -> Option<&Flow> {
        self.by_code.get(&code).map(|&i| &self.flows[i].0)
    }

    /// Codes with a flow, each with the flow serving it and its origin, by code.
    pub fn codes(&self) -> impl Iterator<Item = (u32, &Flow, Origin)> {
        self.by_code
            .iter()
            .map(|(c, &i)| (*c, &self.flows[i].0, self.flows[i].1))
    }

    /// The general triage flow for codes without a flow of their own.
    pub fn fallback(&self) -> Option<&Flow> {
        self.fallback.map(|i| &self.flows[i].0)
    }

    /// The flow for `code`, or the fallback flow.
    pub fn for_code_or_fallback(&self, code: u32) -> Option<&Flow> {
        self.for_code(code).or_else(|| self.fallback())
    }

    pub fn has_flow(&self, code: u32) -> bool {
        self.by_code.contains_key(&code)
    }
}
