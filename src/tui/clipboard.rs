//! Copying that works where users are: the system clipboard on a desktop, tmux's own buffer
//! inside tmux (`tmux load-buffer -w -`, which tmux also forwards to the outer terminal where
//! its `set-clipboard` allows), OSC 52 over SSH, in screen, or when nothing else is there.
//! Never reports a copy it did not make, and says how to check one it cannot confirm.

use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine;

/// How long to wait for the system clipboard to open: arboard can hang forever on a `DISPLAY`
/// that never answers.
const OPEN_TIMEOUT: Duration = Duration::from_millis(800);

/// Where copies go, decided once per session.
pub struct Clipboard {
    system: Option<arboard::Clipboard>,
    /// Why the system clipboard is not used, for the toast.
    why_not_system: Option<String>,
    osc52_allowed: bool,
    /// Inside tmux (`$TMUX` set) and not forced to one method.
    tmux: bool,
}

fn env_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty())
}

/// Open the system clipboard on a helper thread, giving up after `OPEN_TIMEOUT`.
fn open_system() -> Result<arboard::Clipboard, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("clipboard-open".to_string())
        .spawn(move || {
            let _ = tx.send(arboard::Clipboard::new().map_err(|e| e.to_string()));
        })
        .map_err(|e| e.to_string())?;
    rx.recv_timeout(OPEN_TIMEOUT)
        .map_err(|_| "the display's clipboard did not answer".to_string())?
}

/// Read the system clipboard's text, giving up rather than hanging on a dead display.
pub fn read_text() -> Result<String, String> {
    let mut cb = open_system()?;
    cb.get_text().map_err(|e| e.to_string())
}

impl Clipboard {
    /// `mode`: "auto", "system", "osc52" or "none".
    pub fn new(mode: &str) -> Clipboard {
        let remote = env_set("SSH_CONNECTION") || env_set("SSH_TTY");
        let has_display = env_set("DISPLAY")
            || env_set("WAYLAND_DISPLAY")
            || cfg!(any(target_os = "macos", windows));
        let want_system = match mode {
            "system" => true,
            "osc52" | "none" => false,
            _ => has_display && !remote,
        };
        let (system, why_not_system) = if want_system {
            match open_system() {
                Ok(c) => (Some(c), None),
                Err(e) => (None, Some(e)),
            }
        } else if mode == "none" {
            (None, Some("copying is turned off".to_string()))
        } else if remote {
            (None, Some("over SSH".to_string()))
        } else {
            (None, Some("no display".to_string()))
        };
        Clipboard {
            system,
            why_not_system,
            osc52_allowed: mode != "none" && mode != "system",
            tmux: mode == "auto" && env_set("TMUX"),
        }
    }

    /// Copy `text`; `Ok` says where it went (and how to check when we cannot know), for the
    /// toast after "copied <what> ".
    pub fn copy(&mut self, text: &str, out: &mut impl Write) -> Result<String, String> {
        let mut system_error = self.why_not_system.clone();
        if let Some(cb) = &mut self.system {
            match set_text(cb, text) {
                Ok(()) => return Ok("to the clipboard".to_string()),
                Err(e) => system_error = Some(e),
            }
        }
        if self.tmux {
            match tmux_load_buffer(text) {
                Ok(()) => {
                    return Ok(
                        "to tmux's buffer (prefix ] pastes; check: tmux show-buffer)".to_string(),
                    );
                }
                Err(e) => system_error = Some(e),
            }
        }
        if self.osc52_allowed {
            out.write_all(osc52_sequence(text).as_bytes())
                .map_err(|e| e.to_string())?;
            out.flush().map_err(|e| e.to_string())?;
            return Ok(
                "by OSC 52 to the terminal's clipboard (paste to check: some terminals ignore it)"
                    .to_string(),
            );
        }
        Err(system_error.unwrap_or_else(|| "no clipboard available".to_string()))
    }
}

/// `tmux load-buffer -w -`: tmux keeps the text as its newest buffer and, with `-w` (tmux
/// 3.2+), also sends it to the outer terminal's clipboard when `set-clipboard` lets it. An
/// older tmux refuses `-w`; the buffer alone is tried then.
fn tmux_load_buffer(text: &str) -> Result<(), String> {
    match run_with_stdin("tmux", &["load-buffer", "-w", "-"], text) {
        Ok(()) => Ok(()),
        Err(_) => run_with_stdin("tmux", &["load-buffer", "-"], text),
    }
}

fn run_with_stdin(program: &str, args: &[&str], text: &str) -> Result<(), String> {
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .map_err(|e| format!("{program}: {e}"))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("{program}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&output.stderr);
        Err(format!("{program} {}: {}", args.join(" "), err.trim()))
    }
}

fn set_text(cb: &mut arboard::Clipboard, text: &str) -> Result<(), String> {
    cb.set_text(text).map_err(|e| e.to_string())
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
