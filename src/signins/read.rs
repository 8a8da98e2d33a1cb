//! Streaming the records out of a sign-in export into a [`Tally`], whatever its shape, without
//! holding the file: JSON lines are parsed one line at a time from the read buffer, a JSON
//! document (an array, a Graph page with `value`, PowerShell's pretty-printed array) is cut into
//! one record at a time by a small scanner, CSV goes through the `csv` crate row by row, and
//! gzip is undone on the fly. A Log Analytics query API response (`{"tables": [{"columns":
//! [...], "rows": [[...]]}]}`, <https://learn.microsoft.com/azure/azure-monitor/logs/api/response-format>)
//! is read one row at a time the same way. A record that is not in the Graph shape goes through
//! the normaliser to become one. Memory stays flat: one record (capped at [`MAX_RECORD`]) plus
//! the counts.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use super::{Event, Source, Tally};

mod quick;
use quick::quick_success;

/// The shapes `signins` reads, for the error on a file that is none of them.
pub const ACCEPTED: &str = "expected a sign-in log export: Graph signIn JSON (JSON lines, a page with 'value', or an array), Get-MgBetaAuditLogSignIn | ConvertTo-Json, the Entra admin center's JSON or CSV download, or Log Analytics SigninLogs/AAD*SignInLogs rows as JSON (rows, or the query API's 'tables') or CSV (gzip too)";

/// The largest single record read; a longer line or object is counted malformed and skipped.
pub const MAX_RECORD: usize = 16 << 20;

/// How many records that are not sign-ins, at the start of a file, make it "not an export".
const GIVE_UP_AFTER: u64 = 200;

/// The read buffer: 128 KiB stays in the CPU's L2 cache between the kernel's copy into it and
/// the scan, and reads larger than that cost the kernel three times as much here (measured on
/// the benchmark's file: 0.25 s of system time at 128 KiB, 0.7–0.9 s from 192 KiB to 1 MiB).
const BUF: usize = 128 << 10;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{name}: not a sign-in export; {ACCEPTED}")]
    NotAnExport { name: String },
    #[error("reading {name}: {source}")]
    Io {
        name: String,
        #[source]
        source: io::Error,
    },
}

/// How a file was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    JsonLines,
    JsonDocument,
    Csv,
    Empty,
}

/// Read every record of `input` (named `name` in messages) into `tally`.
pub fn read(name: &str, input: impl Read, tally: &mut Tally) -> Result<Shape, ReadError> {
    let io_err = |source| ReadError::Io {
        name: name.to_string(),
        source,
    };
    let mut r = BufReader::with_capacity(BUF, input);
    let head = r.fill_buf().map_err(io_err)?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::read::MultiGzDecoder::new(r);
        return read_plain(name, BufReader::with_capacity(BUF, gz), tally);
    }
    read_plain(name, r, tally)
}

/// Whether a file starting with `head` is JSON lines (its first line a whole JSON object), so
/// that its parts can be read by [`read_json_lines`] separately (in parallel).
pub fn is_json_lines(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let head = head.trim_ascii_start();
    head.first() == Some(&b'{')
        && memchr::memchr(b'\n', head).is_some_and(|end| {
            serde_json::from_slice::<serde::de::IgnoredAny>(&head[..end]).is_ok()
        })
}

/// Read a part of a JSON lines file that starts at a line boundary; returns the number of
/// lines read, so the next part's line numbers can be shifted by it ([`Tally::merge`]). Only
/// the `first` part gives up on a file whose records are all junk ("not an export"); a later
/// part reads on, counting junk as malformed, as a sequential read past good events would.
pub fn read_json_lines(
    name: &str,
    input: impl Read,
    tally: &mut Tally,
    first: bool,
) -> Result<u64, ReadError> {
    let mut r = BufReader::with_capacity(BUF, input);
    let mut feeder = Feeder::new(name, tally);
    feeder.judge = first;
    let lines = jsonl(&mut r, &mut feeder, 0).map_err(|source| ReadError::Io {
        name: name.to_string(),
        source,
    })?;
    if first
        && feeder.tally.stats.events == feeder.events_before
        && (feeder.junk > 0 || feeder.gave_up)
    {
        return Err(ReadError::NotAnExport {
            name: name.to_string(),
        });
    }
    Ok(lines)
}

