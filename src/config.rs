//! The user's defaults, from `config.yaml` in the config folder ([`app_dir`]):
//!
//! ```yaml
//! shell: powershell          # tab shown first: az or powershell
//! flows: [~/org-flows]       # extra flow folders or files (relative to the config file)
//! copy: osc52                # auto, system, osc52 or none
//! color: false               # no colours (NO_COLOR does the same)
//! history: false             # do not remember typed values
//! notes_dir: ~/incidents      # where `e` saves notes (default: the current folder)
//! mouse: true                 # capture the mouse (wheel, clicks) from the start
//! ```
//!
//! Command-line options win over the file. A bad file is an error with its position; the
//! caller warns and goes on with defaults.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::command::Shell;

/// A kind of folder the tool keeps files in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Folder {
    /// The config file and the user's `flows/`.
    Config,
    /// Remembered values.
    State,
}

/// The tool's folder of `kind`, by the convention most command-line tools follow (etcetera's
/// base strategy): XDG on Linux, macOS and the BSDs (`$XDG_CONFIG_HOME/aadsts-wizard`, else
/// `~/.config/aadsts-wizard`; `$XDG_STATE_HOME`, else `~/.local/state`; a relative or empty
/// variable is ignored, as the XDG spec says), the known folders on Windows (`%APPDATA%` for
/// config, `%LOCALAPPDATA%` for state). `None` when there is no home folder.
pub fn app_dir(kind: Folder) -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    let base = etcetera::choose_base_strategy().ok()?;
    let dir = match kind {
        Folder::Config => base.config_dir(),
        // Windows has no state folder; the local (not roaming) app data is its place.
        Folder::State => base.state_dir().unwrap_or_else(|| base.cache_dir()),
    };
    Some(dir.join("aadsts-wizard"))
}

/// The user's home folder, for `~/` in the config file: `$HOME`, or the user database's
/// entry when it is unset or empty (on Windows, the profile folder).
pub fn home_dir() -> Option<PathBuf> {
    etcetera::home_dir().ok().filter(|h| h.is_absolute())
}

/// How copied text reaches the clipboard: `copy:` in the config file, `--copy` on the command
/// line, and what the clipboard code decides by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CopyMode {
    /// The system clipboard; tmux's buffer inside tmux; OSC 52 over SSH or without a display.
    #[default]
    Auto,
    /// The system clipboard only.
    System,
    /// OSC 52 only: the terminal's clipboard, through SSH and tmux.
    Osc52,
    /// Never copy; commands stay on screen.
    None,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    shell: Option<Shell>,
    #[serde(default)]
    flows: Vec<String>,
    copy: Option<CopyMode>,
    color: Option<bool>,
    history: Option<bool>,
    notes_dir: Option<String>,
    mouse: Option<bool>,
}

/// The settings in effect; every field has a default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub shell: Shell,
    /// Extra flow folders or files, resolved against the config file's folder and `~`.
    pub flows: Vec<PathBuf>,
    pub copy: CopyMode,
    pub color: bool,
    pub history: bool,
    /// Where notes are saved, resolved like `flows`; `None`: the current folder.
    pub notes_dir: Option<PathBuf>,
    /// Capture the mouse from the start (off: the terminal's selection works).
    pub mouse: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            shell: Shell::Az,
            flows: Vec::new(),
            copy: CopyMode::Auto,
            color: true,
            history: true,
            notes_dir: None,
            mouse: false,
        }
    }
}

