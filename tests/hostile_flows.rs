//! Hostile flow files in a user's flows folder: alias bombs, deep nesting, a 100 MB file,
//! invalid UTF-8, symlink loops, a FIFO. Each gets a clear `file:line:col: message`, the good
//! flow next to them still loads, and nothing hangs or eats memory. Timings are printed (run
//! with `--nocapture`), never asserted: a slow machine must not fail the build; a hang is
//! caught by a generous deadline instead. Unix only: symlinks, FIFOs and `/dev/zero`.
#![cfg(unix)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aadsts_wizard::catalog::Catalog;
use aadsts_wizard::embedded;
use aadsts_wizard::flow::load::{MAX_FLOW_BYTES, load};
use aadsts_wizard::yaml::screen;

const GOOD: &str = include_str!("fixtures/flows/7000222-example.yaml");
/// Far beyond the second a hostile file should take, so only a real hang fails.
const DEADLINE: Duration = Duration::from_secs(20);
/// Peak memory allowed for one run of the (debug) binary; it needs about 20 MB.
const MAX_RSS_KB: u64 = 256 * 1024;

/// The classic "billion laughs": nine levels of ten aliases, 10^9 strings once expanded.
fn billion_laughs() -> String {
    let mut s = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (prev, name) in ('a'..='h').zip('b'..='i') {
        let items = vec![format!("*{prev}"); 10].join(",");
        s.push_str(&format!("{name}: &{name} [{items}]\n"));
    }
    s
}

/// A flow-shaped alias bomb that fits the schema: one long string anchored, then named again
/// and again in a leaf's `fix` list (`count` × `len` bytes once expanded).
fn amplification(len: usize, count: usize) -> String {
    let fix = vec!["*s"; count].join(",");
    format!(
        "codes: [7000222]\ntitle: &s \"{}\"\nstart: a\nnodes:\n  a:\n    cause: c\n    explanation: e\n    fix: [{fix}]\n",
        "x".repeat(len)
    )
}

fn nested_sequences(depth: usize) -> String {
    format!("codes: {}", "[".repeat(depth))
}

fn nested_mappings(depth: usize) -> String {
    format!("title: {}", "{a: ".repeat(depth))
}

/// A valid flow with one byte that is not UTF-8 on line 4.
fn invalid_utf8() -> Vec<u8> {
    let mut b = GOOD.as_bytes().to_vec();
    let line4 = b
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == b'\n')
        .nth(2)
        .map(|(i, _)| i + 1)
        .expect("four lines");
    b.splice(line4 + 7..line4 + 7, [0xff, 0xfe]);
    b
}

struct Folder {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    /// Where `XDG_CONFIG_HOME` and `HOME` point: empty, so no user flows leak in.
    home: PathBuf,
}

/// A flows folder with every hostile file and one good flow.
fn hostile_folder() -> Folder {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("flows");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&dir).expect("flows dir");
    std::fs::create_dir_all(&home).expect("home dir");
    let w = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).expect("write");
    w("good.yaml", GOOD.as_bytes());
    w("bomb.yaml", billion_laughs().as_bytes());
    w("amplify.yaml", amplification(300_000, 200_000).as_bytes());
    w("nested.yaml", nested_sequences(100_000).as_bytes());
    w("nested-maps.yaml", nested_mappings(100_000).as_bytes());
    w("bad-utf8.yaml", &invalid_utf8());
    // 100 MB, sparse: nothing is written, and nothing must be read.
    let huge = std::fs::File::create(dir.join("huge.yaml")).expect("huge");
    huge.set_len(100 * 1024 * 1024).expect("set_len");
    drop(huge);
    let link = |target: &str, name: &str| {
        std::os::unix::fs::symlink(target, dir.join(name)).expect("symlink")
    };
    link("loop-b.yaml", "loop-a.yaml");
    link("loop-a.yaml", "loop-b.yaml");
    // A folder that contains itself, once under a flow-file name and once not.
    link(".", "self.yaml");
    link(".", "self");
    link("/dev/zero", "zero.yaml");
    if Command::new("mkfifo")
        .arg(dir.join("fifo.yaml"))
        .status()
        .is_ok_and(|s| s.success())
    {
        // Reading a FIFO blocks until a writer comes: it must not be opened at all.
    } else {
        eprintln!("note: mkfifo is not available; no FIFO in the folder");
    }
    Folder {
        _tmp: tmp,
        dir,
        home,
    }
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    seconds: f64,
    /// Peak resident memory, when `/usr/bin/time` could measure it.
    max_rss_kb: Option<u64>,
}

