//! All flows, built-in and user-supplied, indexed by code. A bad file is reported and skipped;
//! it never takes the other flows down. Built-in flows are parsed only when first asked for:
//! `build.rs` already read which codes each one serves, and `tests/data.rs` checks them all.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::catalog::Catalog;
use crate::embedded::EmbeddedFlow;
use crate::flow::{Flow, FlowError, load, load::load_json};

/// Where a flow file came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Shipped in the binary (`flows/`).
    BuiltIn,
    /// From `--flows`, `AADSTS_WIZARD_FLOWS` or the config folder.
    User,
}

/// A flow file's name and text, as handed to [`Library::build`].
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
    pub origin: Origin,
}

enum Slot {
    Loaded(Flow),
    /// Parsed on first use; `None` once it turned out to be invalid.
    Lazy(EmbeddedFlow, OnceLock<Option<Flow>>),
    /// A user's file, indexed from its first lines and read and parsed on first use.
    File(FileHead, OnceLock<Result<Flow, Vec<FlowError>>>),
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Slot::Loaded(flow) => write!(f, "Loaded({})", flow.file),
            Slot::Lazy(e, _) => write!(f, "Lazy({})", e.path),
            Slot::File(h, _) => write!(f, "File({})", h.path),
        }
    }
}

/// What a flow file's first lines say: enough to index it without parsing it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileHead {
    pub path: String,
    pub origin: Origin,
    pub codes: Vec<u32>,
    pub fallback: bool,
    pub title: String,
}

/// Reads a user's flow file when it is first needed: its text, or the problems reading it.
pub type ReadFile = Box<dyn Fn(&str) -> Result<String, Vec<FlowError>> + Send + Sync>;

/// Every flow that loaded, which flow serves each code, and the problems of those that did not.
#[derive(Default)]
pub struct Library {
    /// Needed to check a lazily parsed flow's codes; only set when there are lazy flows.
    catalog: Option<Catalog>,
    /// Reads the user files indexed by their heads.
    read_file: Option<ReadFile>,
    flows: Vec<(Slot, Origin)>,
    /// Every flow naming a code, in load order: the last one that loads serves it, so a user
    /// file that turns out broken when first used falls back to the one it would replace.
    by_code: BTreeMap<u32, Vec<usize>>,
    fallback: Option<usize>,
    pub problems: Vec<FlowError>,
}

impl Library {
    /// Load `files` in order; a later flow that names a code replaces an earlier one for it, so
    /// pass built-in files first and user files after.
    pub fn build(catalog: &Catalog, files: &[SourceFile]) -> Library {
        let mut lib = Library::default();
        lib.add_files(catalog, files);
        lib
    }

    /// The shipped flows (parsed when first used), then `user` files (loaded now, so their
    /// problems are known at once) overriding them code by code.
    pub fn with_embedded(
        catalog: &Catalog,
        embedded: &[EmbeddedFlow],
        user: &[SourceFile],
    ) -> Library {
        let mut lib = Library {
            catalog: Some(catalog.clone()),
            ..Library::default()
        };
        for e in embedded {
            lib.index(
                e.codes,
                e.fallback,
                Slot::Lazy(*e, OnceLock::new()),
                Origin::BuiltIn,
            );
        }
        lib.add_files(catalog, user);
        lib
    }

    /// The shipped flows, then user files known by their heads (see [`crate::yaml::head`]): each is
    /// read with `read_file` and parsed when a code it serves is first asked for, so thousands
    /// of user flows cost nothing until used. `files` are user files whose heads could not be
    /// read; they are loaded now.
    pub fn with_embedded_and_heads(
        catalog: &Catalog,
        embedded: &[EmbeddedFlow],
        heads: Vec<FileHead>,
        files: &[SourceFile],
        read_file: ReadFile,
    ) -> Library {
        let mut lib = Library::with_embedded(catalog, embedded, &[]);
        lib.read_file = Some(read_file);
        for head in heads {
            let (codes, fallback, origin) = (head.codes.clone(), head.fallback, head.origin);
            lib.index(&codes, fallback, Slot::File(head, OnceLock::new()), origin);
        }
        lib.add_files(catalog, files);
        lib
    }

    fn add_files(&mut self, catalog: &Catalog, files: &[SourceFile]) {
        for f in files {
            match load(&f.path, &f.text, catalog) {
                Ok(flow) => {
                    let codes = flow.codes.clone();
                    let fallback = flow.fallback;
                    self.index(&codes, fallback, Slot::Loaded(flow), f.origin);
                }
                Err(errs) => self.problems.extend(errs),
            }
        }
    }

