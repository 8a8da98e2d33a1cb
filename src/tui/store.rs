//! Files the wizard writes: remembered values in `$XDG_STATE_HOME/aadsts-wizard/history.json`
//! (owner-only: the folder 0700, the file 0600) and incident notes (0600) in `notes_dir` or
//! the current folder.
//! Every failure is a message for a toast, never fatal.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::history::History;

/// `$XDG_STATE_HOME/aadsts-wizard/history.json`, or `~/.local/state/...` without it.
pub fn history_path() -> Option<PathBuf> {
    crate::config::app_dir("XDG_STATE_HOME", ".local/state").map(|d| d.join("history.json"))
}

/// Read the history file. A missing file is an empty history; a garbled one is ignored with a
/// warning (it is set aside, not overwritten, the next time values are saved).
pub fn load_history(path: &Path) -> (History, Option<String>) {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (History::default(), None),
        Err(e) => {
            return (
                History::default(),
                Some(format!(
                    "cannot read {}: {e}; values will not be offered",
                    path.display()
                )),
            );
        }
    };
    let parsed = std::str::from_utf8(&bytes)
        .map_err(|e| format!("not UTF-8 ({e})"))
        .and_then(History::parse);
    match parsed {
        Ok(h) => (h, None),
        Err(why) => (
            History::default(),
            Some(format!(
                "ignored the garbled history file {} ({why})",
                path.display()
            )),
        ),
    }
}

/// Write `history` with owner-only permissions, atomically (temporary file, then rename). An
/// empty history removes the file. A garbled file already there is kept as `history.json.bad`.
pub fn save_history(path: &Path, history: &History) -> Result<(), String> {
    if history.is_empty() {
        return match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("cannot remove {}: {e}", path.display())),
        };
    }
    let dir = path
        .parent()
        .ok_or_else(|| format!("{} has no folder", path.display()))?;
    create_private_dir(dir)?;
    if let Ok(old) = fs::read(path)
        && std::str::from_utf8(&old)
            .map_err(|e| e.to_string())
            .and_then(History::parse)
            .is_err()
    {
        let _ = fs::rename(path, path.with_extension("json.bad"));
    }
    let tmp = path.with_extension(format!("json.tmp{}", std::process::id()));
    let result = write_private(&tmp, history.to_json().as_bytes())
        .and_then(|()| fs::rename(&tmp, path).map_err(|e| e.to_string()));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|e| format!("cannot save {}: {e}", path.display()))
}

fn create_private_dir(dir: &Path) -> Result<(), String> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path).map_err(|e| e.to_string())?;
    f.write_all(bytes).map_err(|e| e.to_string())?;
    f.sync_all().map_err(|e| e.to_string())
}

/// Save a note as `dir/aadsts-<code>-<time>.md` without replacing an existing file (a second
/// note in the same second gets `-2`, `-3`...). Returns the path written.
pub fn write_notes(dir: &Path, code: u32, secs: u64, text: &str) -> Result<PathBuf, String> {
    let name = crate::notes::file_name(code, secs);
    let stem = name.trim_end_matches(".md");
    for n in 1..100 {
        let path = if n == 1 {
            dir.join(&name)
        } else {
            dir.join(format!("{stem}-{n}.md"))
        };
        let mut o = fs::OpenOptions::new();
        o.write(true).create_new(true);
        // Notes hold tenant, app and user ids: readable by their owner only.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        match o.open(&path) {
            Ok(mut f) => {
                return f
                    .write_all(text.as_bytes())
                    .map(|()| path.clone())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
        }
    }
    Err(format!(
        "too many notes named {stem}*.md in {}",
        dir.display()
    ))
}

