//! One sanitiser for every path that shows flow, catalog, pasted or configured text to a
//! person: the TUI, the command line (stdout and stderr), incident notes and error messages.
//! Terminal control sequences (ESC, C0, DEL, C1 such as CSI U+009B) and bidirectional
//! overrides never reach a terminal or a notes file raw.

use std::io::{self, Write};

/// Characters that must not be shown raw: controls other than newline and tab, and the
/// bidirectional overrides and isolates (format characters that reorder what follows them, so
/// a command could be shown differently from what is copied).
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text safe to draw on one line: unsafe characters and newlines become `�`, tabs spaces.
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' => ' ',
            '\n' => '\u{FFFD}',
            c if is_unsafe(c) => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// Like [`clean`], but newlines are kept.
pub fn clean_keep_newlines(s: &str) -> String {
    s.split('\n').map(clean).collect::<Vec<_>>().join("\n")
}

/// How a [`SafeWriter`] replaces an unsafe character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// With `�` (text for people).
    Text,
    /// With a JSON `\uXXXX` escape: the JSON stays valid and keeps the character
    /// (serde_json already escapes C0 controls; this catches DEL, C1 and bidi controls).
    Json,
}

/// A writer that passes UTF-8 text through and replaces unsafe characters on the way.
/// Invalid UTF-8 is replaced too; a multibyte character split across writes is held back
/// until it is complete.
pub struct SafeWriter<W: Write> {
    inner: W,
    mode: Mode,
    pending: Vec<u8>,
}

impl<W: Write> SafeWriter<W> {
    pub fn new(inner: W, mode: Mode) -> SafeWriter<W> {
        SafeWriter {
            inner,
            mode,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, s: &str) -> io::Result<()> {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            if is_unsafe(c) {
                match self.mode {
                    Mode::Text => out.push('\u{FFFD}'),
                    Mode::Json => {
                        let mut buf = [0u16; 2];
                        for unit in c.encode_utf16(&mut buf) {
                            out.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                }
            } else {
                out.push(c);
            }
        }
        self.inner.write_all(out.as_bytes())
    }
}

impl<W: Write> Write for SafeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let bytes = std::mem::take(&mut self.pending);
        let mut rest: &[u8] = &bytes;
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    self.emit(s)?;
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    self.emit(std::str::from_utf8(good).unwrap_or_default())?;
                    match e.error_len() {
                        Some(n) => {
                            self.emit("\u{FFFD}")?;
                            rest = &bad[n..];
                        }
                        None => {
                            // An incomplete character at the end: wait for the rest.
                            self.pending = bad.to_vec();
                            break;
                        }
                    }
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.pending.clear();
            self.emit("\u{FFFD}")?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for SafeWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// `1,234,567`: counts as people read them.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(mode: Mode, chunks: &[&[u8]]) -> String {
        let mut out = Vec::new();
        {
            let mut w = SafeWriter::new(&mut out, mode);
            for c in chunks {
                w.write_all(c).expect("write to a Vec");
            }
        }
        String::from_utf8(out).expect("the writer emits UTF-8")
    }

    #[test]
    fn escapes_never_pass() {
        let hostile = "a\x1b]52;c;cm0gLXJmIH4=\x07b\x1b[201~c\u{9b}31md\u{202e}e\r\x7f\tok\n";
        let text = through(Mode::Text, &[hostile.as_bytes()]);
        assert_eq!(
            text,
            "a\u{FFFD}]52;c;cm0gLXJmIH4=\u{FFFD}b\u{FFFD}[201~c\u{FFFD}31md\u{FFFD}e\u{FFFD}\u{FFFD}\tok\n"
        );
        assert!(!text.chars().any(is_unsafe));
        let json = through(Mode::Json, &["\"x\u{9b}y\u{202e}\u{7f}\"".as_bytes()]);
        assert_eq!(json, "\"x\\u009by\\u202e\\u007f\"");
        let v: serde_json::Value = serde_json::from_str(&json).expect("still JSON");
        assert_eq!(v, "x\u{9b}y\u{202e}\u{7f}");
    }

    #[test]
    fn split_characters_and_invalid_bytes() {
        let csi = "\u{9b}".as_bytes(); // C2 9B
        assert_eq!(
            through(Mode::Text, &[b"a", &csi[..1], &csi[1..], b"b"]),
            "a\u{FFFD}b"
        );
        let e = "é".as_bytes();
        assert_eq!(through(Mode::Text, &[&e[..1], &e[1..]]), "é");
        assert_eq!(through(Mode::Text, &[b"x\xffy"]), "x\u{FFFD}y");
        assert_eq!(through(Mode::Text, &[b"x\xc3"]), "x\u{FFFD}");
    }

    #[test]
    fn clean_lines() {
        assert_eq!(clean("a\tb\nc\u{1b}"), "a b\u{FFFD}c\u{FFFD}");
        assert_eq!(clean_keep_newlines("a\nb\u{2066}"), "a\nb\u{FFFD}");
    }
}
