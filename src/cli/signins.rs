//! `signins FILE…`: what is failing across the tenant, from sign-in log exports; `--kql` prints
//! the same summary as a Log Analytics query.

use std::collections::HashSet;
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::{Args, ValueEnum};

use aadsts_wizard::signins::read::{self, ReadError};
use aadsts_wizard::signins::{
    CodeInfo, GroupBy, Options, Row, Summary, Tally, Top, kql, time as stime,
};
use aadsts_wizard::text::{Mode, SafeWriter};

#[derive(Debug, Args)]
pub struct SigninsArgs {
    /// Sign-in log exports: Graph JSON (lines, pages or arrays), PowerShell ConvertTo-Json,
    /// the admin center's JSON/CSV download, Log Analytics rows (JSON/CSV); .gz too; - is
    /// standard input.
    #[arg(value_name = "FILE", required_unless_present = "kql")]
    pub files: Vec<String>,
    /// Group the failures by this field.
    #[arg(long, value_enum, default_value_t = ByArg::Code)]
    pub by: ByArg,
    /// Only events at or after WHEN: a duration back from now (30m, 2h, 7d) or a time
    /// (2024-05-01T10:00:00Z, 2024-05-01).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only events at or before WHEN (same forms as --since).
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Also count codes that are expected noise (interrupts such as 50140, polling such as 70016).
    #[arg(long)]
    pub include_expected: bool,
    /// Print one JSON object (the rows and what was read).
    #[arg(long, conflicts_with_all = ["csv", "kql"])]
    pub json: bool,
    /// Print the rows as CSV.
    #[arg(long, conflicts_with = "kql")]
    pub csv: bool,
    /// Print the summary as a KQL query over SigninLogs and the other Entra sign-in tables, to
    /// run in Log Analytics or Microsoft Sentinel (no files needed).
    #[arg(long)]
    pub kql: bool,
    /// Show at most N rows (text output).
    #[arg(long, short = 'n', default_value_t = 25)]
    pub limit: usize,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ByArg {
    Code,
    App,
    User,
    Ip,
    Resource,
    Policy,
}

impl From<ByArg> for GroupBy {
    fn from(b: ByArg) -> GroupBy {
        match b {
            ByArg::Code => GroupBy::Code,
            ByArg::App => GroupBy::App,
            ByArg::User => GroupBy::User,
            ByArg::Ip => GroupBy::Ip,
            ByArg::Resource => GroupBy::Resource,
            ByArg::Policy => GroupBy::Policy,
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A `--since`/`--until` value as a bound for the query.
fn kql_bound(text: &str) -> Option<kql::Bound> {
    match stime::parse_duration(text) {
        Some(d) => Some(kql::Bound::Ago(d)),
        None => stime::parse_timestamp(text).map(kql::Bound::At),
    }
}

pub fn run(args: SigninsArgs, dirs: &crate::sources::FlowDirs) -> Result<ExitCode> {
    let catalog = super::catalog()?;
    let now = now();
    let mut bounds = [None, None];
    for (i, (flag, value)) in [("--since", &args.since), ("--until", &args.until)]
        .into_iter()
        .enumerate()
    {
        if let Some(v) = value {
            match stime::parse_bound(v, now) {
                Some(t) => bounds[i] = Some(t),
                None => {
                    errln!(
                        "error: {flag} '{v}' is neither a duration (30m, 2h, 7d) nor a time (2024-05-01T10:00:00Z)"
                    );
                    return Ok(ExitCode::from(2));
                }
            }
        }
    }
    let mut expected: Vec<u32> = catalog
        .entries()
        .iter()
        .filter(|e| e.expected)
        .map(|e| e.code)
        .collect();
    expected.sort_unstable();
    if args.kql {
        let q = kql::Query {
            by: args.by.into(),
            since: args.since.as_deref().and_then(kql_bound),
            until: args.until.as_deref().and_then(kql_bound),
            include_expected: args.include_expected,
            expected,
        };
        out!("{}", kql::query(&q));
        return Ok(ExitCode::SUCCESS);
    }
    let library = crate::sources::library(&catalog, dirs);
    super::flows::report_problems(&library.problems);
    let opts = Options {
        by: args.by.into(),
        since: bounds[0],
        until: bounds[1],
        include_expected: args.include_expected,
        expected: expected.into_iter().collect::<HashSet<u32>>(),
        table: false,
    };
    let mut tally = Tally::new(opts);
    let mut failed = false;
    let total: u64 = args
        .files
        .iter()
        .filter(|f| f.as_str() != "-")
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let progress = Progress::start(total);
    for file in &args.files {
        let result = if file == "-" {
            let stdin = std::io::stdin().lock();
            read::read(
                "<stdin>",
                Counted(stdin, progress.bytes.clone()),
                &mut tally,
            )
            .map(|_| ())
        } else {
            read_file(file, &mut tally, &progress.bytes)
        };
        if let Err(e) = result {
            progress.clear();
            errln!("error: {e}");
            failed = true;
        }
    }
    progress.stop();
    let summary = tally.finish(|code| {
        let e = catalog.get(code);
        CodeInfo {
            name: e.and_then(|e| e.name.clone()),
            expected: e.is_some_and(|e| e.expected),
            has_flow: library.has_flow(code),
        }
    });
    let st = &summary.stats;
    if st.malformed > 0 {
        errln!(
            "warning: {} malformed record(s) skipped; first at {}",
            st.malformed,
            st.malformed_at
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if args.json {
        jsonln!(&summary);
    } else if args.csv {
        write_csv(&summary)?;
    } else {
        write_text(&summary, args.limit)?;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Files at least this big are read by several threads, each taking a part (JSON lines only).
const PARALLEL_MIN: u64 = 32 << 20;

/// Read one file; a large JSON lines file is cut at line boundaries into one part per CPU (at
/// most 8), read in parallel and merged in order, so line numbers stay right.
fn read_file(file: &str, tally: &mut Tally, bytes: &Arc<AtomicU64>) -> Result<(), ReadError> {
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
    if meta.is_file() && len >= min && threads > 1 {
        let mut head = Vec::with_capacity(64 << 10);
        (&mut f).take(64 << 10).read_to_end(&mut head).map_err(io)?;
        if read::is_json_lines(&head) {
            let mut cuts = vec![0u64];
            for i in 1..threads {
                f.seek(SeekFrom::Start(len * i / threads)).map_err(io)?;
                let mut r = std::io::BufReader::new(&mut f);
                let mut skipped = Vec::new();
                let n = r.read_until(b'\n', &mut skipped).map_err(io)? as u64;
                let cut = len * i / threads + n;
                if cut > *cuts.last().unwrap_or(&0) && cut < len {
                    cuts.push(cut);
                }
            }
            cuts.push(len);
            let opts = tally.options().clone();
            let parts: Vec<Result<(Tally, u64), ReadError>> = std::thread::scope(|s| {
                let handles: Vec<_> = cuts
                    .windows(2)
                    .map(|w| {
                        let (start, end) = (w[0], w[1]);
                        let opts = opts.clone();
                        s.spawn(move || {
                            let mut f = std::fs::File::open(file).map_err(io)?;
                            f.seek(SeekFrom::Start(start)).map_err(io)?;
                            let mut t = Tally::new(opts);
                            let part = Counted(f.take(end - start), bytes.clone());
                            let lines = read::read_json_lines(file, part, &mut t)?;
                            Ok((t, lines))
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(io(std::io::Error::other("a reader thread failed")))
                        })
                    })
                    .collect()
            });
            let mut offset = 0;
            for part in parts {
                let (t, lines) = part?;
                tally.merge(t, offset);
                offset += lines;
            }
            return Ok(());
        }
        f.seek(SeekFrom::Start(0)).map_err(io)?;
    }
    read::read(file, Counted(f, bytes.clone()), tally).map(|_| ())
}

/// Counts the bytes read, for the progress line.
struct Counted<R>(R, Arc<AtomicU64>);

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        self.1.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A progress line on stderr, only when stderr is a terminal and reading takes over a second.
struct Progress {
    bytes: Arc<AtomicU64>,
    done: Arc<AtomicBool>,
    shown: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(total: u64) -> Progress {
        let bytes = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let shown = Arc::new(AtomicBool::new(false));
        let thread = std::io::stderr().is_terminal().then(|| {
            let (bytes, done, shown) = (bytes.clone(), done.clone(), shown.clone());
            std::thread::spawn(move || {
                let start = Instant::now();
                while !done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    if start.elapsed() < Duration::from_secs(1) || done.load(Ordering::Relaxed) {
                        continue;
                    }
                    let read = bytes.load(Ordering::Relaxed);
                    let mb = read as f64 / 1e6;
                    let rate = mb / start.elapsed().as_secs_f64();
                    let text = if total > 0 && read <= total {
                        format!(
                            "reading sign-ins: {mb:.0} of {:.0} MB ({:.0}%), {rate:.0} MB/s",
                            total as f64 / 1e6,
                            read as f64 * 100.0 / total as f64
                        )
                    } else {
                        format!("reading sign-ins: {mb:.0} MB, {rate:.0} MB/s")
                    };
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[K{text}");
                    let _ = err.flush();
                    shown.store(true, Ordering::Relaxed);
                }
            })
        });
        Progress {
            bytes,
            done,
            shown,
            thread,
        }
    }

    /// Erase the progress line (before an error message, and at the end).
    fn clear(&self) {
        if self.shown.swap(false, Ordering::Relaxed) {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        }
    }

    fn stop(mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.clear();
    }
}

fn group_label(by: GroupBy) -> &'static str {
    match by {
        GroupBy::Code => "CODE",
        GroupBy::App => "APP",
        GroupBy::User => "USER",
        GroupBy::Ip => "IP",
        GroupBy::Resource => "RESOURCE",
        GroupBy::Policy => "FAILED CA POLICY",
    }
}

fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// `1,234,567`
fn thousands(n: u64) -> String {
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

/// `2024-05-01 10:00` from `2024-05-01T10:00:00Z`.
fn short_time(t: &Option<String>) -> String {
    t.as_deref()
        .map(|t| t.get(..16).unwrap_or(t).replace('T', " "))
        .unwrap_or_else(|| "-".to_string())
}

fn top(label: &str, t: &Option<Top>) -> Option<String> {
    t.as_ref()
        .filter(|t| t.value != aadsts_wizard::signins::NONE_KEY)
        .map(|t| format!("{label}{} ({})", cut(&t.value, 40), thousands(t.count)))
}

fn write_text(s: &Summary, limit: usize) -> Result<()> {
    let mut out = SafeWriter::new(std::io::stdout().lock(), Mode::Text);
    let st = &s.stats;
    let mut read = format!(
        "{} sign-in events read: {} failures counted, {} successes",
        thousands(st.events),
        thousands(st.failures),
        thousands(st.successes)
    );
    if st.expected_skipped > 0 {
        read.push_str(&format!(
            ", {} expected (interrupts, polling) left out (--include-expected)",
            thousands(st.expected_skipped)
        ));
    }
    if st.outside_window > 0 || st.no_time > 0 {
        read.push_str(&format!(
            ", {} outside the time window",
            thousands(st.outside_window + st.no_time)
        ));
    }
    writeln!(out, "{}", super::wrap(&read, 100, 2))?;
    if let (Some(a), Some(b)) = (&s.first_event, &s.last_event) {
        writeln!(
            out,
            "failures from {} to {} UTC",
            short_time(&Some(a.clone())),
            short_time(&Some(b.clone()))
        )?;
    }
    if s.rows.is_empty() {
        writeln!(out, "\nno failures to show")?;
        if st.outside_window > 0 && s.since.is_some() {
            writeln!(
                out,
                "(--since with a duration counts back from now; for an older export give a time: --since 2024-05-01T10:00:00Z)"
            )?;
        }
        return Ok(());
    }
    let is_code = s.by == GroupBy::Code;
    let key_width = if is_code { 13 } else { 32 };
    writeln!(
        out,
        "\n{:>9}  {:<key_width$} {:<30} {:>6} {:>5}  {:<16}  {:<16}",
        "FAILURES",
        group_label(s.by),
        if is_code { "NAME" } else { "TOP CODE" },
        "USERS",
        "APPS",
        "FIRST SEEN",
        "LAST SEEN"
    )?;
    for r in s.rows.iter().take(limit) {
        write_row(&mut out, s.by, r, key_width)?;
    }
    if s.rows.len() > limit {
        writeln!(
            out,
            "\n… and {} more rows (-n {} shows them all)",
            s.rows.len() - limit,
            s.rows.len()
        )?;
    }
    let next = s.rows.iter().find(|r| r.has_flow).and_then(|r| {
        if is_code {
            Some(&r.key)
        } else {
            r.top_code.as_ref().map(|t| &t.value)
        }
    });
    if let Some(code) = next {
        writeln!(
            out,
            "\nNext: aadsts-wizard walk {code}   (▶ = has a diagnosis flow; ~ = expected noise)"
        )?;
    }
    Ok(())
}

fn write_row(out: &mut impl Write, by: GroupBy, r: &Row, key_width: usize) -> Result<()> {
    let is_code = by == GroupBy::Code;
    let key = if is_code {
        format!("AADSTS{}", r.key)
    } else {
        cut(&r.key, key_width)
    };
    let second = if is_code {
        r.name
            .clone()
            .unwrap_or_else(|| "(not in the catalog)".into())
    } else {
        r.top_code
            .as_ref()
            .map(|t| format!("{} ({})", t.value, thousands(t.count)))
            .unwrap_or_default()
    };
    let mark = match (r.has_flow, r.expected) {
        (_, true) => "~",
        (true, false) => "▶",
        (false, false) => " ",
    };
    writeln!(
        out,
        "{:>9} {mark}{:<key_width$} {:<30} {:>6} {:>5}  {:<16}  {:<16}",
        thousands(r.count),
        key,
        cut(&second, 30),
        thousands(r.users),
        thousands(r.apps),
        short_time(&r.first_seen),
        short_time(&r.last_seen),
    )?;
    let tops: Vec<String> = [
        (!matches!(by, GroupBy::App)).then(|| top("app ", &r.top_app)),
        (!matches!(by, GroupBy::User)).then(|| top("user ", &r.top_user)),
        (!matches!(by, GroupBy::Ip)).then(|| top("IP ", &r.top_ip)),
        Some(top("", &r.top_location)),
        Some(top("client ", &r.top_client_app)),
    ]
    .into_iter()
    .flatten()
    .flatten()
    .collect();
    if !tops.is_empty() {
        writeln!(
            out,
            "{:11}{}",
            "",
            super::wrap(&format!("top: {}", tops.join(" · ")), 88, 11)
        )?;
    }
    if let Some(c) = &r.change {
        writeln!(out, "{:11}{c}", "")?;
    }
    Ok(())
}

fn write_csv(s: &Summary) -> Result<()> {
    let out = SafeWriter::new(std::io::stdout().lock(), Mode::Text);
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        s.by.as_str(),
        "name",
        "count",
        "users",
        "apps",
        "codes",
        "first_seen",
        "last_seen",
        "top_app",
        "top_app_count",
        "top_user",
        "top_user_count",
        "top_ip",
        "top_ip_count",
        "top_location",
        "top_location_count",
        "top_client_app",
        "top_client_app_count",
        "top_code",
        "top_code_count",
        "expected",
        "has_flow",
        "change",
        "latest_request_id",
    ])?;
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    let t = |t: &Option<Top>| -> [String; 2] {
        t.as_ref().map_or([String::new(), String::new()], |t| {
            [t.value.clone(), t.count.to_string()]
        })
    };
    for r in &s.rows {
        let mut rec = vec![
            r.key.clone(),
            opt(&r.name),
            r.count.to_string(),
            r.users.to_string(),
            r.apps.to_string(),
            r.codes.to_string(),
            opt(&r.first_seen),
            opt(&r.last_seen),
        ];
        for x in [
            &r.top_app,
            &r.top_user,
            &r.top_ip,
            &r.top_location,
            &r.top_client_app,
            &r.top_code,
        ] {
            rec.extend(t(x));
        }
        rec.push(r.expected.to_string());
        rec.push(r.has_flow.to_string());
        rec.push(opt(&r.change));
        rec.push(opt(&r.latest_request_id));
        w.write_record(&rec)?;
    }
    w.flush()?;
    Ok(())
}
