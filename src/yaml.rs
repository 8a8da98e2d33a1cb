//! The one way this program reads YAML (flow files, the catalog, the config file, the heads of
//! user flows). Two readers, one path:
//! - [`screen`] reads the text with a span-aware event parser (`saphyr-parser`) and refuses,
//!   at their position, what would make a reader run away (aliases, deep nesting) and any
//!   syntax error, so nothing it has not seen reaches the next step;
//! - [`from_str`] then deserializes the values with `serde_yaml` (the maintained `yaml_serde`)
//!   and reports its errors at their position;
//! - [`Positions`] (the same event parser) finds where a path is, for problems found after
//!   reading (an answer that points nowhere, a duplicate code), and [`head`] reads the first
//!   keys of a file that may be cut short.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, Span};
use serde::de::DeserializeOwned;

/// A YAML problem at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl YamlError {
    fn at(span: &Span, message: impl Into<String>) -> YamlError {
        YamlError {
            line: span.start.line(),
            column: span.start.col() + 1,
            message: message.into(),
        }
    }
}

/// Deepest nesting of mappings and sequences accepted. Real flows use five; deeper input only
/// costs time (100 000 `[` take minutes in a recursive reader).
pub const MAX_DEPTH: usize = 64;

/// Why an alias is refused (callers name the kind of file).
pub const ALIAS: &str = "aliases ('*name') are not supported in flow files; write the text out";
const DEEP: &str = "nested more than 64 levels deep";

/// Read `src` once with the event parser (linear: nothing expanded, nothing built) and refuse:
/// - an alias (`*name`): it repeats its anchor's whole value when read, so a 1 MB file naming
///   a 300 KB string 200 000 times asks for 60 GB; these files have no use for them;
/// - nesting deeper than [`MAX_DEPTH`];
/// - a syntax error, with the parser's message: the value reader is never handed text this
///   reader could not follow.
pub fn screen(src: &str) -> Result<(), YamlError> {
    let mut depth = 0usize;
    for item in Parser::new_from_str(src) {
        let (event, span) = item.map_err(|e| YamlError {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            // The scanner stops flow nesting at 255 levels, which it can reach while looking
            // ahead, before the events below count to MAX_DEPTH.
            message: match e.info() {
                "recursion limit exceeded" => DEEP.to_string(),
                info => info.to_string(),
            },
        })?;
        match event {
            Event::Alias(_) => return Err(YamlError::at(&span, ALIAS)),
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(YamlError::at(&span, DEEP));
                }
            }
            Event::MappingEnd | Event::SequenceEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// [`screen`] `src`, then deserialize it.
pub fn from_str<T: DeserializeOwned>(src: &str) -> Result<T, YamlError> {
    screen(src)?;
    serde_yaml::from_str(src).map_err(|e| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        YamlError {
            line,
            column,
            message: yaml_message(&e),
        }
    })
}

/// The top-level `codes` (integers), `fallback` and `title` of a flow file read from its first
/// bytes, which may end mid-file: whatever parses before the cut counts. `None` when `codes`
/// holds something other than codes.
pub fn head(src: &str) -> Option<(Vec<u32>, bool, String)> {
    let mut codes: Option<Vec<u32>> = None;
    let mut fallback = false;
    let mut title: Option<String> = None;
    let mut depth = 0usize;
    let mut key: Option<String> = None;
    let mut in_codes = false;
    for item in Parser::new_from_str(src) {
        let Ok((event, _)) = item else { break };
        match event {
            Event::Scalar(v, ..) if depth == 1 => match key.take() {
                None => key = Some(v.into_owned()),
                Some(k) => match k.as_str() {
                    "fallback" => fallback = v == "true",
                    "title" => title = Some(v.into_owned()),
                    "codes" => return None,
                    _ => {}
                },
            },
            Event::Scalar(v, ..) if depth == 2 && in_codes => {
                codes.get_or_insert_with(Vec::new).push(v.parse().ok()?);
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if depth == 1 {
                    in_codes = key.take().as_deref() == Some("codes")
                        && matches!(event, Event::SequenceStart(..));
                    if in_codes {
                        codes.get_or_insert_with(Vec::new);
                    }
                }
                depth += 1;
            }
            Event::MappingEnd | Event::SequenceEnd => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    in_codes = false;
                    if codes.is_some() && title.is_some() {
                        break;
                    }
                }
            }
            // An alias as a value ends that key; as a key it stands for one.
            Event::Alias(_) if depth == 1 => {
                key = match key {
                    Some(_) => None,
                    None => Some("*".to_string()),
                }
            }
            _ => {}
        }
        if depth == 1 && !in_codes && codes.is_some() && title.is_some() {
            break;
        }
    }
    let codes = codes.unwrap_or_default();
    (!codes.is_empty() || fallback).then(|| (codes, fallback, title.unwrap_or_default()))
}

