//! Copying that works where users are: the system clipboard on a desktop, tmux's own buffer
//! inside tmux (`tmux load-buffer -w -`, which tmux also forwards to the outer terminal where
//! its `set-clipboard` allows), OSC 52 over SSH, in screen, or when nothing else is there.
//! Never reports a copy it did not make, and says how to check one it cannot confirm.

use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine;

use crate::config::CopyMode;

/// How long to wait for the system clipboard to open: arboard can hang forever on a `DISPLAY`
/// that never answers.
const OPEN_TIMEOUT: Duration = Duration::from_millis(800);

/// Why a copy (or reading the clipboard) did not happen, for the toast or the error line.
/// Text from elsewhere (arboard's error, an I/O error, tmux's stderr) is kept as text, so a
/// `Msg` carrying this stays `Clone` and `Eq`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CopyError {
    #[error("copying is turned off")]
    Off,
    #[error("over SSH")]
    OverSsh,
    #[error("no display")]
    NoDisplay,
    #[error("the display's clipboard did not answer")]
    NoAnswer,
    /// The system clipboard refused (arboard's words).
    #[error("{0}")]
    System(String),
    #[error("cannot run {program}: {reason}")]
    Spawn { program: String, reason: String },
    #[error("{program}: {reason}")]
    Pipe { program: String, reason: String },
    /// The program ran and failed: the command line and its stderr.
    #[error("{command}: {stderr}")]
    Failed { command: String, stderr: String },
    /// The OSC 52 sequence could not be written to the terminal.
    #[error("{0}")]
    Terminal(String),
    #[error("no clipboard available")]
    Unavailable,
}

/// Where copies go, decided once per session.
pub struct Clipboard {
    system: Option<arboard::Clipboard>,
    /// Why the system clipboard is not used, for the toast.
    why_not_system: Option<CopyError>,
    osc52_allowed: bool,
    /// Inside tmux (`$TMUX` set) and not forced to one method.
    tmux: bool,
}

fn env_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty())
}

/// Open the system clipboard on a helper thread, giving up after `OPEN_TIMEOUT`.
fn open_system() -> Result<arboard::Clipboard, CopyError> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("clipboard-open".to_string())
        .spawn(move || {
            let _ = tx.send(arboard::Clipboard::new().map_err(system_error));
        })
        .map_err(|e| CopyError::System(e.to_string()))?;
    rx.recv_timeout(OPEN_TIMEOUT)
        .map_err(|_| CopyError::NoAnswer)?
}

fn system_error(e: arboard::Error) -> CopyError {
    CopyError::System(e.to_string())
}

/// Read the system clipboard's text, giving up rather than hanging on a dead display.
pub fn read_text() -> Result<String, CopyError> {
    let mut cb = open_system()?;
    cb.get_text().map_err(system_error)
}

impl Clipboard {
    pub fn new(mode: CopyMode) -> Clipboard {
        let remote = env_set("SSH_CONNECTION") || env_set("SSH_TTY");
        let has_display = env_set("DISPLAY")
            || env_set("WAYLAND_DISPLAY")
            || cfg!(any(target_os = "macos", windows));
        let want_system = match mode {
            CopyMode::System => true,
            CopyMode::Osc52 | CopyMode::None => false,
            CopyMode::Auto => has_display && !remote,
        };
        let (system, why_not_system) = if want_system {
            match open_system() {
                Ok(c) => (Some(c), None),
                Err(e) => (None, Some(e)),
            }
        } else if mode == CopyMode::None {
            (None, Some(CopyError::Off))
        } else if remote {
            (None, Some(CopyError::OverSsh))
        } else {
            (None, Some(CopyError::NoDisplay))
        };
        Clipboard {
            system,
            why_not_system,
            osc52_allowed: matches!(mode, CopyMode::Auto | CopyMode::Osc52),
            tmux: mode == CopyMode::Auto && env_set("TMUX"),
        }
    }

