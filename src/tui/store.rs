//! Files the wizard writes: remembered values in `$XDG_STATE_HOME/aadsts-wizard/history.json`
//! (owner-only: the folder 0700, the file 0600) and incident notes (0600) in `notes_dir` or
//! the current folder.
//! Also the one file it reads on request: a sign-in log export for the table.
//! Every failure is a message for a toast, never fatal.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::history::History;
use crate::signins::{Options, Tally};

/// Why a file was not written, for the toast. The system's reason is kept as text, so a `Msg`
/// carrying this stays `Clone` and `Eq`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("{} has no folder", path.display())]
    NoFolder { path: PathBuf },
    #[error("cannot create {}: {reason}", path.display())]
    Create { path: PathBuf, reason: String },
    #[error("{} is held by another wizard; values not saved", path.display())]
    Locked { path: PathBuf },
    #[error("cannot lock {}: {reason}", path.display())]
    Lock { path: PathBuf, reason: String },
    #[error("cannot remove {}: {reason}", path.display())]
    Remove { path: PathBuf, reason: String },
    #[error("cannot save {}: {reason}", path.display())]
    Save { path: PathBuf, reason: String },
    #[error("cannot write {}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
    #[error("too many notes named {stem}*.md in {}", dir.display())]
    TooManyNotes { stem: String, dir: PathBuf },
}

/// `f(path, reason)` for an I/O error about `path`.
fn io(
    f: fn(PathBuf, String) -> StoreError,
    path: &Path,
) -> impl FnOnce(std::io::Error) -> StoreError {
    move |e| f(path.to_path_buf(), e.to_string())
}

/// `history.json` in the state folder: `$XDG_STATE_HOME/aadsts-wizard/` (or
/// `~/.local/state/...`), `%LOCALAPPDATA%\aadsts-wizard` on Windows.
pub fn history_path() -> Option<PathBuf> {
    crate::config::app_dir(crate::config::Folder::State).map(|d| d.join("history.json"))
}