/// Positions (1-based line and column) of every mapping key and sequence item, by YAML path:
/// `nodes.start.answers[1].next` is where the key `next` of the second answer starts.
#[derive(Debug, Default, Clone)]
pub struct Positions {
    map: HashMap<String, (usize, usize)>,
    /// Keys that appear a second time in the same mapping, with the later position.
    dups: Vec<(String, (usize, usize))>,
}

impl Positions {
    /// Scan `src`. A source that does not parse gives an empty map (its syntax error is reported
    /// by the deserializer, with its own position).
    pub fn scan(src: &str) -> Positions {
        let mut recv = Recv::default();
        // Stop at a syntax error: whatever was collected before it is still useful.
        for (event, span) in Parser::new_from_str(src).map_while(Result::ok) {
            recv.on_event(event, span.start);
        }
        Positions {
            map: recv.map,
            dups: recv.dups,
        }
    }

    /// The position of `path`, or of its nearest ancestor that has one, or `(1, 1)`.
    pub fn of(&self, path: &str) -> (usize, usize) {
        let mut p = path;
        loop {
            if let Some(&pos) = self.map.get(p) {
                return pos;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return (1, 1),
            }
        }
    }

    /// Where `key` appears again in the mapping at `parent`, if it does.
    pub fn duplicate(&self, parent: &str, key: &str) -> Option<(usize, usize)> {
        let path = join(parent, key);
        self.dups
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, pos)| *pos)
    }

    /// The position of `path` if it is present exactly.
    pub fn get(&self, path: &str) -> Option<(usize, usize)> {
        self.map.get(path).copied()
    }
}

enum Frame {
    /// A mapping: `key` is the pending key once read, waiting for its value.
    /// `item` is set when the mapping is a sequence item whose position is not yet known: the
    /// parser marks a block mapping where its first value starts, so the first key is used.
    Map {
        path: String,
        key: Option<String>,
        item: Option<String>,
    },
    Seq {
        path: String,
        next: usize,
    },
}

#[derive(Default)]
struct Recv {
    stack: Vec<Frame>,
    map: HashMap<String, (usize, usize)>,
    dups: Vec<(String, (usize, usize))>,
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

impl Recv {
    /// Called when a value (scalar, mapping or sequence) starts: returns its path and records
    /// the position of sequence items.
    fn value_path(&mut self, mark: Option<Marker>) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Map { path, key, .. }) => key.take().map(|k| join(path, &k)),
            Some(Frame::Seq { path, next }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                if let Some(mark) = mark {
                    self.map
                        .entry(p.clone())
                        .or_insert((mark.line(), mark.col() + 1));
                }
                Some(p)
            }
        }
    }
}