/// Save a note in `dir` (created owner-only if missing) and say where, for the toast; a
/// folder inside a git work tree is named, so the note is not committed by mistake.
pub fn save_notes(dir: &Path, code: u32, secs: u64, text: &str) -> Result<String, String> {
    if !dir.exists() {
        create_private_dir(dir)?;
    }
    let path = write_notes(dir, code, secs, text)?;
    let mut shown = path.display().to_string();
    if let Some(root) = git_work_tree(dir) {
        shown.push_str(&format!(
            " (inside the git work tree {}: keep it out of commits, or set notes_dir)",
            root.display()
        ));
    }
    Ok(shown)
}

/// The git work tree holding `dir`, if any: the nearest folder above with a `.git` entry
/// (a folder, or a file in worktrees and submodules).
pub fn git_work_tree(dir: &Path) -> Option<PathBuf> {
    let abs = fs::canonicalize(dir).ok()?;
    abs.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::Kind;

    const APP: &str = "11111111-2222-3333-4444-555555555555";

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(p).expect("exists").permissions().mode() & 0o777
    }

    #[test]
    fn history_is_private_and_round_trips() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("state/aadsts-wizard/history.json");
        let mut h = History::default();
        h.remember("app-id", APP, Kind::Guid);
        save_history(&path, &h).expect("saved");
        #[cfg(unix)]
        {
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().expect("dir")), 0o700);
        }
        let (back, warning) = load_history(&path);
        assert_eq!(warning, None);
        assert_eq!(back.recent("app-id"), [APP]);
        // An empty history removes the file; a missing file is no problem.
        save_history(&path, &History::default()).expect("cleared");
        assert!(!path.exists());
        assert_eq!(load_history(&path), (History::default(), None));
    }

    #[test]
    #[cfg(unix)]
    fn a_loose_file_is_replaced_by_a_private_one() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("history.json");
        fs::write(&path, "{\"version\":1,\"values\":{}}").expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        let mut h = History::default();
        h.remember("upn", "ops@contoso.com", Kind::Upn);
        save_history(&path, &h).expect("saved");
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_garbled_file_warns_and_is_set_aside_not_lost() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("history.json");
        fs::write(&path, b"{\"version\":1,\"values\":{\"app-id\":[\x00\xff").expect("write");
        let (h, warning) = load_history(&path);
        assert!(h.is_empty());
        let w = warning.expect("a warning");
        assert!(w.contains("garbled") && w.contains("history.json"), "{w}");
        let mut h = History::default();
        h.remember("app-id", APP, Kind::Guid);
        save_history(&path, &h).expect("saved over it");
        assert!(tmp.path().join("history.json.bad").exists());
        assert_eq!(load_history(&path).0.recent("app-id"), [APP]);
    }

    #[test]
    fn notes_never_overwrite() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let secs = 1_795_230_764; // 2026-11-21T03:12:44Z
        let a = write_notes(tmp.path(), 50012, secs, "one").expect("first");
        let b = write_notes(tmp.path(), 50012, secs, "two").expect("second");
        assert_eq!(
            a.file_name().and_then(|n| n.to_str()),
            Some("aadsts-50012-20261121T031244Z.md")
        );
        assert_eq!(
            b.file_name().and_then(|n| n.to_str()),
            Some("aadsts-50012-20261121T031244Z-2.md")
        );
        assert_eq!(fs::read_to_string(&a).expect("read"), "one");
        let missing = tmp.path().join("no/such/dir");
        assert!(write_notes(&missing, 50012, secs, "x").is_err());
        #[cfg(unix)]
        assert_eq!(mode(&a), 0o600);
    }

    #[test]
    fn notes_in_a_git_work_tree_say_so() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let plain = tmp.path().join("incidents");
        let saved = save_notes(&plain, 50012, 0, "x").expect("saved, folder created");
        assert!(!saved.contains("git"), "{saved}");
        let repo = tmp.path().join("repo");
        fs::create_dir_all(repo.join(".git")).expect("repo");
        fs::create_dir_all(repo.join("sub")).expect("sub");
        let saved = save_notes(&repo.join("sub"), 50012, 0, "x").expect("saved");
        assert!(
            saved.contains("inside the git work tree") && saved.contains("repo"),
            "{saved}"
        );
    }
}