    /// Copy `text`; `Ok` says where it went (and how to check when we cannot know), for the
    /// toast after "copied <what> ".
    pub fn copy(&mut self, text: &str, out: &mut impl Write) -> Result<String, CopyError> {
        let mut last_error = self.why_not_system.clone();
        if let Some(cb) = &mut self.system {
            match set_text(cb, text) {
                Ok(()) => return Ok("to the clipboard".to_string()),
                Err(e) => last_error = Some(e),
            }
        }
        if self.tmux {
            match tmux_load_buffer(text) {
                Ok(()) => {
                    return Ok(
                        "to tmux's buffer (prefix ] pastes; check: tmux show-buffer)".to_string(),
                    );
                }
                Err(e) => last_error = Some(e),
            }
        }
        if self.osc52_allowed {
            let terminal = |e: std::io::Error| CopyError::Terminal(e.to_string());
            out.write_all(osc52_sequence(text).as_bytes())
                .map_err(terminal)?;
            out.flush().map_err(terminal)?;
            return Ok(
                "by OSC 52 to the terminal's clipboard (paste to check: some terminals ignore it)"
                    .to_string(),
            );
        }
        Err(last_error.unwrap_or(CopyError::Unavailable))
    }
}

/// `tmux load-buffer -w -`: tmux keeps the text as its newest buffer and, with `-w` (tmux
/// 3.2+), also sends it to the outer terminal's clipboard when `set-clipboard` lets it. An
/// older tmux refuses `-w`; the buffer alone is tried then.
fn tmux_load_buffer(text: &str) -> Result<(), CopyError> {
    match run_with_stdin("tmux", &["load-buffer", "-w", "-"], text) {
        Ok(()) => Ok(()),
        Err(_) => run_with_stdin("tmux", &["load-buffer", "-"], text),
    }
}

fn run_with_stdin(program: &str, args: &[&str], text: &str) -> Result<(), CopyError> {
    use std::process::{Command, Stdio};
    let pipe = |e: std::io::Error| CopyError::Pipe {
        program: program.to_string(),
        reason: e.to_string(),
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| CopyError::Spawn {
            program: program.to_string(),
            reason: e.to_string(),
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(text.as_bytes()).map_err(pipe)?;
    }
    let output = child.wait_with_output().map_err(pipe)?;
    if output.status.success() {
        Ok(())
    } else {
        Err(CopyError::Failed {
            command: format!("{program} {}", args.join(" ")),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}

fn set_text(cb: &mut arboard::Clipboard, text: &str) -> Result<(), CopyError> {
    cb.set_text(text).map_err(system_error)
}

/// The OSC 52 "set clipboard" sequence, wrapped for tmux or GNU screen when inside one, so it
/// reaches the outer terminal (only used in tmux when `tmux load-buffer` failed). Plain OSC 52
/// is also sent inside tmux, where `set-clipboard on` lets tmux keep it in its own buffer.
pub fn osc52_sequence(text: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let plain = format!("\x1b]52;c;{b64}\x07");
    if env_set("TMUX") {
        // tmux passthrough: ESC P tmux; <sequence with ESC doubled> ESC \
        format!("{plain}\x1bPtmux;\x1b\x1b]52;c;{b64}\x07\x1b\\")
    } else if std::env::var("TERM").is_ok_and(|t| t.starts_with("screen")) && env_set("STY") {
        // GNU screen limits DCS strings, so send the payload in chunks.
        let mut s = String::from("\x1bP\x1b]52;c;");
        for (i, chunk) in b64.as_bytes().chunks(76).enumerate() {
            if i > 0 {
                s.push_str("\x1b\\\x1bP");
            }
            s.push_str(&String::from_utf8_lossy(chunk));
        }
        s.push_str("\x07\x1b\\");
        s
    } else {
        plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_encodes_text_in_base64() {
        let seq = osc52_sequence("az ad sp show --id x");
        assert!(
            seq.contains("\x1b]52;c;YXogYWQgc3Agc2hvdyAtLWlkIHg=\x07"),
            "{seq:?}"
        );
    }
}
