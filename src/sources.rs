//! Finding flow files: the embedded ones, then the user's folders (config dir, the
//! config file's `flows:`, the `AADSTS_WIZARD_FLOWS` path list, `--flows`), and the config
//! file itself, read safely: size-limited, UTF-8 checked, no
//! recursion so symlink loops cannot trap us.

use std::path::{Path, PathBuf};

use aadsts_wizard::catalog::Catalog;
use aadsts_wizard::config::Config;
use aadsts_wizard::embedded;
use aadsts_wizard::flow::FlowError;
use aadsts_wizard::flow::library::{FileHead, Library, Origin, SourceFile};
use aadsts_wizard::flow::load::MAX_FLOW_BYTES;

/// Flow folders named by the user: in the config file's `flows:` and with `--flows`.
#[derive(Debug, Default)]
pub struct FlowDirs {
    pub config: Vec<PathBuf>,
    pub cli: Vec<PathBuf>,
}

/// `$XDG_CONFIG_HOME/aadsts-wizard` (or `~/.config/aadsts-wizard`; `%APPDATA%\aadsts-wizard`
/// on Windows).
pub fn config_dir() -> Option<PathBuf> {
    aadsts_wizard::config::app_dir(aadsts_wizard::config::Folder::Config)
}

/// A config file is a few lines; the parser refuses more than 64 KB anyway.
const CONFIG_MAX_BYTES: u64 = 64 * 1024;

/// The config file's settings, or the defaults with a warning when it cannot be used.
pub fn config() -> (Config, Option<String>) {
    let Some(path) = config_dir().map(|d| d.join("config.yaml")) else {
        return (Config::default(), None);
    };
    // Small, regular, never blocking: a FIFO or /dev/zero in its place is reported.
    let text = match aadsts_wizard::files::read_small(&path, CONFIG_MAX_BYTES) {
        Ok(Some(bytes)) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                return (
                    Config::default(),
                    Some(format!(
                        "{}:1:1: not valid UTF-8 (at byte {}); using the defaults",
                        path.display(),
                        e.utf8_error().valid_up_to()
                    )),
                );
            }
        },
        Ok(None) => return (Config::default(), None),
        Err(e) => {
            return (
                Config::default(),
                Some(format!(
                    "{}: cannot read: {e}; using the defaults",
                    path.display()
                )),
            );
        }
    };
    let home = aadsts_wizard::config::home_dir();
    match Config::from_yaml(&path, &text, home.as_deref()) {
        Ok(c) => (c, None),
        Err(e) => (Config::default(), Some(format!("{e}; using the defaults"))),
    }
}

/// The user's flow folders, least specific first (later ones override earlier ones): the
/// config folder's `flows/`, the config file's `flows:`, `AADSTS_WIZARD_FLOWS`, `--flows`.
pub fn user_paths(dirs: &FlowDirs) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(dir) = config_dir().map(|d| d.join("flows"))
        && dir.is_dir()
    {
        out.push(dir);
    }
    out.extend(dirs.config.iter().cloned());
    if let Some(list) = std::env::var_os("AADSTS_WIZARD_FLOWS") {
        out.extend(std::env::split_paths(&list).filter(|p| !p.as_os_str().is_empty()));
    }
    out.extend(dirs.cli.iter().cloned());
    out
}

fn read_problem(path: &Path, message: String) -> FlowError {
    read_problem_at(path, (1, 1), message)
}

fn read_problem_at(path: &Path, (line, column): (usize, usize), message: String) -> FlowError {
    FlowError {
        file: path.display().to_string(),
        line,
        column,
        message,
    }
}

/// Read one file, or every `*.yaml`/`*.yml` file directly in a folder (sorted).
pub fn read_path(path: &Path, origin: Origin) -> (Vec<SourceFile>, Vec<FlowError>) {
    let (candidates, mut problems) = list_path(path);
    let mut files = Vec::new();
    for file in candidates {
        // Aliases and deep nesting are refused by the loader before it parses.
        match read_file(&file) {
            Ok(text) => files.push(SourceFile {
                path: file.display().to_string(),
                text,
                origin,
            }),
            Err((at, msg)) => problems.push(read_problem_at(&file, at, msg)),
        }
    }
    (files, problems)
}

/// The flow files a path names: itself, or the `*.yaml`/`*.yml` files directly in it (sorted).
fn list_path(path: &Path) -> (Vec<PathBuf>, Vec<FlowError>) {
    let mut problems = Vec::new();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            problems.push(read_problem(path, format!("cannot read: {e}")));
            return (Vec::new(), problems);
        }
    };
    let candidates: Vec<PathBuf> = if meta.is_dir() {
        match std::fs::read_dir(path) {
            Ok(rd) => {
                let mut v: Vec<PathBuf> = rd
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| {
                        matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
                    })
                    .collect();
                v.sort();
                v
            }
            Err(e) => {
                problems.push(read_problem(path, format!("cannot list folder: {e}")));
                Vec::new()
            }
        }
    } else {
        vec![path.to_path_buf()]
    };
    (candidates, problems)
}