fn read_plain(name: &str, mut r: impl BufRead, tally: &mut Tally) -> Result<Shape, ReadError> {
    let io_err = |source| ReadError::Io {
        name: name.to_string(),
        source,
    };
    let head = r.fill_buf().map_err(io_err)?;
    if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        // Windows PowerShell 5's `>` writes UTF-16; say so rather than "not an export".
        return Err(io_err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the file is UTF-16; convert it first (PowerShell: Get-Content FILE | Set-Content -Encoding utf8 OUT)",
        )));
    }
    if head.starts_with(b"\xef\xbb\xbf") {
        r.consume(3);
    }
    let mut feeder = Feeder::new(name, tally);
    // Skip leading blank lines, counting them, and look at the first character.
    let mut line = 0u64;
    let first = loop {
        let buf = r.fill_buf().map_err(io_err)?;
        let Some(&b) = buf.first() else {
            break None;
        };
        if b == b'\n' {
            line += 1;
        }
        if b.is_ascii_whitespace() {
            r.consume(1);
            continue;
        }
        break Some(b);
    };
    let shape = match first {
        None => return Ok(Shape::Empty),
        Some(b'[') => {
            let mut doc = Doc::new(line);
            doc.run(&mut r, &mut feeder).map_err(io_err)?;
            Shape::JsonDocument
        }
        Some(b'{') => {
            // JSON lines if the first line is a whole JSON value; else a pretty-printed document.
            let mut first_line = Vec::new();
            (&mut r)
                .take(MAX_RECORD as u64)
                .read_until(b'\n', &mut first_line)
                .map_err(io_err)?;
            let complete = serde_json::from_slice::<serde::de::IgnoredAny>(&first_line).is_ok();
            // A query API response on one line is still read row by row, by the scanner.
            if complete && !is_tables(&first_line) {
                line += 1;
                feeder.record(&first_line, line);
                jsonl(&mut r, &mut feeder, line).map_err(io_err)?;
                Shape::JsonLines
            } else {
                let mut doc = Doc::new(line);
                doc.feed(&first_line, &mut feeder);
                doc.run(&mut r, &mut feeder).map_err(io_err)?;
                Shape::JsonDocument
            }
        }
        Some(_) => {
            csv_rows(&mut r, &mut feeder, line);
            Shape::Csv
        }
    };
    if feeder.tally.stats.events == feeder.events_before && (feeder.junk > 0 || feeder.gave_up) {
        return Err(ReadError::NotAnExport {
            name: name.to_string(),
        });
    }
    Ok(shape)
}

/// Whether a JSON object is a Log Analytics query API response (has a `tables` array).
fn is_tables(record: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        tables: Option<Vec<serde::de::IgnoredAny>>,
    }
    serde_json::from_slice::<Probe>(record).is_ok_and(|p| p.tables.is_some())
}

/// Hands records to the tally and keeps an eye on whether the file is an export at all.
struct Feeder<'a> {
    name: &'a str,
    tally: &'a mut Tally,
    events_before: u64,
    /// Records that were not sign-in events (or not readable).
    junk: u64,
    gave_up: bool,
    /// Whether this input may be found "not an export" (every input but a later part of a file
    /// read in parallel).
    judge: bool,
}

impl<'a> Feeder<'a> {
    /// A feeder for one input, remembering how many events the tally held before it.
    fn new(name: &'a str, tally: &'a mut Tally) -> Feeder<'a> {
        let events_before = tally.stats.events;
        Feeder {
            name,
            tally,
            events_before,
            junk: 0,
            gave_up: false,
            judge: true,
        }
    }
}

