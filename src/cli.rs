//! The command line: argument definitions and the subcommands that print (lookup, search).
//! Everything here calls the library, prints, and picks an exit code.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use serde_json::json;

use aadsts_wizard::catalog::{Catalog, Entry, LookupError};
use aadsts_wizard::embedded;
use aadsts_wizard::search::Searcher;

/// Diagnose Microsoft Entra ID (Azure AD) AADSTS sign-in errors.
///
/// With no subcommand, opens the interactive wizard (optionally at CODE).
#[derive(Debug, Parser)]
#[command(
    name = "aadsts-wizard",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Args {
    /// Open the wizard at this code (50012 or AADSTS50012).
    #[arg(value_name = "CODE")]
    pub code: Option<String>,

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
}

/// The embedded catalog; a failure here is a build defect, reported rather than panicking.
fn catalog() -> Result<Catalog> {
    let (file, src) = embedded::CATALOG;
    Catalog::from_yaml(file, src).map_err(|errs| {
        let lines: Vec<String> = errs.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("the embedded catalog is invalid:\n{}", lines.join("\n"))
    })
}

pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        Some(Command::Lookup { code, json }) => lookup(&catalog()?, &code, json),
        Some(Command::Search { query, limit, json }) => {
            search(&catalog()?, &query.join(" "), limit, json)
        }
        None => {
            if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
                eprintln!(
                    "aadsts-wizard: the interactive wizard needs a terminal; try: aadsts-wizard lookup 50012"
                );
                return Ok(ExitCode::from(2));
            }
            eprintln!(
                "aadsts-wizard: the interactive wizard is not built yet; try: aadsts-wizard lookup 50012"
            );
            Ok(ExitCode::from(2))
        }
    }
}

fn entry_json(e: &Entry, has_flow: bool) -> serde_json::Value {
    json!({
        "code": e.code.to_string(),
        "name": e.name,
        "summary": e.summary,
        "category": e.category.as_str(),
        "who_fixes": e.who_fixes.as_str(),
        "transient": e.transient,
        "related": e.related.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "keywords": e.keywords,
        "has_flow": has_flow,
        "lookup_url": e.lookup_url(),
    })
}

fn lookup(catalog: &Catalog, code: &str, json: bool) -> Result<ExitCode> {
    let entry = match catalog.lookup(code) {
        Ok(e) => e,
        Err(err) => {
            eprintln!("error: {err}");
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
                eprintln!("did you mean: {}?", names.join(", "));
            }
            return Ok(ExitCode::from(1));
        }
    };
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&entry_json(entry, false))?
        )?;
    } else {
        writeln!(out, "{}", format_entry(catalog, entry))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn format_entry(catalog: &Catalog, e: &Entry) -> String {
    let mut s = e.label();
    if let Some(name) = &e.name {
        s.push_str(&format!("  {name}"));
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

fn search(catalog: &Catalog, query: &str, limit: usize, json: bool) -> Result<ExitCode> {
    let hits = Searcher::new().search(catalog, query, limit);
    let mut out = std::io::stdout().lock();
    if json {
        let arr: Vec<serde_json::Value> = hits
            .iter()
            .map(|h| {
                let e = &catalog.entries()[h.index];
                json!({
                    "code": e.code.to_string(),
                    "name": e.name,
                    "summary": e.summary,
                    "category": e.category.as_str(),
                    "score": h.score,
                    "match": format!("{:?}", h.kind).to_lowercase(),
                    "has_flow": false,
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&arr)?)?;
    } else if hits.is_empty() {
        eprintln!("no code matches '{query}'");
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
            writeln!(
                out,
                "AADSTS{:<8} {:<name_width$} {:<18} {summary}{ell}",
                e.code,
                e.name.as_deref().unwrap_or("-"),
                e.category.as_str()
            )
            .context("writing results")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