/// Run the binary with `args`, under `/usr/bin/time` when it exists, killed after [`DEADLINE`].
fn run(home: &Path, args: &[&str]) -> Outcome {
    let bin = env!("CARGO_BIN_EXE_aadsts-wizard");
    let timer = Path::new("/usr/bin/time");
    let rss_file = home.join("rss");
    let mut cmd = if timer.exists() {
        let mut c = Command::new(timer);
        c.arg("-f").arg("%M").arg("-o").arg(&rss_file).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(args)
        .env("XDG_CONFIG_HOME", home)
        .env("HOME", home)
        .env_remove("AADSTS_WIZARD_FLOWS")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("the binary starts");
    // Drain the pipes on threads so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`aadsts-wizard {}` still running after {DEADLINE:?}",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let seconds = started.elapsed().as_secs_f64();
    let max_rss_kb = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()));
    let _ = std::fs::remove_file(&rss_file);
    Outcome {
        code: status.code().unwrap_or(-1),
        stdout: out_t.join().expect("stdout thread"),
        stderr: err_t.join().expect("stderr thread"),
        seconds,
        max_rss_kb,
    }
}

/// Each bad file and what its message says.
const EXPECTED: &[(&str, &str)] = &[
    ("amplify.yaml", "aliases ('*name') are not supported"),
    ("bad-utf8.yaml", "not valid UTF-8"),
    ("bomb.yaml", "aliases ('*name') are not supported"),
    ("fifo.yaml", "not a regular file"),
    ("huge.yaml", "file is too large (104857600 bytes"),
    ("loop-a.yaml", "cannot read:"),
    ("loop-b.yaml", "cannot read:"),
    ("nested-maps.yaml", "nested more than 64 levels deep"),
    ("nested.yaml", "nested more than 64 levels deep"),
    ("self.yaml", "not a regular file"),
    ("zero.yaml", "not a regular file"),
];

/// The `file:line:col: message` line for `name`, checked for shape.
fn problem_line<'a>(text: &'a str, dir: &Path, name: &str) -> Option<&'a str> {
    let prefix = format!("{}:", dir.join(name).display());
    let line = text.lines().find(|l| l.starts_with(&prefix))?;
    let mut rest = line[prefix.len()..].splitn(3, ':');
    let (l, c) = (rest.next()?, rest.next()?);
    assert!(
        l.parse::<usize>().is_ok_and(|n| n >= 1) && c.parse::<usize>().is_ok_and(|n| n >= 1),
        "not file:line:col: {line}"
    );
    Some(line)
}

#[test]
fn validate_reports_each_hostile_file_and_passes_the_good_one() {
    let f = hostile_folder();
    let dir = f.dir.to_str().expect("utf-8 path");
    let out = run(&f.home, &["flows", "validate", dir]);
    assert_eq!(
        out.code, 1,
        "documented: 1 for invalid flows\n{}",
        out.stderr
    );
    for (name, message) in EXPECTED {
        if *name == "fifo.yaml" && !f.dir.join(name).exists() {
            continue;
        }
        let line = problem_line(&out.stdout, &f.dir, name)
            .unwrap_or_else(|| panic!("no problem reported for {name}:\n{}", out.stdout));
        assert!(line.contains(message), "{name}: {line}");
    }
    assert!(
        problem_line(&out.stdout, &f.dir, "good.yaml").is_none(),
        "{}",
        out.stdout
    );
    // The invalid byte is pointed at: line 4, after the 7 characters before it.
    assert!(
        problem_line(&out.stdout, &f.dir, "bad-utf8.yaml")
            .is_some_and(|l| l.contains("bad-utf8.yaml:4:8:")),
        "{}",
        out.stdout
    );
    // The self-containing folder is read once, not followed.
    assert!(!out.stdout.contains("self.yaml/"), "{}", out.stdout);
    report("validate DIR (all)", &out);
}

#[test]
fn list_still_serves_the_good_flow_and_warns_about_the_rest() {
    let f = hostile_folder();
    let dir = f.dir.to_str().expect("utf-8 path");
    let out = run(&f.home, &["flows", "list", "--flows", dir]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let good = f.dir.join("good.yaml");
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("AADSTS7000222"))
        .unwrap_or_else(|| panic!("7000222 not listed:\n{}", out.stdout));
    assert!(
        line.contains(&good.display().to_string()) && line.ends_with("(user)"),
        "{line}"
    );
    for (name, _) in EXPECTED {
        if *name == "fifo.yaml" && !f.dir.join(name).exists() {
            continue;
        }
        assert!(
            problem_line(&out.stderr, &f.dir, name).is_some(),
            "{name} not reported:\n{}",
            out.stderr
        );
    }
    assert!(
        out.stderr
            .contains("the flows above were skipped; the others are loaded")
    );
    report("list --flows DIR", &out);
}