/// A problem in the config file, printed as `config.yaml:3:7: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Config {
    /// Parse `src` (the text of `file`). `home` expands a leading `~/` in flow paths.
    pub fn from_yaml(file: &Path, src: &str, home: Option<&Path>) -> Result<Config, ConfigError> {
        let err = |line, column, message| ConfigError {
            file: file.display().to_string(),
            line,
            column,
            message,
        };
        if src.len() > 64 * 1024 {
            return Err(err(1, 1, "file is too large for a config file".to_string()));
        }
        // Aliases and deep nesting are refused before the values are read, as in flow files:
        // a 50 KB alias bomb would expand to hundreds of megabytes.
        let raw: RawConfig = if src.trim().is_empty() {
            RawConfig::default()
        } else {
            crate::yaml::from_str(src).map_err(|e| {
                err(
                    e.line,
                    e.column,
                    e.message.replace("flow files", "the config file"),
                )
            })?
        };
        let base = file.parent().unwrap_or(Path::new("."));
        let mut flows = Vec::new();
        for (i, f) in raw.flows.iter().enumerate() {
            let path = match f.strip_prefix("~/") {
                Some(rest) => match home {
                    Some(h) => h.join(rest),
                    None => {
                        let positions = crate::yaml::Positions::scan(src);
                        let (line, column) = positions.of(&format!("flows[{i}]"));
                        return Err(err(
                            line,
                            column,
                            format!("'{f}' starts with '~/' but HOME is not set"),
                        ));
                    }
                },
                None => base.join(f),
            };
            if f.trim().is_empty() {
                let positions = crate::yaml::Positions::scan(src);
                let (line, column) = positions.of(&format!("flows[{i}]"));
                return Err(err(line, column, "empty flow folder path".to_string()));
            }
            flows.push(path);
        }
        let notes_dir = match raw.notes_dir.as_deref() {
            None => None,
            Some(n) if n.trim().is_empty() => {
                let (line, column) = crate::yaml::Positions::scan(src).of("notes_dir");
                return Err(err(line, column, "empty notes_dir".to_string()));
            }
            Some(n) => Some(match n.strip_prefix("~/") {
                Some(rest) => match home {
                    Some(h) => h.join(rest),
                    None => {
                        let (line, column) = crate::yaml::Positions::scan(src).of("notes_dir");
                        return Err(err(
                            line,
                            column,
                            format!("'{n}' starts with '~/' but HOME is not set"),
                        ));
                    }
                },
                None => base.join(n),
            }),
        };
        let d = Config::default();
        Ok(Config {
            shell: raw.shell.unwrap_or(d.shell),
            flows,
            copy: raw.copy.unwrap_or(d.copy),
            color: raw.color.unwrap_or(d.color),
            history: raw.history.unwrap_or(d.history),
            notes_dir,
            mouse: raw.mouse.unwrap_or(d.mouse),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Config, ConfigError> {
        Config::from_yaml(
            Path::new("/cfg/aadsts-wizard/config.yaml"),
            src,
            Some(Path::new("/home/ops")),
        )
    }

    #[test]
    fn empty_file_is_all_defaults() {
        assert_eq!(parse("").expect("empty"), Config::default());
        assert_eq!(parse("# nothing\n").expect("comment"), Config::default());
    }

    #[test]
    fn every_setting_is_read() {
        let c = parse("shell: powershell\nflows: [~/org, team, /abs]\ncopy: osc52\ncolor: false\nhistory: false\n")
            .expect("valid");
        assert_eq!(c.shell, Shell::Powershell);
        assert_eq!(
            c.flows,
            [
                PathBuf::from("/home/ops/org"),
                PathBuf::from("/cfg/aadsts-wizard/team"),
                PathBuf::from("/abs")
            ]
        );
        assert_eq!(c.copy, CopyMode::Osc52);
        assert!(!c.color && !c.history);
        assert_eq!(c.notes_dir, None);
        assert!(!c.mouse);
        let c = parse("notes_dir: ~/incidents\nmouse: true\n").expect("valid");
        assert_eq!(c.notes_dir, Some(PathBuf::from("/home/ops/incidents")));
        assert!(c.mouse);
        let c = parse("notes_dir: notes\n").expect("relative");
        assert_eq!(c.notes_dir, Some(PathBuf::from("/cfg/aadsts-wizard/notes")));
        let e = parse("notes_dir: ''\n").expect_err("empty").to_string();
        assert!(e.contains("empty notes_dir"), "{e}");
    }

    #[test]
    fn errors_name_the_position() {
        for (src, want) in [
            (
                "shell: bash\n",
                "config.yaml:1:8: shell: unknown variant `bash`",
            ),
            (
                "copy: yes\n",
                "config.yaml:1:7: copy: unknown variant `yes`",
            ),
            (
                "shell: az\ncolour: false\n",
                "config.yaml:2:1: unknown field `colour`",
            ),
            ("color: maybe\n", "config.yaml:1:8: color: invalid type"),
            ("flows: ~/x\n", "config.yaml:1:8: flows: invalid type"),
            (
                "shell: az\nflows:\n  - ''\n",
                "config.yaml:3:5: empty flow folder path",
            ),
            (
                "shell: \"az\n",
                "config.yaml:1:8: while scanning a quoted scalar, found unexpected end of stream",
            ),
        ] {
            let e = parse(src).expect_err(src).to_string();
            assert!(
                e.starts_with(&format!("/cfg/aadsts-wizard/{want}")),
                "{src:?}: got {e}"
            );
        }
    }

    #[test]
    fn aliases_are_refused_before_parsing() {
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nshell: az\n";
        let e = Config::from_yaml(Path::new("config.yaml"), bomb, None).expect_err("refused");
        assert_eq!((e.line, e.column), (2, 8), "the first alias: {e:?}");
        assert!(
            e.message.contains("aliases") && e.message.contains("config"),
            "{}",
            e.message
        );
    }

    #[test]
    fn tilde_without_home_is_an_error() {
        let e =
            Config::from_yaml(Path::new("c.yaml"), "flows: [~/x]\n", None).expect_err("no HOME");
        assert!(e.to_string().contains("HOME is not set"), "{e}");
    }

    #[test]
    fn copy_modes_have_the_same_names_in_the_file_and_on_the_command_line() {
        use clap::ValueEnum;
        for m in CopyMode::value_variants() {
            let name = m
                .to_possible_value()
                .expect("not skipped")
                .get_name()
                .to_string();
            let from_file: CopyMode = serde_yaml::from_str(&name).expect(&name);
            assert_eq!(from_file, *m);
            assert_eq!(CopyMode::from_str(&name, false), Ok(*m));
        }
        let names: Vec<String> = CopyMode::value_variants()
            .iter()
            .filter_map(|m| m.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect();
        assert_eq!(names, ["auto", "system", "osc52", "none"]);
        assert!(CopyMode::from_str("clipboard", false).is_err());
    }
}