    fn index(&mut self, codes: &[u32], fallback: bool, slot: Slot, origin: Origin) {
        let idx = self.flows.len();
        for code in codes {
            self.by_code.entry(*code).or_default().push(idx);
        }
        if fallback {
            self.fallback = Some(idx);
        }
        self.flows.push((slot, origin));
    }

    fn flow(&self, idx: usize) -> Result<&Flow, Vec<FlowError>> {
        match &self.flows[idx].0 {
            Slot::Loaded(flow) => Ok(flow),
            Slot::Lazy(e, cell) => {
                let mut errors = Vec::new();
                let flow = cell.get_or_init(|| match &self.catalog {
                    Some(catalog) => load_json(e.path, e.json, catalog)
                        .map_err(|errs| errors = errs)
                        .ok(),
                    None => None,
                });
                match flow {
                    Some(flow) => Ok(flow),
                    None if errors.is_empty() => Err(vec![FlowError {
                        file: e.path.to_string(),
                        line: 1,
                        column: 1,
                        message: "this shipped flow failed to load".to_string(),
                    }]),
                    None => Err(errors),
                }
            }
            Slot::File(head, cell) => cell
                .get_or_init(|| {
                    let (Some(read), Some(catalog)) = (&self.read_file, &self.catalog) else {
                        return Err(Vec::new());
                    };
                    let text = read(&head.path)?;
                    let flow = load(&head.path, &text, catalog)?;
                    if flow.codes != head.codes || flow.fallback != head.fallback {
                        return Err(vec![FlowError {
                            file: head.path.clone(),
                            line: 1,
                            column: 1,
                            message: "the file changed while the program ran; run it again"
                                .to_string(),
                        }]);
                    }
                    Ok(flow)
                })
                .as_ref()
                .map_err(Clone::clone),
        }
    }

    /// Parse every flow not yet parsed and return the problems of all that failed, including
    /// those found when the library was built.
    pub fn check_all(&self) -> Vec<FlowError> {
        let mut problems = self.problems.clone();
        for idx in 0..self.flows.len() {
            if let Err(errs) = self.flow(idx) {
                problems.extend(errs);
            }
        }
        problems
    }

    /// The flow that serves `code`.
    pub fn for_code(&self, code: u32) -> Option<&Flow> {
        self.serving(code).map(|(_, flow)| flow)
    }

    /// The index and flow of the last flow naming `code` that loads.
    fn serving(&self, code: u32) -> Option<(usize, &Flow)> {
        self.by_code
            .get(&code)?
            .iter()
            .rev()
            .find_map(|&i| self.flow(i).ok().map(|f| (i, f)))
    }

    /// Codes with a flow, each with the flow serving it and its origin, by code.
    pub fn codes(&self) -> impl Iterator<Item = (u32, &Flow, Origin)> {
        self.by_code.keys().filter_map(|&c| {
            let (i, flow) = self.serving(c)?;
            Some((c, flow, self.flows[i].1))
        })
    }

    /// The general triage flow for codes without a flow of their own.
    pub fn fallback(&self) -> Option<&Flow> {
        self.fallback.and_then(|i| self.flow(i).ok())
    }

    /// The flow for `code`, or the fallback flow.
    pub fn for_code_or_fallback(&self, code: u32) -> Option<&Flow> {
        self.for_code(code).or_else(|| self.fallback())
    }

    /// The title and file of the flow serving `code`, without parsing it.
    pub fn title_of(&self, code: u32) -> Option<(&str, &str)> {
        let idx = *self.by_code.get(&code)?.last()?;
        Some(match &self.flows[idx].0 {
            Slot::Loaded(flow) => (flow.title.as_str(), flow.file.as_str()),
            Slot::Lazy(e, _) => (e.title, e.path),
            Slot::File(h, _) => (h.title.as_str(), h.path.as_str()),
        })
    }

    /// The placeholders every loaded flow declares (parsing the lazy ones), for checking
    /// `--var` before a flow is chosen.
    pub fn placeholders(&self) -> Vec<crate::flow::Placeholder> {
        let mut out: Vec<crate::flow::Placeholder> = Vec::new();
        for idx in 0..self.flows.len() {
            if let Ok(flow) = self.flow(idx) {
                for p in &flow.placeholders {
                    if !out.iter().any(|o| o.name == p.name && o.kind == p.kind) {
                        out.push(p.clone());
                    }
                }
            }
        }
        out
    }

    /// Whether a flow serves `code`, without parsing it.
    pub fn has_flow(&self, code: u32) -> bool {
        self.by_code.contains_key(&code)
    }
}