impl Recv {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, ..) => {
                // A scalar in key position of a mapping is a key: remember where it is.
                if let Some(Frame::Map { path, key, item }) = self.stack.last_mut()
                    && key.is_none()
                {
                    let pos = (mark.line(), mark.col() + 1);
                    if let Some(item) = item.take() {
                        self.map.entry(item).or_insert(pos);
                    }
                    let key_path = join(path, &value);
                    let value = value.into_owned();
                    match self.map.entry(key_path) {
                        std::collections::hash_map::Entry::Occupied(e) => {
                            self.dups.push((e.key().clone(), pos));
                        }
                        std::collections::hash_map::Entry::Vacant(e) => {
                            e.insert(pos);
                        }
                    }
                    *key = Some(value);
                    return;
                }
                let _ = self.value_path(Some(mark));
            }
            Event::Alias(_) => {
                if let Some(Frame::Map { key, .. }) = self.stack.last_mut()
                    && key.is_none()
                {
                    *key = Some("*alias".to_string());
                    return;
                }
                let _ = self.value_path(Some(mark));
            }
            Event::MappingStart(..) => {
                let in_seq = matches!(self.stack.last(), Some(Frame::Seq { .. }));
                let path = self.value_path(None).unwrap_or_else(|| "?".to_string());
                let item = in_seq.then(|| path.clone());
                self.stack.push(Frame::Map {
                    path,
                    key: None,
                    item,
                });
            }
            Event::SequenceStart(..) => {
                let path = self
                    .value_path(Some(mark))
                    .unwrap_or_else(|| "?".to_string());
                self.stack.push(Frame::Seq { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

/// A serde_yaml error message without its trailing ` at line N column M` (we print our own
/// `file:line:col:` prefix) and starting lowercase.
pub(crate) fn yaml_message(e: &serde_yaml::Error) -> String {
    let text = strip_positions(&e.to_string());
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// Remove every ` at line N column M` from a libyaml message.
fn strip_positions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(" at line ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + " at line ".len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let tail = &after[digits..];
        match tail.strip_prefix(" column ") {
            Some(col) if digits > 0 => {
                let d = col.bytes().take_while(u8::is_ascii_digit).count();
                rest = &col[d..];
            }
            _ => {
                out.push_str(" at line ");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "\
codes: [50012]
start: a
nodes:
  a:
    question: Why?
    answers:
      - label: One
        next: b
      - label: Two
        next: c
  b:
    cause: x
";

    #[test]
    fn keys_and_items_have_positions() {
        let p = Positions::scan(SRC);
        assert_eq!(p.get("codes"), Some((1, 1)));
        assert_eq!(p.get("nodes.a"), Some((4, 3)));
        assert_eq!(p.get("nodes.a.answers[1]"), Some((9, 9)));
        assert_eq!(p.get("nodes.a.answers[1].next"), Some((10, 9)));
        assert_eq!(p.get("nodes.b.cause"), Some((12, 5)));
    }

    #[test]
    fn missing_path_falls_back_to_ancestor() {
        let p = Positions::scan(SRC);
        assert_eq!(p.of("nodes.a.answers[1].nope"), (9, 9));
        assert_eq!(p.of("nothing.here"), (1, 1));
    }

    #[test]
    fn duplicate_keys_are_found_at_their_second_place() {
        let p = Positions::scan("nodes:\n  a: 1\n  b: 2\n  a: 3\n");
        assert_eq!(p.duplicate("nodes", "a"), Some((4, 3)));
        assert_eq!(p.duplicate("nodes", "b"), None);
    }

    #[test]
    fn broken_yaml_keeps_what_was_read() {
        let p = Positions::scan("a: 1\nb: [\n");
        assert_eq!(p.get("a"), Some((1, 1)));
    }

    #[test]
    fn aliases_are_refused_and_other_stars_are_not() {
        let pos = |src: &str| screen(src).err().map(|h| (h.line, h.column, h.message));
        assert_eq!(pos("a: &x 1\nb: [*x]\n"), Some((2, 5, ALIAS.to_string())));
        assert_eq!(pos("a: \"[*].id\"\nb: '*x' # *y\nc: 2 * 3\n"), None);
        assert_eq!(pos("a: plain text, no star\n"), None);
        // A syntax error is refused where it is: the value reader never sees text this
        // reader could not follow (an alias after it included).
        let (_, _, msg) = pos("a: \"unterminated\nb: *x\n").expect("refused");
        assert_ne!(msg, ALIAS);
        assert!(pos("a: [1, 2\nb: *x\n").is_some());
    }

    #[test]
    fn deep_nesting_is_refused_where_it_gets_too_deep() {
        let pos = |src: &str| screen(src).err().map(|h| (h.line, h.column, h.message));
        let ok = format!("a: {}{}", "[".repeat(60), "]".repeat(60));
        assert_eq!(pos(&ok), None);
        // Pointed at where it gets too deep (the top-level mapping counts too), not at the end.
        let (line, col, msg) = pos(&format!("a: {}", "[".repeat(100_000))).expect("refused");
        assert_eq!((line, msg.as_str()), (1, DEEP));
        // (the scanner's own limit of 255 flow levels can stop it first, while looking ahead)
        assert!((60..=260).contains(&col), "{col}");
        assert_eq!(
            pos(&format!("a: {}", "{b: ".repeat(100_000))).map(|p| p.2),
            Some(DEEP.to_string())
        );
        let block: String = (0..80).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        assert_eq!(pos(&block).map(|p| p.2), Some(DEEP.to_string()));
        assert_eq!(pos(SRC), None);
    }

    #[test]
    fn the_head_of_a_flow_gives_codes_fallback_and_title_even_when_cut() {
        assert_eq!(
            head("codes: [50012, 7000215]\ntitle: 'A: b'\nnodes:\n  a:\n    q"),
            Some((vec![50012, 7000215], false, "A: b".to_string()))
        );
        assert_eq!(
            head("title: T\ncodes:\n  - 1\n  - 2\nstart: x\nnodes: {a: [\"cut"),
            Some((vec![1, 2], false, "T".to_string()))
        );
        assert_eq!(
            head("fallback: true\ntitle: Triage\n"),
            Some((vec![], true, "Triage".to_string()))
        );
        assert_eq!(
            head("# c\ncodes: [50012]\ntitle: \"A: b\"\nstart: x\n"),
            Some((vec![50012], false, "A: b".to_string()))
        );
        assert_eq!(head("{codes: [1]}"), Some((vec![1], false, String::new())));
        for odd in ["codes: [1, x]", "codes: *a", "junk", ""] {
            assert_eq!(head(odd), None, "{odd}");
        }
        assert_eq!(head("codes: [fifty]\ntitle: x\n"), None);
        assert_eq!(head("codes: 50012\ntitle: x\n"), None);
        assert_eq!(head("title: no codes\n"), None);
        // Nested keys named like the head's are not the head's.
        assert_eq!(
            head("nodes:\n  codes: [1]\n  title: inner\ncodes: [2]\ntitle: outer\n"),
            Some((vec![2], false, "outer".to_string()))
        );
    }

    #[test]
    fn from_str_reports_serde_errors_at_their_position() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct T {
            codes: Vec<u32>,
        }
        let e = from_str::<T>("codes: fifty\n").expect_err("not a list");
        assert_eq!((e.line, e.column), (1, 8));
        assert!(e.message.starts_with("codes: invalid type"), "{e}");
        let e = from_str::<T>("codes: &a [1]\nx: *a\n").expect_err("alias");
        assert_eq!((e.line, e.column, e.message.as_str()), (2, 4, ALIAS));
    }

    #[test]
    fn positions_are_stripped_anywhere() {
        assert_eq!(
            super::strip_positions("did not find ',' at line 2 column 1, while parsing"),
            "did not find ',', while parsing"
        );
        assert_eq!(super::strip_positions("bad at line 3 column 7"), "bad");
        assert_eq!(super::strip_positions("at line one"), "at line one");
    }
}