#[test]
fn each_hostile_file_alone_is_quick_and_small() {
    let f = hostile_folder();
    let mut names: Vec<&str> = EXPECTED.iter().map(|(n, _)| *n).collect();
    names.push("good.yaml");
    for name in names {
        let path = f.dir.join(name);
        if !path.exists() && std::fs::symlink_metadata(&path).is_err() {
            continue;
        }
        let out = run(
            &f.home,
            &["flows", "validate", path.to_str().expect("utf-8")],
        );
        let want = if name == "good.yaml" { 0 } else { 1 };
        assert_eq!(out.code, want, "{name}: {}{}", out.stdout, out.stderr);
        report(name, &out);
    }
}

/// Print the measurements, and fail on runaway memory.
fn report(what: &str, out: &Outcome) {
    match out.max_rss_kb {
        Some(kb) => {
            println!("{what:<24} {:>7.3} s {:>8} KB max RSS", out.seconds, kb);
            assert!(
                kb <= MAX_RSS_KB,
                "{what}: {kb} KB of memory (limit {MAX_RSS_KB} KB)"
            );
        }
        None => println!(
            "{what:<24} {:>7.3} s (no /usr/bin/time: memory not measured)",
            out.seconds
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// The loader itself, in process.

fn catalog() -> Catalog {
    let (file, src) = embedded::CATALOG;
    Catalog::from_yaml(file, src).expect("embedded catalog")
}

fn load_err(src: &str) -> String {
    match load("hostile.yaml", src, &catalog()) {
        Ok(_) => panic!("loaded"),
        Err(problems) => {
            assert!(!problems.is_empty());
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}

#[test]
fn loader_rejects_the_billion_laughs() {
    // Refused before parsing, at the first alias.
    let msg = load_err(&billion_laughs());
    assert!(
        msg.starts_with("hostile.yaml:2:") && msg.contains("aliases ('*name') are not supported"),
        "{msg}"
    );
    // The bomb as the value of fields the schema knows: refused the same way.
    let bomb = billion_laughs().lines().collect::<Vec<_>>().join(", ");
    for src in [
        format!("codes: {{{bomb}}}\ntitle: t\nstart: a\nnodes: {{}}\n"),
        format!("codes: [1]\ntitle: t\nstart: a\nnodes:\n  a:\n    fix: [{{{bomb}}}, *i]\n"),
    ] {
        let msg = load_err(&src);
        assert!(msg.contains("aliases ('*name') are not supported"), "{msg}");
    }
}

#[test]
fn loader_rejects_nesting_beyond_its_limit() {
    // Refused before parsing past 64 levels, with the position where the limit is crossed.
    for src in [
        format!("nodes:\n  a:\n    fix: {}", "[".repeat(200)),
        nested_sequences(200),
        nested_mappings(200),
        format!("nodes: {}", "- ".repeat(100_000)),
    ] {
        let msg = load_err(&src);
        // `nodes: - - - ...` is not even valid YAML: the reader says so at once.
        assert!(
            msg.contains("nested more than 64 levels deep")
                || msg.contains("block sequence entries are not allowed in this context"),
            "{msg}"
        );
    }
}

#[test]
fn deep_nesting_is_refused_before_parsing() {
    // The YAML reader's time grows with the square of the depth (100 000 `[` take minutes),
    // so `yaml::screen` refuses these before the value reader sees them.
    for src in [
        nested_sequences(100_000),
        nested_mappings(100_000),
        nested_sequences(MAX_FLOW_BYTES - 7),
    ] {
        let h = screen(&src).expect_err("refused");
        assert_eq!(
            (h.line, h.message.as_str()),
            (1, "nested more than 64 levels deep")
        );
    }
}

/// `load` on 100 000 levels: minutes in a debug build until it refuses them itself.
#[test]
fn loader_refuses_deep_nesting_itself() {
    let msg = load_err(&nested_sequences(100_000));
    assert!(msg.contains("nested more than 64 levels deep"), "{msg}");
}

#[test]
fn loader_rejects_too_large_text() {
    let src = format!("title: \"{}\"\n", "x".repeat(MAX_FLOW_BYTES));
    let msg = load_err(&src);
    assert!(
        msg.starts_with("hostile.yaml:1:1: file is too large"),
        "{msg}"
    );
}

/// An alias named 200 000 times, each repeating a 300 KB string: 60 GB once expanded. The
/// binary refuses such a file before loading it (see `sources.rs`); `load` itself does not.
#[test]
fn loader_rejects_alias_amplification() {
    let msg = load_err(&amplification(300_000, 200_000));
    assert!(msg.contains("aliases"), "{msg}");
}

#[test]
fn amplification_is_within_the_size_limit() {
    // The bomb above fits under the limit, so the size check alone does not stop it.
    assert!(amplification(300_000, 200_000).len() <= MAX_FLOW_BYTES);
    let h = screen(&amplification(10, 3)).expect_err("refused");
    assert_eq!((h.line, h.column), (8, 11));
}
