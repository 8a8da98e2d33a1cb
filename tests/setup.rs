//! Setting the tool up: the config file (and what a bad one does), shell completions, the
//! manual page, and output into a closed pipe.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn run_with_config(config_home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"))
        .args(args)
        .env("XDG_CONFIG_HOME", config_home)
        .env("HOME", config_home)
        .env_remove("AADSTS_WIZARD_FLOWS")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn write_config(dir: &Path, text: &str) {
    let d = dir.join("aadsts-wizard");
    std::fs::create_dir_all(&d).expect("config dir");
    std::fs::write(d.join("config.yaml"), text).expect("config file");
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_bad_config_is_named_with_its_position_and_defaults_apply() {
    for (config, want) in [
        ("shell: az\ncolour: false\n", ":2:1: unknown field `colour`"),
        (
            "copy: clipboard\n",
            ":1:7: copy: unknown variant `clipboard`",
        ),
        (
            "history: [yes]\n",
            ":1:10: history: invalid type: sequence, expected a boolean",
        ),
        // A syntax error is named before any value is read.
        (
            "history: [yes\n",
            ":2:1: while parsing a flow sequence, expected ',' or ']'",
        ),
    ] {
        let tmp = tempfile::tempdir().expect("tempdir");
        write_config(tmp.path(), config);
        let o = run_with_config(tmp.path(), &["lookup", "50012"]);
        let err = text(&o.stderr);
        let path = tmp.path().join("aadsts-wizard/config.yaml");
        assert!(
            err.contains(&format!("warning: {}{want}", path.display())),
            "{config:?}: {err}"
        );
        assert!(err.contains("using the defaults"), "{err}");
        assert_eq!(
            o.status.code(),
            Some(0),
            "a bad config never stops the tool"
        );
        assert!(text(&o.stdout).contains("AADSTS50012"));
    }
}

#[test]
fn invalid_utf8_config_is_a_warning_too() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path().join("aadsts-wizard");
    std::fs::create_dir_all(&d).expect("dir");
    std::fs::write(d.join("config.yaml"), b"shell: az\n\xff\xfe\n").expect("write");
    let o = run_with_config(tmp.path(), &["lookup", "50012"]);
    assert!(text(&o.stderr).contains("config.yaml:1:1: not valid UTF-8"));
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn config_flow_folders_are_loaded() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let org = tmp.path().join("org-flows");
    std::fs::create_dir_all(&org).expect("dir");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/flows/7000222-example.yaml"
        ),
        org.join("mine.yaml"),
    )
    .expect("copy");
    // Relative to the config file's folder, and with ~ for HOME.
    write_config(tmp.path(), "flows: [../org-flows]\n");
    let o = run_with_config(tmp.path(), &["flows", "list"]);
    assert!(text(&o.stdout).contains("mine.yaml"), "{}", text(&o.stdout));
    write_config(tmp.path(), "flows: [~/org-flows]\n");
    let o = run_with_config(tmp.path(), &["flows", "list"]);
    assert!(text(&o.stdout).contains("mine.yaml"), "{}", text(&o.stdout));
    assert!(text(&o.stderr).is_empty(), "{}", text(&o.stderr));
}

#[test]
fn completions_for_every_shell() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (shell, marker) in [
        ("bash", "complete -F _aadsts__wizard"),
        ("zsh", "#compdef aadsts-wizard"),
        ("fish", "complete -c aadsts-wizard"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer"),
    ] {
        let o = run_with_config(tmp.path(), &["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = text(&o.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        for sub in [
            "lookup",
            "search",
            "explain",
            "walk",
            "flows",
            "completions",
        ] {
            assert!(script.contains(sub), "{shell} completions lack {sub}");
        }
    }
    let o = run_with_config(tmp.path(), &["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("possible values"));
}

#[test]
fn bash_completion_completes_subcommands() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = run_with_config(tmp.path(), &["completions", "bash"]);
    let script = tmp.path().join("c.bash");
    std::fs::write(&script, &o.stdout).expect("write");
    let probe = format!(
        "source '{}'; COMP_WORDS=(aadsts-wizard ex); COMP_CWORD=1; COMP_LINE='aadsts-wizard ex'; \
         COMP_POINT=${{#COMP_LINE}}; _aadsts__wizard aadsts-wizard ex aadsts-wizard; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let out = Command::new("bash")
        .args(["--norc", "-c", &probe])
        .output()
        .expect("bash runs");
    assert_eq!(text(&out.stdout).trim(), "explain", "{}", text(&out.stderr));
}

#[test]
fn man_page_renders() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = run_with_config(tmp.path(), &["man"]);
    assert_eq!(o.status.code(), Some(0));
    // roff writes a hyphen as `\-`.
    let roff = text(&o.stdout).replace("\\-", "-");
    assert!(roff.contains(".TH aadsts-wizard"), "{roff}");
    for s in ["--no-history", "--print", "lookup", "completions"] {
        assert!(roff.contains(s), "man page lacks {s}");
    }
    // Rendered by groff where it is installed: no warnings.
    if let Ok(mut groff) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        groff
            .stdin
            .take()
            .expect("stdin")
            .write_all(&o.stdout)
            .expect("write");
        let out = groff.wait_with_output().expect("groff");
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aadsts-wizard"))
        .args(["search", "secret", "-n", "200"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take()); // the reader goes away at once, like `| head -0`
    let out = child.wait_with_output().expect("wait");
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
}