impl Feeder<'_> {
    /// Stop reading a file whose first records are all junk.
    fn done(&self) -> bool {
        self.gave_up
    }

    fn bad(&mut self, line: u64) {
        self.junk += 1;
        self.tally.malformed(self.name, line);
        self.check();
    }

    fn not_signin(&mut self) {
        self.junk += 1;
        self.tally.stats.not_signin += 1;
        self.check();
    }

    fn check(&mut self) {
        if self.judge && self.junk >= GIVE_UP_AFTER && self.tally.stats.events == self.events_before
        {
            self.gave_up = true;
        }
    }

    /// One JSON record (a line, an array element or a page's event) that starts on `line`.
    fn record(&mut self, bytes: &[u8], line: u64) {
        let bytes = bytes.trim_ascii();
        if bytes.is_empty() {
            return;
        }
        if quick_success(bytes) {
            self.tally.success();
            return;
        }
        // Checking the UTF-8 of the whole record once (fast for ASCII) lets serde_json skip the
        // check on each string; invalid UTF-8 goes the slow way and is reported there.
        let parsed = match std::str::from_utf8(bytes) {
            Ok(text) => serde_json::from_str::<Event>(text),
            Err(_) => serde_json::from_slice::<Event>(bytes),
        };
        match parsed {
            // A page on one line: when events are kept, each needs its own text.
            Ok(ev) if ev.value.is_some() && self.tally.options().table => self.other(bytes, line),
            Ok(ev) if ev.is_graph() || ev.value.is_some() => {
                self.tally.add_from(&ev, Some(Source::Graph(bytes)))
            }
            // Valid JSON of another shape (PascalCase, Log Analytics, portal) or a field of
            // another type: the normaliser decides.
            Ok(_) => self.other(bytes, line),
            Err(e) if e.is_data() => self.other(bytes, line),
            Err(_) => self.bad(line),
        }
    }

    fn other(&mut self, bytes: &[u8], line: u64) {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(v) => self.value(&v),
            Err(_) => self.bad(line),
        }
    }

    /// A record as a JSON value, in any shape the normaliser knows; a Graph page or a Log
    /// Analytics query API response gives its events one by one.
    fn value(&mut self, v: &Value) {
        if let Some(Value::Array(events)) = v.get("value") {
            for e in events {
                self.value(e);
            }
            return;
        }
        if let Some(Value::Array(tables)) = v.get("tables") {
            for t in tables {
                let names = column_names(&t["columns"]);
                for row in t["rows"].as_array().into_iter().flatten() {
                    match (&names, row.as_array()) {
                        (Some(names), Some(cells)) => self.value(&row_object(names, cells)),
                        _ => self.not_signin(),
                    }
                }
            }
            return;
        }
        match to_graph(v) {
            Some(graph) => match Event::deserialize_from(&graph) {
                Some(ev) if ev.is_graph() => {
                    self.tally.add_from(&ev, Some(Source::Normalised(&graph)))
                }
                _ => self.not_signin(),
            },
            None => self.not_signin(),
        }
    }
}

