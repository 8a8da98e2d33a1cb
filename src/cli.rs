//! The command line: argument definitions and the subcommands that print (lookup, search,
//! flows, walk). Everything here calls the library, prints, and picks an exit code.

/// Print through the one sanitiser ([`aadsts_wizard::text`]): escape sequences in flow,
/// catalog or pasted text and in arguments never reach the terminal raw.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let mut w = aadsts_wizard::text::SafeWriter::new(std::io::stdout().lock(), aadsts_wizard::text::Mode::Text);
        let _ = writeln!(w, $($t)*);
    }};
}
/// `print!` through the sanitiser.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let mut w = aadsts_wizard::text::SafeWriter::new(std::io::stdout().lock(), aadsts_wizard::text::Mode::Text);
        let _ = write!(w, $($t)*);
    }};
}
/// `eprintln!` through the sanitiser.
macro_rules! errln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let mut w = aadsts_wizard::text::SafeWriter::new(std::io::stderr().lock(), aadsts_wizard::text::Mode::Text);
        let _ = writeln!(w, $($t)*);
    }};
}
/// Pretty JSON on stdout; C1 and bidi controls inside strings are written as `\uXXXX`.
macro_rules! jsonln {
    ($v:expr) => {{
        use std::io::Write as _;
        let text = serde_json::to_string_pretty($v)?;
        let mut w = aadsts_wizard::text::SafeWriter::new(
            std::io::stdout().lock(),
            aadsts_wizard::text::Mode::Json,
        );
        let _ = writeln!(w, "{text}");
    }};
}

mod flows;
mod signins;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use aadsts_wizard::catalog::{Catalog, Entry, LookupError};
use aadsts_wizard::embedded;
use aadsts_wizard::flow::library::Library;
use aadsts_wizard::json;
use aadsts_wizard::search::Searcher;

/// Diagnose Microsoft Entra ID (Azure AD) AADSTS sign-in errors.
///
/// With no subcommand, opens the interactive wizard (optionally at CODE).
#[derive(Debug, Parser)]
#[command(
    name = "aadsts-wizard",
    version,
    about,
    // The wizard's keys, from the table its help overlay shows (also in `man`).
    after_long_help = aadsts_wizard::tui::keys::help_text()
)]
pub struct Args {
    /// Open the wizard at this code (50012 or AADSTS50012).
    #[arg(value_name = "CODE")]
    pub code: Option<String>,

    /// A value for the wizard's commands, e.g. --var app-id=1111...; repeatable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// Quit when a command is chosen (Enter or c) and print it to stdout.
    #[arg(long)]
    pub print: bool,

    /// Start from the error text on the clipboard: find its code and open it.
    #[arg(long)]
    pub paste: bool,

    /// How to copy [default: auto, or `copy:` in the config file].
    #[arg(long, value_enum, value_name = "MODE")]
    pub copy: Option<aadsts_wizard::config::CopyMode>,

    /// The commands tab shown first [default: az, or `shell:` in the config file].
    #[arg(long, value_enum, value_name = "SHELL")]
    pub shell: Option<aadsts_wizard::command::Shell>,

    /// Do not offer or remember typed values (app id, tenant, UPN) this session.
    #[arg(long)]
    pub no_history: bool,