/// Read the history file. A missing file is an empty history; a garbled one is ignored with a
/// warning (it is set aside, not overwritten, the next time values are saved).
pub fn load_history(path: &Path) -> (History, Option<String>) {
    let bytes = match crate::files::read_small(path, HISTORY_MAX_BYTES) {
        Ok(Some(b)) => b,
        Ok(None) => return (History::default(), None),
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
    match History::from_bytes(&bytes) {
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

/// Why a sign-in log export could not be read for the table (one line, names already cleaned).
#[derive(Debug, thiserror::Error)]
pub enum SigninsReadError {
    #[error("cannot read {shown}: {source}")]
    Open {
        shown: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}: not a regular file (a sign-in log export is a file: JSON, CSV or .gz)")]
    NotAFile(String),
    /// The reader's own message (an unknown format, an I/O error), cleaned for the screen.
    #[error("{0}")]
    Read(String),
    #[error("{0}: no sign-in events in it")]
    NoEvents(String),
}

/// Read the sign-in log export at `path` (`~/` is the home folder) for the table: streamed,
/// so memory depends on the number of groups, not on the file's size
/// ([`crate::signins::read`]); gzip too. Only a regular file: a FIFO, a device or a folder is
/// refused at once. Returns the file's name and the counts, or a one-line reason.
pub fn read_signins(
    path: &str,
    opts: Options,
    progress: &std::sync::Arc<std::sync::atomic::AtomicU64>,
) -> Result<(String, Tally), SigninsReadError> {
    let expanded = match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    };
    let shown = crate::text::clean(path);
    let mut open = fs::OpenOptions::new();
    open.read(true);
    // As for the config: a FIFO must not block the open; the type check refuses it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.custom_flags(libc::O_NONBLOCK);
    }
    let meta = open
        .open(&expanded)
        .and_then(|f| f.metadata())
        .map_err(|source| SigninsReadError::Open {
            shown: shown.clone(),
            source,
        })?;
    if !meta.is_file() {
        return Err(SigninsReadError::NotAFile(shown));
    }
    let mut tally = Tally::new(opts);
    crate::signins::read::read_file(&expanded.to_string_lossy(), &mut tally, progress)
        .map_err(|e| SigninsReadError::Read(crate::text::clean(&e.to_string())))?;
    if tally.stats.events == 0 {
        return Err(SigninsReadError::NoEvents(shown));
    }
    let name = expanded
        .file_name()
        .map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
    Ok((name, tally))
}

/// A history file holds a few dozen short values; anything larger is not ours.
const HISTORY_MAX_BYTES: u64 = 1024 * 1024;

/// Save this session's changes: under a lock, read the file as it is now (another wizard may
/// have written it), replay the changes onto it, and write the result with owner-only
/// permissions, atomically (temporary file, then rename); an empty result removes the file.
/// A garbled or unreadable file already there is kept as `history.json.bad`. Returns what the
/// file now holds, which becomes the session's history.
pub fn save_history(path: &Path, history: &History) -> Result<History, StoreError> {
    let dir = path.parent().ok_or_else(|| StoreError::NoFolder {
        path: path.to_path_buf(),
    })?;
    create_private_dir(dir)?;
    let _lock = Lock::take(&path.with_extension("json.lock"))?;
    let base = match crate::files::read_small(path, HISTORY_MAX_BYTES) {
        Ok(None) => History::default(),
        Ok(Some(bytes)) => match History::from_bytes(&bytes) {
            Ok(h) => h,
            Err(_) => {
                let _ = fs::rename(path, path.with_extension("json.bad"));
                History::default()
            }
        },
        Err(_) => {
            let _ = fs::rename(path, path.with_extension("json.bad"));
            History::default()
        }
    };
    let merged = history.merged_onto(base);
    if merged.is_empty() {
        return match fs::remove_file(path) {
            Ok(()) => Ok(merged),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(merged),
            Err(e) => Err(io(|path, reason| StoreError::Remove { path, reason }, path)(e)),
        };
    }
    let tmp = path.with_extension(format!("json.tmp{}", std::process::id()));
    let result =
        write_private(&tmp, merged.to_json().as_bytes()).and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
        .map(|()| merged)
        .map_err(io(|path, reason| StoreError::Save { path, reason }, path))
}

/// An exclusive lock on the history: a file created with `create_new`, removed when dropped.
/// A lock older than [`STALE_LOCK`] is left over from a crash and is taken over.
struct Lock(std::path::PathBuf);

const STALE_LOCK: std::time::Duration = std::time::Duration::from_secs(10);

impl Lock {
    fn take(path: &Path) -> Result<Lock, StoreError> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
            {
                Ok(_) => return Ok(Lock(path.to_path_buf())),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let stale = fs::metadata(path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > STALE_LOCK);
                    if stale {
                        let _ = fs::remove_file(path);
                        continue;
                    }
                    if std::time::Instant::now() > deadline {
                        return Err(StoreError::Locked {
                            path: path.to_path_buf(),
                        });
                    }
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => {
                    return Err(io(|path, reason| StoreError::Lock { path, reason }, path)(
                        e,
                    ));
                }
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
        .map_err(io(|path, reason| StoreError::Create { path, reason }, dir))?;
    // A folder made earlier with looser permissions (0755) is made owner-only too; it is ours
    // (named after the program), and the values in it are the user's.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::symlink_metadata(dir)
            && meta.is_dir()
            && meta.permissions().mode() & 0o077 != 0
        {
            let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
        }
    }
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Save a note as `dir/aadsts-<code>-<time>.md` without replacing an existing file (a second
/// note in the same second gets `-2`, `-3`...). Returns the path written.
pub fn write_notes(dir: &Path, code: u32, secs: u64, text: &str) -> Result<PathBuf, StoreError> {
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
                // A full disk must not leave an empty or half note behind.
                return write_or_remove(&mut f, &path, text.as_bytes())
                    .and_then(|()| f.sync_all().inspect_err(|_| remove_quietly(&path)))
                    .map(|()| path.clone())
                    .map_err(io(|path, reason| StoreError::Write { path, reason }, &path));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(io(
                    |path, reason| StoreError::Create { path, reason },
                    &path,
                )(e));
            }
        }
    }
    Err(StoreError::TooManyNotes {
        stem: stem.to_string(),
        dir: dir.to_path_buf(),
    })
}