impl<'a> Event<'a> {
    fn deserialize_from(v: &'a Value) -> Option<Event<'a>> {
        serde::Deserialize::deserialize(v).ok()
    }
}

/// The column names of a query API table (`[{"name": .., "type": ..}]`), if it has them.
fn column_names(columns: &Value) -> Option<Vec<String>> {
    columns.as_array().map(|c| {
        c.iter()
            .map(|c| c["name"].as_str().unwrap_or_default().to_string())
            .collect()
    })
}

/// A query API row as one object, cell by column name.
fn row_object(names: &[String], cells: &[Value]) -> Value {
    Value::Object(
        names
            .iter()
            .zip(cells)
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect(),
    )
}

/// A record in another shape (PowerShell PascalCase, Log Analytics rows, the admin center's
/// download) turned into the Graph beta `signIn` shape by the one normaliser
/// ([`crate::evidence::normalise`]), or `None` when it is not a sign-in event.
fn to_graph(v: &Value) -> Option<Value> {
    let mut graph = crate::evidence::normalise(v).ok()?;
    // AADServicePrincipalSignInLogs and AADManagedIdentitySignInLogs have no CreatedDateTime
    // column (https://learn.microsoft.com/azure/azure-monitor/reference/tables/aadserviceprincipalsigninlogs),
    // and the normaliser drops the workspace's TimeGenerated: take that as the event's time.
    if graph.get("createdDateTime").is_none()
        && let (Some(t), Some(obj)) = (v.get("TimeGenerated"), graph.as_object_mut())
    {
        obj.insert("createdDateTime".to_string(), t.clone());
    }
    Some(graph)
}

/// JSON lines: each line parsed where it sits in the read buffer; only a line split across two
/// reads is copied.
fn jsonl(r: &mut impl BufRead, f: &mut Feeder, mut line: u64) -> io::Result<u64> {
    let mut carry: Vec<u8> = Vec::new();
    let mut skipping = false;
    loop {
        if f.done() {
            return Ok(line);
        }
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            if !carry.is_empty() && !skipping {
                line += 1;
                f.record(&carry, line);
            }
            return Ok(line);
        }
        let len = buf.len();
        let mut start = 0;
        while let Some(pos) = memchr::memchr(b'\n', &buf[start..]) {
            let end = start + pos;
            line += 1;
            if skipping {
                skipping = false;
            } else if carry.is_empty() {
                f.record(&buf[start..end], line);
            } else {
                carry.extend_from_slice(&buf[start..end]);
                f.record(&carry, line);
            }
            carry.clear();
            start = end + 1;
        }
        if !skipping {
            carry.extend_from_slice(&buf[start..]);
            if carry.len() > MAX_RECORD {
                f.bad(line + 1);
                carry = Vec::new();
                skipping = true;
            }
        }
        r.consume(len);
    }
}

/// Where the scanner is in a JSON document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Top {
    /// Between top-level values.
    Outside,
    /// In a top-level array: its elements are records.
    Array,
    /// In a top-level object: the object is a record, unless it turns out to be a page.
    Object,
    /// In a top-level object whose `value` array holds the records (a Graph page).
    Page,
    /// In a top-level object whose `tables` array holds Log Analytics query results: each
    /// table's `columns`, then its `rows`, each row an array of cells.
    Tables,
}

/// Where the scanner is inside one query API table (depth 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Other,
    Columns,
    Rows,
}

/// Cuts a JSON document into records without parsing it: tracks strings, escapes and depth.
struct Doc {
    top: Top,
    depth: u32,
    in_str: bool,
    esc: bool,
    rec: Vec<u8>,
    /// Depth at which the record being collected started, when one is.
    rec_depth: Option<u32>,
    rec_line: u64,
    too_long: bool,
    line: u64,
    /// The line of the last junk byte reported, so one bad line counts once.
    junk_line: u64,
    /// [`Top::Tables`]: the last bytes at a table's own level (to spot the `"columns"` and
    /// `"rows"` keys), the array being read, and the table's column names once read.
    table_text: Vec<u8>,
    part: Part,
    columns: Option<Vec<String>>,
}

impl Doc {
    fn new(line: u64) -> Doc {
        Doc {
            top: Top::Outside,
            depth: 0,
            in_str: false,
            esc: false,
            rec: Vec::new(),
            rec_depth: None,
            rec_line: 0,
            too_long: false,
            line,
            junk_line: 0,
            table_text: Vec::new(),
            part: Part::Other,
            columns: None,
        }
    }

    fn run(&mut self, r: &mut impl BufRead, f: &mut Feeder) -> io::Result<()> {
        loop {
            if f.done() {
                return Ok(());
            }
            let buf = r.fill_buf()?;
            if buf.is_empty() {
                if self.rec_depth.is_some() {
                    // Truncated: the last record never closed.
                    f.bad(self.rec_line + 1);
                }
                return Ok(());
            }
            let len = buf.len();
            self.feed(buf, f);
            r.consume(len);
        }
    }