    /// Also load flows from this folder or file (repeatable); overrides built-in flows.
    #[arg(long = "flows", value_name = "DIR", global = true)]
    pub flows: Vec<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what a code means, who fixes it and related codes.
    Lookup {
        /// The code: 50012, AADSTS50012 or "aadsts 50012".
        code: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Find codes by number, prefix, name or symptom words ("expired secret").
    Search {
        /// What to look for; several words are one query.
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// Show at most N results.
        #[arg(long, short = 'n', default_value_t = 10)]
        limit: usize,
        /// Print a JSON array instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check, list and show diagnosis flows.
    #[command(subcommand)]
    Flows(flows::FlowsCommand),
    /// Walk a code's flow without the TUI: follow answers, print the question or the leaf.
    Walk(flows::WalkArgs),
    /// Read a pasted error (az, MSAL, token JSON, logs, a browser page) and name its codes,
    /// ids, app and tenant.
    Explain {
        /// A file holding the error text, or - (the default) for standard input.
        #[arg(default_value = "-")]
        file: std::path::PathBuf,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// Open the wizard at the primary code with the values found.
        #[arg(long, conflicts_with = "json")]
        open: bool,
    },
    /// What is failing across the tenant: sign-in log exports summarised by error code (or
    /// app, user, IP, resource, Conditional Access policy), with what changed.
    Signins(signins::SigninsArgs),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish.
    ///
    /// bash: `source <(aadsts-wizard completions bash)` in ~/.bashrc;
    /// zsh: `aadsts-wizard completions zsh > ~/.zfunc/_aadsts-wizard`;
    /// fish: `aadsts-wizard completions fish > ~/.config/fish/completions/aadsts-wizard.fish`;
    /// PowerShell: `aadsts-wizard completions powershell | Out-String | Invoke-Expression` in $PROFILE.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `aadsts-wizard man | man -l -`.
    Man,
}

/// The embedded catalog; a failure here is a build defect, reported rather than panicking.
pub(crate) fn catalog() -> Result<Catalog> {
    embedded::catalog().map_err(|errs| {
        let lines: Vec<String> = errs.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("the embedded catalog is invalid:\n{}", lines.join("\n"))
    })
}

pub fn run(args: Args) -> Result<ExitCode> {
    match &args.command {
        Some(Command::Completions { shell }) => {
            let mut cmd = <Args as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "aadsts-wizard", &mut std::io::stdout());
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Man) => {
            let cmd = <Args as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd)
                .render(&mut std::io::stdout())
                .context("writing the manual page")?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let (config, warning) = crate::sources::config();
    if let Some(w) = &warning {
        errln!("warning: {w}");
    }
    let dirs = crate::sources::FlowDirs {
        config: config.flows.clone(),
        cli: args.flows.clone(),
    };
    match args.command {
        Some(Command::Lookup { code, json }) => {
            let catalog = catalog()?;
            let library = crate::sources::library(&catalog, &dirs);
            flows::report_problems(&library.problems);
            lookup(&catalog, &library, &code, json)
        }
        Some(Command::Search { query, limit, json }) => {
            let catalog = catalog()?;
            let library = crate::sources::library(&catalog, &dirs);
            flows::report_problems(&library.problems);
            search(&catalog, &library, &query.join(" "), limit, json)
        }
        Some(Command::Flows(cmd)) => flows::run_flows(cmd, &dirs),
        Some(Command::Walk(w)) => flows::walk(w, &dirs),
        Some(Command::Signins(ref s)) => match signins::run(s, &dirs)? {
            signins::Outcome::Done(code) => Ok(code),
            signins::Outcome::Table {
                source,
                tally,
                toast,
            } => run_wizard(
                &args,
                &Setup {
                    config,
                    warning: match (warning, toast) {
                        (Some(a), Some(b)) => Some(format!("{a} · {b}")),
                        (a, b) => a.or(b),
                    },
                    dirs,
                },
                Start::Signins(source, tally),
            ),
        },
        // Answered above, before the config file is read.
        Some(Command::Completions { .. } | Command::Man) => Ok(ExitCode::SUCCESS),
        Some(Command::Explain {
            ref file,
            json,
            open,
        }) => explain(
            &args,
            &Setup {
                config,
                warning,
                dirs,
            },
            file,
            json,
            open,
        ),
        None => run_wizard(
            &args,
            &Setup {
                config,
                warning,
                dirs,
            },
            Start::Plain,
        ),
    }
}

/// What every command reads before it starts: the config file and the flow folders.
pub(crate) struct Setup {
    config: aadsts_wizard::config::Config,
    /// Why the config file was not used, if it was not.
    warning: Option<String>,
    dirs: crate::sources::FlowDirs,
}

/// Read a file or stdin for `explain`, invalid UTF-8 replaced, in bounded memory: a long text
/// comes back as the parts around its codes (`explain::read_focused`). Devices such as
/// `/dev/zero` are refused (they never end); pipes and regular files are read.
fn read_input(path: &std::path::Path) -> Result<String> {
    if path.as_os_str() == "-" {
        return aadsts_wizard::explain::read_focused(std::io::stdin().lock())
            .context("reading standard input");
    }
    // The name as shown (a name that is not UTF-8 is shown with U+FFFD, but opened as it is).
    let file = path.display();
    let f = std::fs::File::open(path).with_context(|| format!("reading {file}"))?;
    let meta = f.metadata().with_context(|| format!("reading {file}"))?;
    #[cfg(unix)]
    let readable = {
        use std::os::unix::fs::FileTypeExt;
        meta.is_file() || meta.file_type().is_fifo()
    };
    #[cfg(not(unix))]
    let readable = meta.is_file();
    if !readable {
        anyhow::bail!("{file}: not a regular file or a pipe");
    }
    aadsts_wizard::explain::read_focused(f).with_context(|| format!("reading {file}"))
}

fn explain(
    args: &Args,
    setup: &Setup,
    file: &std::path::Path,
    json: bool,
    open: bool,
) -> Result<ExitCode> {
    let text = read_input(file)?;
    let ex = aadsts_wizard::explain::explain(&text);
    if open {
        if ex.primary_code.is_none() {
            errln!("no AADSTS code found in the text");
            return Ok(ExitCode::from(1));
        }
        return run_wizard(args, setup, Start::Paste(text));
    }
    let found = ex.primary_code.is_some();
    // The commands that fetch the error's sign-in event, by its trace (or correlation) id.
    let id_values = aadsts_wizard::evidence::fetch::with_ids(
        &aadsts_wizard::command::Values::new(),
        ex.trace_id.as_deref(),
        ex.correlation_id.as_deref(),
    );
    let fetch = aadsts_wizard::evidence::fetch::leaf(&id_values);
    if json {
        let fetch_event = fetch.map(|(ff, id)| json::Node::new(ff, id, &id_values, None));
        jsonln!(&json::Explain::new(&ex, fetch_event));
    } else if found {
        let catalog = catalog()?;
        let mut out = aadsts_wizard::text::SafeWriter::new(
            std::io::stdout().lock(),
            aadsts_wizard::text::Mode::Text,
        );
        for code in &ex.codes {
            match catalog.get(*code) {
                Some(e) => {
                    let name = e
                        .name
                        .as_deref()
                        .map(|n| format!("  {n}"))
                        .unwrap_or_default();
                    writeln!(out, "AADSTS{code}{name}\n  {}", wrap(&e.summary, 76, 2))?;
                }
                None => writeln!(
                    out,
                    "AADSTS{code}  (not in the catalog; see {})",
                    aadsts_wizard::catalog::lookup_url(*code)
                )?,
            }
        }
        writeln!(out)?;
        for (label, v) in [
            ("error", &ex.error),
            ("trace id", &ex.trace_id),
            ("correlation id", &ex.correlation_id),
            ("timestamp", &ex.timestamp),
            ("app id", &ex.app_id),
            ("tenant", &ex.tenant),
            ("user", &ex.upn),
        ] {
            if let Some(v) = v {
                writeln!(out, "  {label:<15} {v}")?;
            }
        }
        if let Some((ff, id)) = fetch {
            writeln!(
                out,
                "\nFetch its sign-in event (read-only; save the output and load it with --evidence):{}",
                flows::commands_text(ff, id, &id_values, args.shell).trim_end()
            )?;
        }
        if let Some(code) = ex.primary_code {
            // Only the values the code's flow (or the sign-in event lookup) takes: `--var`
            // refuses other names.
            let library = crate::sources::library(&catalog, &setup.dirs);
            let takes = |name: &str, value: &str| {
                library
                    .for_code_or_fallback(code)
                    .and_then(|f| f.placeholder(name))
                    .or_else(|| {
                        aadsts_wizard::evidence::fetch::flow().and_then(|f| f.placeholder(name))
                    })
                    .is_some_and(|p| p.kind.check(value).is_ok())
            };
            let mut next = format!("aadsts-wizard {code}");
            let ids = [
                aadsts_wizard::flow::names::TRACE_ID,
                aadsts_wizard::flow::names::CORRELATION_ID,
            ];
            let values = ex.values();
            // One id is enough: the trace id when there is one.
            let id = values.iter().find(|(n, _)| ids.contains(n));
            for (name, v) in values.iter().filter(|(n, _)| !ids.contains(n)).chain(id) {
                if takes(name, v) {
                    next.push_str(&format!(" --var {name}={v}"));
                }
            }
            writeln!(out, "\nNext: {next}")?;
        }
    }
    if !found {
        errln!("no AADSTS code found in the text");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// What the wizard opens on.
enum Start {
    /// The search screen, or `CODE` from the arguments.
    Plain,
    /// Error text to explain and open.
    Paste(String),
    /// The sign-in table (`signins FILE...`): the files' names and their counts.
    Signins(String, Box<aadsts_wizard::signins::Tally>),
}

/// Open the interactive wizard.
fn run_wizard(args: &Args, setup: &Setup, start: Start) -> Result<ExitCode> {
    // With text piped in (`explain - --open`, `signins -`), keys come from the terminal
    // (/dev/tty, CONIN$ on Windows) instead of stdin; with `--print` and stdout captured
    // (`cmd=$(aadsts-wizard --print)`), the wizard draws there.
    use aadsts_wizard::tui::{TERMINAL_IN, TERMINAL_OUT};
    let tty_in = || std::fs::File::open(TERMINAL_IN).is_ok();
    let tty_out = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open(TERMINAL_OUT)
            .is_ok()
    };
    let piped = !matches!(start, Start::Plain);
    let stdin_ok = std::io::stdin().is_terminal() || ((piped || args.print) && tty_in());
    let stdout_ok = std::io::stdout().is_terminal() || (args.print && tty_out());
    let catalog = catalog()?;
    let library = crate::sources::library(&catalog, &setup.dirs);
    let problems = library.problems.first().map(|p| {
        format!(
            "{} flow problem(s), those files skipped; first: {p}",
            library.problems.len()
        )
    });
    let toast = match (setup.warning.clone(), problems) {
        (Some(a), Some(b)) => Some(format!("{a} · {b}")),
        (a, b) => a.or(b),
    };
    let config = &setup.config;
    let copy_mode = args.copy.unwrap_or(config.copy);
    let history = (config.history && !args.no_history)
        .then(aadsts_wizard::tui::store::history_path)
        .flatten();
    let mut opts = aadsts_wizard::tui::Options {
        print: args.print,
        toast,
        copy_mode,
        shell: Some(args.shell.unwrap_or(config.shell)),
        no_color: !config.color,
        history,
        notes_dir: config.notes_dir.clone(),
        mouse: config.mouse,
        ..Default::default()
    };
    if let Some(text) = &args.code {
        match aadsts_wizard::catalog::parse_code(text) {
            Some(code) if catalog.get(code).is_some() => opts.code = Some(code),
            Some(_) => opts.query = Some(text.clone()),
            None => {
                errln!("error: '{text}' is not an AADSTS code (expected digits such as 50012)");
                errln!("usage: aadsts-wizard [CODE] [--var NAME=VALUE]... | aadsts-wizard --help");
                return Ok(ExitCode::from(2));
            }
        }
    }
    if !args.vars.is_empty() {
        // The same check as `walk`: the opened code's flow, or every flow without a code.
        match aadsts_wizard::flow::vars::parse_for(&library, opts.code, &args.vars) {
            Ok(values) => opts.values = values,
            Err(e) => {
                errln!("error: {e}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    // Arguments are checked first, so a bad one is named even without a terminal.
    if !stdout_ok || !stdin_ok {
        errln!(
            "aadsts-wizard: the interactive wizard needs a terminal; try: aadsts-wizard lookup 50012"
        );
        return Ok(ExitCode::from(2));
    }
    // A terminal that says it cannot move the cursor (Emacs shell buffers, some CI consoles)
    // would show the full-screen wizard as a stream of escape codes.
    if std::env::var("TERM").is_ok_and(|t| t == "dumb") {
        errln!(
            "aadsts-wizard: TERM=dumb cannot show the wizard; use the commands instead, e.g. aadsts-wizard walk 50012"
        );
        return Ok(ExitCode::from(2));
    }
    match start {
        Start::Plain => {}
        Start::Paste(text) => opts.paste = Some(text),
        Start::Signins(source, tally) => opts.signins = Some((source, tally)),
    }
    if args.paste {
        match aadsts_wizard::tui::clipboard::read_text() {
            Ok(text) => opts.paste = Some(text),
            Err(e) => {
                errln!(
                    "error: cannot read the clipboard ({e}); save the text and run: aadsts-wizard explain FILE --open"
                );
                return Ok(ExitCode::from(1));
            }
        }
    }
    let data = aadsts_wizard::tui::app::Data {
        catalog,
        library,
        searcher: aadsts_wizard::search::Searcher::new(),
    };
    let chosen = aadsts_wizard::tui::run(&data, opts)?;
    let signal = aadsts_wizard::tui::ENDED_BY_SIGNAL.load(std::sync::atomic::Ordering::Relaxed);
    if signal != 0 {
        // Ended by SIGTERM, SIGHUP, SIGINT or a lost terminal: 128 + N, as shells report it.
        return Ok(ExitCode::from((128 + signal).min(255) as u8));
    }
    if let Some(cmd) = chosen {
        outln!("{cmd}");
    }
    Ok(ExitCode::SUCCESS)
}

fn lookup(catalog: &Catalog, library: &Library, code: &str, json: bool) -> Result<ExitCode> {
    let entry = match catalog.lookup(code) {
        Ok(e) => e,
        Err(err) => {
            errln!("error: {err}");
            if let LookupError::Unknown { suggestions, .. } = &err
                && !suggestions.is_empty()
            {
                let names: Vec<String> = suggestions
                    .iter()
                    .filter_map(|c| catalog.get(*c))
                    .map(|e| {
                        format!(
                            "AADSTS{}{}",
                            e.code,
                            e.name
                                .as_ref()
                                .map(|n| format!(" ({n})"))
                                .unwrap_or_default()
                        )
                    })
                    .collect();
                errln!("did you mean: {}?", names.join(", "));
            }
            return Ok(ExitCode::from(1));
        }
    };
    let mut out = aadsts_wizard::text::SafeWriter::new(
        std::io::stdout().lock(),
        aadsts_wizard::text::Mode::Text,
    );
    if json {
        jsonln!(&json::Lookup::new(entry, library.has_flow(entry.code)));
    } else {
        writeln!(out, "{}", format_entry(catalog, entry))?;
        match library.title_of(entry.code) {
            Some((title, file)) => writeln!(
                out,
                "  flow       {title} ({file})\n\nNext: aadsts-wizard walk {}   (or open the wizard: aadsts-wizard {})",
                entry.code, entry.code
            )?,
            None => writeln!(
                out,
                "  flow       none yet: use the general triage in the wizard"
            )?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn format_entry(catalog: &Catalog, e: &Entry) -> String {
    let mut s = e.label();
    if let Some(name) = &e.name {
        s.push_str(&format!("  {name}"));
    }
    if let Some(former) = &e.former_name {
        s.push_str(&format!("  (formerly {former})"));
    }
    s.push_str(&format!("\n\n{}\n\n", wrap(&e.summary, 78, 0)));
    let transient = if e.transient {
        "yes, retrying later may help"
    } else {
        "no, retrying will not help"
    };
    let related: Vec<String> = e
        .related
        .iter()
        .map(|c| match catalog.get(*c).and_then(|r| r.name.as_deref()) {
            Some(n) => format!("{c} {n}"),
            None => c.to_string(),
        })
        .collect();
    let mut fields = vec![
        ("category", e.category.to_string()),
        ("who fixes", e.who_fixes.to_string()),
        ("transient", transient.to_string()),
    ];
    if e.expected {
        fields.push((
            "expected",
            "yes: a normal step of sign-in; a problem only if it repeats or blocks the user"
                .to_string(),
        ));
    }
    if e.source == aadsts_wizard::catalog::Source::Observed {
        let mut src = "not on Microsoft's error-code page; seen in real errors".to_string();
        if !e.evidence.is_empty() {
            src.push_str(&format!(": {}", e.evidence.join(", ")));
        }
        fields.push(("source", src));
    }
    if !related.is_empty() {
        fields.push(("related", related.join(", ")));
    }
    if !e.keywords.is_empty() {
        fields.push(("keywords", e.keywords.join(", ")));
    }
    fields.push(("microsoft", e.lookup_url()));
    for (label, value) in fields {
        s.push_str(&format!("  {label:<10} {}\n", wrap(&value, 78 - 13, 13)));
    }
    s.trim_end().to_string()
}

/// Greedy word wrap at `width` columns; continuation lines are indented by `indent` spaces.
pub(crate) fn wrap(text: &str, width: usize, indent: usize) -> String {
    let mut out = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        if len > 0 && len + 1 + word.chars().count() > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            len = 0;
        } else if len > 0 {
            out.push(' ');
            len += 1;
        }
        out.push_str(word);
        len += word.chars().count();
    }
    out
}

fn search(
    catalog: &Catalog,
    library: &Library,
    query: &str,
    limit: usize,
    json: bool,
) -> Result<ExitCode> {
    let hits = Searcher::new().search(catalog, query, limit);
    let mut out = aadsts_wizard::text::SafeWriter::new(
        std::io::stdout().lock(),
        aadsts_wizard::text::Mode::Text,
    );
    if json {
        let arr: Vec<json::SearchHit> = hits
            .iter()
            .map(|h| {
                let e = &catalog.entries()[h.index];
                json::SearchHit::new(e, h, library.has_flow(e.code))
            })
            .collect();
        jsonln!(&arr);
    } else if hits.is_empty() {
        errln!("no code matches '{query}'");
        return Ok(ExitCode::from(1));
    } else {
        if hits
            .iter()
            .all(|h| h.kind == aadsts_wizard::search::MatchKind::Nearest)
        {
            writeln!(out, "no code is '{query}'; nearest codes:")?;
        }
        let name_width = hits
            .iter()
            .filter_map(|h| catalog.entries()[h.index].name.as_ref())
            .map(|n| n.len())
            .max()
            .unwrap_or(1);
        for h in &hits {
            let e = &catalog.entries()[h.index];
            let summary: String = e.summary.chars().take(60).collect();
            let ell = if e.summary.chars().count() > 60 {
                "…"
            } else {
                ""
            };
            let mark = if library.has_flow(e.code) { "flow" } else { "" };
            writeln!(
                out,
                "AADSTS{:<8} {:<name_width$} {:<18} {mark:<4} {summary}{ell}",
                e.code,
                e.name.as_deref().unwrap_or("-"),
                e.category.as_str()
            )
            .context("writing results")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The current time in UTC as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    aadsts_wizard::notes::utc_time(secs)
}
