//! The search screen in-process: one keystroke through `update`, then a full `view` draw over
//! the whole embedded catalog, timed one iteration at a time so the tail (p99) is visible.
//! Also the first frame (App::new + first draw) and the same with the data load in front.
//!
//! Output is one machine-readable line per figure (`bench/run` parses them), e.g.
//! `search_redraw_120x40 p50_us=210.3 p99_us=402.9 max_us=911.0 n=6000`.
//! Drawing goes to ratatui's `TestBackend`: the time includes building the widgets, rendering
//! into the buffer and diffing it against the previous frame, but not writing escape
//! sequences to a real terminal.
//!
//! Run: `cargo bench --bench tui` (add `-- --quick` for fewer iterations).

use std::hint::black_box;
use std::time::{Duration, Instant};

use aadsts_wizard::embedded;
use aadsts_wizard::flow::library::Library;
use aadsts_wizard::search::Searcher;
use aadsts_wizard::tui::app::{App, Data};
use aadsts_wizard::tui::update::{Msg, update};
use aadsts_wizard::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Queries a person types into the search screen: symptom words, a code, a name fragment.
const QUERIES: &[&str] = &[
    "expired secret",
    "50012",
    "consent",
    "reply url",
    "AADSTS700016",
    "invalid client",
    "mfa required",
    "tenant not found",
];

/// The data as the binary loads it: the catalog from its build-time JSON, the shipped flows
/// indexed and parsed on first use, no user flows.
fn load_data() -> Data {
    let catalog = embedded::catalog().expect("embedded catalog is valid");
    let library = Library::with_embedded(&catalog, embedded::FLOWS, &[]);
    Data {
        catalog,
        library,
        searcher: Searcher::new(),
    }
}

/// The keystrokes of one round: type each query a character at a time, then erase it.
fn keystrokes() -> Vec<Msg> {
    let mut msgs = Vec::new();
    for q in QUERIES {
        msgs.extend(q.chars().map(Msg::Input));
        msgs.extend(q.chars().map(|_| Msg::Erase));
    }
    msgs
}

struct Stats {
    p50: Duration,
    p99: Duration,
    max: Duration,
    n: usize,
}

impl Stats {
    fn of(mut samples: Vec<Duration>) -> Stats {
        samples.sort_unstable();
        let n = samples.len();
        let at = |q: f64| samples[((n as f64 * q).ceil() as usize).clamp(1, n) - 1];
        Stats {
            p50: at(0.50),
            p99: at(0.99),
            max: samples[n - 1],
            n,
        }
    }

    fn print(&self, name: &str, note: &str) {
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        println!(
            "{name} p50_us={:.1} p99_us={:.1} max_us={:.1} n={}  # {note}",
            us(self.p50),
            us(self.p99),
            us(self.max),
            self.n
        );
    }
}

/// One keystroke + one full redraw per sample, cycling through `keystrokes()`.
fn search_redraw(data: &Data, width: u16, height: u16, warmup: usize, samples: usize) -> Stats {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    let mut app = App::new(data);
    terminal
        .draw(|f| view::view(&app, f))
        .expect("draw first frame");
    let keys = keystrokes();
    let mut times = Vec::with_capacity(samples);
    for i in 0..warmup + samples {
        let msg = keys[i % keys.len()].clone();
        let start = Instant::now();
        black_box(update(&mut app, msg));
        terminal
            .draw(|f| view::view(&app, f))
            .expect("draw to test backend");
        let took = start.elapsed();
        if i >= warmup {
            times.push(took);
        }
    }
    black_box(terminal.backend());
    Stats::of(times)
}

/// App::new + the first draw on a fresh terminal (data already loaded).
fn first_frame(data: &Data, width: u16, height: u16, samples: usize) -> Stats {
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let start = Instant::now();
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
        let app = App::new(data);
        terminal
            .draw(|f| view::view(&app, f))
            .expect("draw to test backend");
        times.push(start.elapsed());
        black_box(terminal.backend());
    }
    Stats::of(times)
}

/// Loading the data as the binary does, then App::new + the first draw: what the binary does
/// in-process before the first frame reaches the terminal (minus terminal setup and write).
fn load_and_first_frame(width: u16, height: u16, samples: usize) -> Stats {
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let start = Instant::now();
        let data = load_data();
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
        let app = App::new(&data);
        terminal
            .draw(|f| view::view(&app, f))
            .expect("draw to test backend");
        times.push(start.elapsed());
        black_box(terminal.backend());
    }
    Stats::of(times)
}

fn main() {
    // `cargo bench` passes `--bench`; anything else but `--quick` is ignored.
    let quick = std::env::args().any(|a| a == "--quick");
    let (warmup, samples, starts) = if quick {
        (100, 1_000, 50)
    } else {
        (500, 6_000, 300)
    };
    let data = load_data();
    println!(
        "# catalog: {} codes, {} keystrokes per round; TestBackend: widgets + buffer diff, no terminal write",
        data.catalog.entries().len(),
        keystrokes().len()
    );
    for (w, h) in [(120, 40), (80, 24)] {
        search_redraw(&data, w, h, warmup, samples).print(
            &format!("search_redraw_{w}x{h}"),
            "one keystroke (update) + full draw, whole catalog",
        );
    }
    for (w, h) in [(80, 24), (120, 40)] {
        first_frame(&data, w, h, starts).print(
            &format!("first_frame_{w}x{h}"),
            "App::new + first draw, data already loaded",
        );
    }
    load_and_first_frame(80, 24, starts / 3).print(
        "load_and_first_frame_80x24",
        "catalog + flow index loaded as the binary does, App::new, first draw",
    );
}