    fn start(&mut self) {
        self.rec.clear();
        self.rec_depth = Some(self.depth);
        self.rec_line = self.line;
        self.too_long = false;
    }

    fn feed(&mut self, bytes: &[u8], f: &mut Feeder) {
        for &c in bytes {
            if self.in_str {
                if self.esc {
                    self.esc = false;
                } else if c == b'\\' {
                    self.esc = true;
                } else if c == b'"' {
                    self.in_str = false;
                } else if c == b'\n' {
                    self.line += 1;
                }
                self.push(c);
                continue;
            }
            match c {
                b'"' => {
                    self.in_str = true;
                    if self.is_bare_element() {
                        self.junk(f);
                    }
                    self.push(c);
                }
                b'{' | b'[' => {
                    match (self.top, self.depth) {
                        (Top::Outside, 0) if c == b'[' => self.top = Top::Array,
                        (Top::Outside, 0) => {
                            self.top = Top::Object;
                            self.start();
                        }
                        (Top::Array, 1) => self.start(),
                        (Top::Object, 1) if c == b'[' && ends_with_key(&self.rec, b"value") => {
                            self.top = Top::Page;
                            self.rec_depth = None;
                            self.rec.clear();
                        }
                        (Top::Object, 1) if c == b'[' && ends_with_key(&self.rec, b"tables") => {
                            self.top = Top::Tables;
                            self.rec_depth = None;
                            self.rec.clear();
                        }
                        (Top::Page, 2) => self.start(),
                        (Top::Tables, 2) if c == b'{' => {
                            self.columns = None;
                            self.table_text.clear();
                        }
                        (Top::Tables, 3) if c == b'[' => {
                            self.part = if ends_with_key(&self.table_text, b"columns") {
                                self.start();
                                Part::Columns
                            } else if ends_with_key(&self.table_text, b"rows") {
                                Part::Rows
                            } else {
                                Part::Other
                            };
                        }
                        (Top::Tables, 4) if c == b'[' && self.part == Part::Rows => self.start(),
                        _ => {}
                    }
                    self.push(c);
                    self.depth += 1;
                }
                b'}' | b']' => {
                    self.push(c);
                    if self.depth == 0 {
                        self.junk(f);
                        continue;
                    }
                    self.depth -= 1;
                    if self.rec_depth == Some(self.depth) {
                        self.rec_depth = None;
                        if self.too_long {
                            f.bad(self.rec_line + 1);
                        } else {
                            let rec = std::mem::take(&mut self.rec);
                            match (self.top, self.part) {
                                (Top::Tables, Part::Columns) => {
                                    self.columns = serde_json::from_slice::<Value>(&rec)
                                        .ok()
                                        .and_then(|v| column_names(&v));
                                    if self.columns.is_none() {
                                        f.bad(self.rec_line + 1);
                                    }
                                }
                                (Top::Tables, Part::Rows) => self.row(&rec, f),
                                _ => f.record(&rec, self.rec_line + 1),
                            }
                            self.rec = rec;
                        }
                    }
                    if self.top == Top::Tables && self.depth == 3 {
                        self.part = Part::Other;
                    }
                    if self.depth == 0 {
                        self.top = Top::Outside;
                    }
                }
                b'\n' => {
                    self.line += 1;
                    self.push(c);
                }
                c if c.is_ascii_whitespace() || c == b',' || c == b':' => self.push(c),
                _ => {
                    if self.depth == 0 || self.is_bare_element() {
                        self.junk(f);
                    } else {
                        self.push(c);
                    }
                }
            }
        }
    }

    /// Whether a value starting here is a top-level array's element that is not an object.
    fn is_bare_element(&self) -> bool {
        self.top == Top::Array && self.depth == 1 && self.rec_depth.is_none()
    }

