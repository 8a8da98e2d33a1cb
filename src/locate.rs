//! Find where things are in a YAML source, so that problems found after parsing (an answer that
//! points nowhere, a duplicate code) can still be reported as `file:line:col`.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, Scanner, Token, TokenType};

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
        let mut parser = Parser::new_from_str(src);
        // Ignore scan errors: whatever was collected before the error is still useful.
        let _ = parser.load(&mut recv, false);
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

impl MarkedEventReceiver for Recv {
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

/// The line and column of the first `key: value` pair in `src` whose value is exactly `value`.
/// Used for flat files such as the catalog, where a full path scan would be overkill.
pub fn find_value_line(src: &str, key: &str, value: &str) -> Option<(usize, usize)> {
    src.lines().enumerate().find_map(|(i, line)| {
        let trimmed = line.trim_start_matches([' ', '-']);
        let col = line.len() - trimmed.len() + 1;
        let rest = trimmed.strip_prefix(key)?.strip_prefix(':')?;
        let v = rest
            .split('#')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches(['\'', '"']);
        (v == value).then_some((i + 1, col))
    })
}

/// Deepest nesting of mappings and sequences a flow file may have. Real flows use five; the
/// YAML reader gives up at 128 anyway, but only after a time that grows with the square of
/// the depth (100 000 `[` take minutes).
pub const MAX_DEPTH: usize = 64;

/// Why a source is refused before it is parsed, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hazard {
    pub line: usize,
    pub column: usize,
    pub message: &'static str,
}

const ALIAS: &str = "aliases ('*name') are not supported in flow files; write the text out";
const DEEP: &str = "nested more than 64 levels deep";

/// Refuse what would make the YAML reader run away, looking at tokens only (linear, nothing
/// expanded, nothing built):
/// - an alias (`*name`): it repeats its anchor's whole value when read, so a 1 MB file naming
///   a 300 KB string 200 000 times asks for 60 GB; flow files have no use for them;
/// - nesting deeper than [`MAX_DEPTH`].
///
/// Should the scanner stop on a syntax error, the rest of the text (from the error's line) is
/// searched conservatively for anything that could start an alias or nest deeper, so that a
/// reader with a different opinion about the error is never handed either unseen.
pub fn hazard(src: &str) -> Option<Hazard> {
    let at = |line, column, message| {
        Some(Hazard {
            line,
            column,
            message,
        })
    };
    if !src.contains(['*', '[', '{', '-', ':', '?']) {
        return None;
    }
    let mut scanner = Scanner::new(src.chars());
    let mut depth = 0usize;
    for Token(mark, token) in scanner.by_ref() {
        match token {
            TokenType::Alias(_) => return at(mark.line(), mark.col() + 1, ALIAS),
            TokenType::FlowSequenceStart
            | TokenType::FlowMappingStart
            | TokenType::BlockSequenceStart
            | TokenType::BlockMappingStart => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return at(mark.line(), mark.col() + 1, DEEP);
                }
            }
            TokenType::FlowSequenceEnd | TokenType::FlowMappingEnd | TokenType::BlockEnd => {
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    let err = scanner.get_error()?;
    // From the start of the error's line (its line number is unambiguous, unlike its index),
    // at the depth reached so far.
    let line = err.marker().line();
    let from = if line <= 1 {
        0
    } else {
        src.match_indices('\n')
            .nth(line - 2)
            .map_or(src.len(), |(i, _)| i + 1)
    };
    let rest = &src[from..];
    let mut naive = depth as isize;
    let mut prev: Option<char> = src[..from].chars().next_back();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let hit = match c {
            '[' | '{' => {
                naive += 1;
                (naive > MAX_DEPTH as isize).then_some(DEEP)
            }
            ']' | '}' => {
                naive -= 1;
                None
            }
            '*' => {
                let starts = prev.is_none_or(|b| b.is_whitespace() || "[{,:-".contains(b));
                let named = next.is_some_and(|a| !a.is_whitespace() && !"[]{},".contains(a));
                (starts && named).then_some(ALIAS)
            }
            _ => None,
        };
        if let Some(message) = hit {
            let before = &src[..from + i];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            return at(line, column, message);
        }
        prev = Some(c);
    }
    None
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
    fn find_value_line_finds_list_items() {
        let src = "- code: 1\n  x: y\n- code: 22 # c\n";
        assert_eq!(find_value_line(src, "code", "22"), Some((3, 3)));
        assert_eq!(find_value_line(src, "code", "2"), None);
    }

    #[test]
    fn aliases_are_refused_and_other_stars_are_not() {
        let pos = |src: &str| hazard(src).map(|h| (h.line, h.column, h.message));
        assert_eq!(pos("a: &x 1\nb: [*x]\n"), Some((2, 5, ALIAS)));
        assert_eq!(pos("a: \"[*].id\"\nb: '*x' # *y\nc: 2 * 3\n"), None);
        assert_eq!(pos("a: plain text, no star\n"), None);
        // After a syntax error the rest of the text is searched conservatively.
        assert_eq!(pos("a: \"unterminated\nb: *x\n"), Some((2, 4, ALIAS)));
        assert_eq!(pos("a: \"unterminated\nb: [*]\n"), None);
    }

    #[test]
    fn deep_nesting_is_refused_where_it_gets_too_deep() {
        let pos = |src: &str| hazard(src).map(|h| (h.line, h.column, h.message));
        let ok = format!("a: {}{}", "[".repeat(60), "]".repeat(60));
        assert_eq!(pos(&ok), None);
        // Pointed at where it gets too deep (the top-level mapping counts too), not at the end.
        let (line, col, msg) = pos(&format!("a: {}", "[".repeat(100_000))).expect("refused");
        assert_eq!((line, msg), (1, DEEP));
        assert!((60..=67).contains(&col), "{col}");
        assert_eq!(
            pos(&format!("a: {}", "{b: ".repeat(100_000))).map(|p| p.2),
            Some(DEEP)
        );
        let block: String = (0..80).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        assert_eq!(pos(&block).map(|p| p.2), Some(DEEP));
        assert_eq!(
            pos(&format!("a: \"x\nb: {}", "[".repeat(70))).map(|p| p.2),
            Some(DEEP)
        );
        assert_eq!(pos(SRC), None);
    }
}