/// Write `bytes` to `w` (the file just created at `path`); on failure the file is removed.
fn write_or_remove(w: &mut impl Write, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    w.write_all(bytes)
        .and_then(|()| w.flush())
        .inspect_err(|_| remove_quietly(path))
}

fn remove_quietly(path: &Path) {
    let _ = fs::remove_file(path);
}

/// Save a note in `dir` (created owner-only if missing) and say where, for the toast; a
/// folder inside a git work tree is named, so the note is not committed by mistake.
pub fn save_notes(dir: &Path, code: u32, secs: u64, text: &str) -> Result<String, StoreError> {
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
    fn a_note_that_cannot_be_written_whole_leaves_no_file() {
        struct Full(usize);
        impl Write for Full {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::other("No space left on device"));
                }
                let n = buf.len().min(self.0);
                self.0 -= n;
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("aadsts-50126.md");
        fs::write(&path, "").expect("created");
        let err = write_or_remove(&mut Full(10), &path, &[b'x'; 100]).expect_err("full");
        assert!(err.to_string().contains("No space"), "{err}");
        assert!(!path.exists(), "the half note is gone");
        fs::write(&path, "").expect("created");
        write_or_remove(&mut Full(1000), &path, &[b'x'; 100]).expect("fits");
        assert!(path.exists());
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
        // Forgetting everything removes the file; a missing file is no problem.
        let mut cleared = back.clone();
        cleared.clear();
        save_history(&path, &cleared).expect("cleared");
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

    /// Two wizards at once (here four threads saving in turn): nothing one remembered is
    /// lost to another's write.
    #[test]
    fn concurrent_sessions_lose_nothing() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let path = tmp.path().join("state/history.json");
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let mut h = History::default();
                    for i in 0..10 {
                        h.remember(&format!("name-{t}"), &format!("v{i}@t{t}.com"), Kind::Upn);
                        h = save_history(&path, &h).expect("saved");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        let (h, warning) = load_history(&path);
        assert!(warning.is_none(), "{warning:?}");
        for t in 0..4 {
            assert_eq!(
                h.recent(&format!("name-{t}")).first().map(String::as_str),
                Some(format!("v9@t{t}.com").as_str()),
                "session {t}'s values were lost"
            );
        }
        assert!(
            !path.with_extension("json.lock").exists(),
            "the lock is released"
        );
    }

    /// "Forget all" in one wizard is not undone by another that loaded the values earlier.
    #[test]
    fn forget_all_sticks_across_sessions() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let path = tmp.path().join("history.json");
        let mut a = History::default();
        a.remember("upn", "old@contoso.com", Kind::Upn);
        let a = save_history(&path, &a).expect("saved");
        let (mut b, _) = load_history(&path); // another wizard, started now
        let mut a = a;
        a.clear();
        save_history(&path, &a).expect("saved");
        b.remember("app-id", "11111111-2222-3333-4444-555555555555", Kind::Guid);
        let b = save_history(&path, &b).expect("saved");
        assert!(b.recent("upn").is_empty(), "the forgotten value came back");
        assert_eq!(b.recent("app-id").len(), 1);
        // Nothing to save (a form left with Esc) changes nothing either.
        let (c, _) = load_history(&path);
        assert!(
            save_history(&path, &c)
                .expect("saved")
                .recent("upn")
                .is_empty()
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_or_huge_history_warns_at_once() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let path = tmp.path().join("history.json");
        let c = std::ffi::CString::new(path.to_string_lossy().as_bytes()).expect("path");
        // SAFETY: mkfifo with a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let (h, warning) = load_history(&path);
        assert!(h.is_empty());
        assert!(warning.is_some_and(|w| w.contains("not a regular file")));
        fs::remove_file(&path).expect("remove");
        fs::write(&path, vec![b' '; 2 * HISTORY_MAX_BYTES as usize]).expect("write");
        let (_, warning) = load_history(&path);
        assert!(warning.is_some_and(|w| w.contains("larger than")));
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