    /// One query API row: its cells named by the table's columns, as one record. Rows before
    /// the columns cannot be read (the API writes the columns first).
    fn row(&self, rec: &[u8], f: &mut Feeder) {
        let line = self.rec_line + 1;
        match (&self.columns, serde_json::from_slice::<Vec<Value>>(rec)) {
            (Some(names), Ok(cells)) => f.value(&row_object(names, &cells)),
            _ => f.bad(line),
        }
    }

    fn push(&mut self, c: u8) {
        if self.top == Top::Tables && self.depth == 3 {
            // A table's own keys and scalars: only the last few bytes matter.
            if self.table_text.len() >= 256 {
                self.table_text.drain(..128);
            }
            self.table_text.push(c);
        }
        if self.rec_depth.is_some() && !self.too_long {
            if self.rec.len() >= MAX_RECORD {
                self.too_long = true;
                self.rec = Vec::new();
            } else {
                self.rec.push(c);
            }
        }
    }

    fn junk(&mut self, f: &mut Feeder) {
        if self.junk_line != self.line + 1 {
            self.junk_line = self.line + 1;
            f.bad(self.line + 1);
        }
    }
}

/// Whether an object's text so far ends with the key `"<key>":` (`value` holds a Graph page's
/// events, `tables` a query API response's tables).
fn ends_with_key(rec: &[u8], key: &[u8]) -> bool {
    rec.trim_ascii_end()
        .strip_suffix(b":")
        .map(<[u8]>::trim_ascii_end)
        .and_then(|r| r.strip_suffix(b"\""))
        .and_then(|r| r.strip_suffix(key))
        .is_some_and(|r| r.ends_with(b"\""))
}

/// CSV with a header row (the admin center's download, Log Analytics exports): the rows come
/// normalised from [`crate::evidence::csv_events`], one at a time. A header that names no
/// sign-in field makes the file "not an export"; a row that cannot be read is malformed.
fn csv_rows(r: &mut impl BufRead, f: &mut Feeder, line_offset: u64) {
    let Ok(mut rows) = crate::evidence::csv_events(r) else {
        f.gave_up = true;
        return;
    };
    loop {
        if f.done() {
            return;
        }
        let before = rows.warnings.len();
        let next = rows.next();
        for w in rows.warnings.iter().skip(before) {
            // "line N: why" for a row, "stopped reading the CSV: line N: why" at the end.
            let line = w
                .split("line ")
                .nth(1)
                .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
            f.junk += 1;
            f.tally.malformed(f.name, line + line_offset);
        }
        f.check();
        match next {
            Some(v) => match Event::deserialize_from(&v) {
                Some(ev) if ev.is_graph() => f.tally.add_from(&ev, Some(Source::Normalised(&v))),
                _ => f.not_signin(),
            },
            None => return,
        }
    }
}

/// Files at least this big are read by several threads, each taking a part (JSON lines only).
pub const PARALLEL_MIN: u64 = 32 << 20;

/// A file read in parallel is cut into this many parts per thread, taken in turn by whichever
/// thread is free. More parts let the other threads read on when one is held up by another
/// program, but each part counts its own groups until merged: with 4 per thread, the
/// benchmark's file took 0.05–0.1 s less wall time on a busy 2-CPU VM (nothing on an idle one)
/// and `--by ip` (27,000 distinct IPs) peaked at 187 MB instead of 145 MB. Memory wins.
const PARTS_PER_THREAD: u64 = 1;