/// A file's text, or where and why it cannot be had: missing, a symlink loop, not a regular
/// file (a folder, a FIFO that would block, `/dev/zero`), larger than the loader takes (told
/// from its size, without reading it), or not UTF-8 (with the line and column of the bad byte).
fn read_file(path: &Path) -> Result<String, ((usize, usize), String)> {
    use std::io::Read;
    let start = (1, 1);
    let meta = std::fs::metadata(path).map_err(|e| (start, format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err((start, "not a regular file".to_string()));
    }
    let too_large = |len: u64| {
        (
            start,
            format!("file is too large ({len} bytes; the limit is {MAX_FLOW_BYTES})"),
        )
    };
    if meta.len() > MAX_FLOW_BYTES as u64 {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FLOW_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| (start, format!("cannot read: {e}")))?;
    // It grew after we looked.
    if bytes.len() > MAX_FLOW_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let good = std::str::from_utf8(&e.as_bytes()[..at]).unwrap_or_default();
        let line = good.matches('\n').count() + 1;
        let column = good.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        (
            (line, column),
            format!("not valid UTF-8 (byte {at} of the file); save it as UTF-8"),
        )
    })
}

/// Read every path in turn (see [`read_path`]), collecting files and problems.
pub fn read_paths<'a>(
    paths: impl IntoIterator<Item = &'a PathBuf>,
) -> (Vec<SourceFile>, Vec<FlowError>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let (f, p) = read_path(path, Origin::User);
        files.extend(f);
        problems.extend(p);
    }
    (files, problems)
}

/// Built-in flows (parsed when first used) plus the user's. A user file is indexed from its
/// first lines (its `codes:` and `title:`) and read and parsed only when one of its codes is
/// opened, so a folder of thousands of flows costs little; a file whose head says nothing
/// usable is read and loaded now, with its problems. `flows validate` reads every file whole.
pub fn library(catalog: &Catalog, dirs: &FlowDirs) -> Library {
    let mut heads = Vec::new();
    let mut eager = Vec::new();
    let mut problems = Vec::new();
    for path in user_paths(dirs) {
        let (files, mut errs) = list_path(&path);
        problems.append(&mut errs);
        for file in files {
            match read_head(&file).map(|h| h.and_then(|t| aadsts_wizard::yaml::head(&t))) {
                Ok(Some((codes, fallback, title))) => heads.push(FileHead {
                    path: file.display().to_string(),
                    origin: Origin::User,
                    codes,
                    fallback,
                    title,
                }),
                Ok(None) => match read_file(&file) {
                    Ok(text) => eager.push(SourceFile {
                        path: file.display().to_string(),
                        text,
                        origin: Origin::User,
                    }),
                    Err((at, msg)) => problems.push(read_problem_at(&file, at, msg)),
                },
                Err((at, msg)) => problems.push(read_problem_at(&file, at, msg)),
            }
        }
    }
    let read: aadsts_wizard::flow::library::ReadFile = Box::new(|path: &str| {
        read_file(Path::new(path))
            .map_err(|(at, msg)| vec![read_problem_at(Path::new(path), at, msg)])
    });
    let mut lib = Library::with_embedded_and_heads(catalog, embedded::FLOWS, heads, &eager, read);
    problems.append(&mut lib.problems);
    lib.problems = problems;
    lib
}

/// How much of a user flow file is read to index it.
const HEAD_BYTES: u64 = 16 * 1024;

/// The first [`HEAD_BYTES`] of a regular file, cut at the last whole line; `None` when it is
/// not valid UTF-8 there (then the whole file is read and its problem reported).
fn read_head(path: &Path) -> Result<Option<String>, ((usize, usize), String)> {
    use std::io::Read;
    let start = (1, 1);
    let meta = std::fs::metadata(path).map_err(|e| (start, format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err((start, "not a regular file".to_string()));
    }
    if meta.len() > MAX_FLOW_BYTES as u64 {
        return Err((
            start,
            format!(
                "file is too large ({} bytes; the limit is {MAX_FLOW_BYTES})",
                meta.len()
            ),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(HEAD_BYTES).read_to_end(&mut bytes))
        .map_err(|e| (start, format!("cannot read: {e}")))?;
    if (bytes.len() as u64) == HEAD_BYTES
        && let Some(nl) = bytes.iter().rposition(|b| *b == b'\n')
    {
        bytes.truncate(nl + 1);
    }
    Ok(String::from_utf8(bytes).ok())
}
