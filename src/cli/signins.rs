//! `signins FILE…`: what is failing across the tenant, from sign-in log exports; `--kql` prints
//! the same summary as a Log Analytics query.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::{Args, ValueEnum};

use aadsts_wizard::signins::read;
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
    /// Print the text table even on a terminal (there, without an output option, the table
    /// opens in the wizard).
    #[arg(long, conflicts_with_all = ["json", "csv", "kql"])]
    pub print: bool,
}

/// What `signins` did: printed its output, or read the files for the wizard's table.
pub enum Outcome {
    Done(ExitCode),
    /// Open the interactive table on these counts; `toast` names files that could not be read.
    Table {
        source: String,
        tally: Box<Tally>,
        toast: Option<String>,
    },
}

/// The files as the table's title names them: `a.json`, `a.json + 2 more`.
fn source_name(files: &[String]) -> String {
    let name = |f: &str| {
        if f == "-" {
            "<stdin>".to_string()
        } else {
            std::path::Path::new(f)
                .file_name()
                .map_or_else(|| f.to_string(), |n| n.to_string_lossy().into_owned())
        }
    };
    match files {
        [] => String::new(),
        [one] => name(one),
        [first, rest @ ..] => format!("{} + {} more", name(first), rest.len()),
    }
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

/// Whether the summary opens as the wizard's table: on a terminal, with no output option.
fn interactive(args: &SigninsArgs) -> bool {
    !(args.json || args.csv || args.kql || args.print)
        && std::io::stdout().is_terminal()
        && !std::env::var("TERM").is_ok_and(|t| t == "dumb")
}

pub fn run(args: &SigninsArgs, dirs: &crate::sources::FlowDirs) -> Result<Outcome> {
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
                    return Ok(Outcome::Done(ExitCode::from(2)));
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
        return Ok(Outcome::Done(ExitCode::SUCCESS));
    }
    let table = interactive(args);
    // The wizard loads the flows itself and shows their problems.
    let library = (!table).then(|| crate::sources::library(&catalog, dirs));
    if let Some(l) = &library {
        super::flows::report_problems(&l.problems);
    }
    let opts = Options {
        by: args.by.into(),
        since: bounds[0],
        until: bounds[1],
        include_expected: args.include_expected,
        expected: expected.into_iter().collect::<HashSet<u32>>(),
        table,
    };
    let mut tally = Tally::new(opts);
    let mut failed = false;
    let mut first_error = None;
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
                read::Counted(stdin, progress.bytes.clone()),
                &mut tally,
            )
            .map(|_| ())
        } else {
            read::read_file(file, &mut tally, &progress.bytes)
        };
        if let Err(e) = result {
            progress.clear();
            errln!("error: {e}");
            first_error.get_or_insert_with(|| e.to_string());
            failed = true;
        }
    }
    progress.stop();
    let Some(library) = library else {
        if failed && tally.stats.events == 0 {
            // Nothing to show: the errors above say why.
            return Ok(Outcome::Done(ExitCode::from(1)));
        }
        let toast = first_error.map(|e| format!("not read: {e}"));
        return Ok(Outcome::Table {
            source: source_name(&args.files),
            tally: Box::new(tally),
            toast,
        });
    };
    let summary = tally.finish(|code| CodeInfo::of(&catalog, &library, code));
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
    Ok(Outcome::Done(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }))
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

use aadsts_wizard::text::thousands;

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