/// Read one file; a large JSON lines file is cut at line boundaries into parts, read by one
/// thread per CPU (at most 8) and merged in order, so line numbers stay right (not for the
/// table's tally: see below).
pub fn read_file(file: &str, tally: &mut Tally, bytes: &Arc<AtomicU64>) -> Result<(), ReadError> {
    use std::io::{BufRead, Seek, SeekFrom};
    let io = |source| ReadError::Io {
        name: file.to_string(),
        source,
    };
    let mut f = std::fs::File::open(file).map_err(io)?;
    let meta = f.metadata().map_err(io)?;
    let len = meta.len();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8)) as u64;
    // The tests set a small threshold to reach this path with a small file.
    let min = std::env::var("AADSTS_WIZARD_SPLIT_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(PARALLEL_MIN);
    // The table's tally ([`super::Options::table`]) counts every view and keeps events: parts
    // read in parallel would each hold all of that until merged, so it reads on one thread.
    if meta.is_file() && len >= min && threads > 1 && !tally.options().table {
        let mut head = Vec::with_capacity(64 << 10);
        (&mut f).take(64 << 10).read_to_end(&mut head).map_err(io)?;
        if is_json_lines(&head) {
            let parts = threads * PARTS_PER_THREAD;
            let mut cuts = vec![0u64];
            for i in 1..parts {
                f.seek(SeekFrom::Start(len * i / parts)).map_err(io)?;
                let mut r = std::io::BufReader::new(&mut f);
                let mut skipped = Vec::new();
                let n = r.read_until(b'\n', &mut skipped).map_err(io)? as u64;
                let cut = len * i / parts + n;
                if cut > *cuts.last().unwrap_or(&0) && cut < len {
                    cuts.push(cut);
                }
            }
            cuts.push(len);
            return read_parts(file, &cuts, threads, tally, bytes);
        }
        f.seek(SeekFrom::Start(0)).map_err(io)?;
    }
    read(file, Counted(f, bytes.clone()), tally).map(|_| ())
}

/// Read the parts of `file` between consecutive `cuts` on `threads` threads, each taking the
/// next part when it is free, and merge them into `tally` in file order as they come in (the
/// parts are taken in order, so only a few wait to be merged). The first error in file order
/// is returned, with the parts before it merged, as a sequential read would.
fn read_parts(
    file: &str,
    cuts: &[u64],
    threads: u64,
    tally: &mut Tally,
    bytes: &Arc<AtomicU64>,
) -> Result<(), ReadError> {
    let opts = tally.options().clone();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel();
    let mut first_error = None;
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (tx, opts, next) = (tx.clone(), opts.clone(), &next);
                s.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&[start, end]) = cuts.get(i..i + 2) else {
                            return;
                        };
                        let part = read_part(file, start, end, i == 0, &opts, bytes);
                        if tx.send((i, part)).is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        let mut waiting = std::collections::BTreeMap::new();
        let (mut want, mut offset) = (0, 0);
        for (i, part) in rx {
            waiting.insert(i, part);
            while let Some(part) = waiting.remove(&want) {
                want += 1;
                match part {
                    Ok((t, lines)) if first_error.is_none() => {
                        tally.merge(t, offset);
                        offset += lines;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
        }
        let panicked = workers.into_iter().any(|w| w.join().is_err());
        if first_error.is_none() && (panicked || want + 1 < cuts.len()) {
            first_error = Some(ReadError::Io {
                name: file.to_string(),
                source: std::io::Error::other("a reader thread failed"),
            });
        }
    });
    first_error.map_or(Ok(()), Err)
}

/// Read the part `start..end` of `file` into a tally of its own; returns it with the number of
/// lines read. Only the first part can find that the file is not an export: a later one
/// starting with junk is a damaged stretch of an export whose first part had events.
fn read_part(
    file: &str,
    start: u64,
    end: u64,
    first: bool,
    opts: &super::Options,
    bytes: &Arc<AtomicU64>,
) -> Result<(Tally, u64), ReadError> {
    use std::io::{Seek, SeekFrom};
    let io = |source| ReadError::Io {
        name: file.to_string(),
        source,
    };
    let mut f = std::fs::File::open(file).map_err(io)?;
    f.seek(SeekFrom::Start(start)).map_err(io)?;
    let mut t = Tally::new(opts.clone());
    let part = Counted(f.take(end - start), bytes.clone());
    let lines = read_json_lines(file, part, &mut t, first)?;
    Ok((t, lines))
}

/// Counts the bytes read into the atomic, for a progress line.
pub struct Counted<R>(pub R, pub Arc<AtomicU64>);

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        self.1.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
