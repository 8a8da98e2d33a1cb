//! In-process benchmarks of the core: catalog load, flow load and validation, search, explain.
//! Run with `cargo bench --bench core`; `bench/run` times whole processes and prints targets.

use aadsts_wizard::catalog::Catalog;
use aadsts_wizard::embedded;
use aadsts_wizard::flow::library::Library;
use aadsts_wizard::flow::load::{load, load_json};
use aadsts_wizard::search::Searcher;

fn main() {
    divan::main();
}

fn catalog() -> Catalog {
    embedded::catalog().expect("embedded catalog is valid")
}

/// What every command pays first: the catalog, read from its build-time JSON and checked.
#[divan::bench]
fn catalog_load() -> Catalog {
    catalog()
}

/// The same catalog read from YAML, as `flows validate` and user-facing errors do.
#[divan::bench]
fn catalog_load_yaml() -> Catalog {
    let (file, src) = embedded::CATALOG;
    Catalog::from_yaml(file, src).expect("valid")
}

/// Parse and validate every shipped flow (graph checks included) from the embedded JSON.
#[divan::bench]
fn flows_load_and_validate_all(bencher: divan::Bencher) {
    let cat = catalog();
    bencher.bench_local(|| {
        embedded::FLOWS
            .iter()
            .map(|f| load_json(f.path, f.json, &cat).is_ok())
            .filter(|ok| *ok)
            .count()
    });
}

/// The same from YAML text (the path user flows and `flows validate` take).
#[divan::bench]
fn flows_load_and_validate_all_yaml(bencher: divan::Bencher) {
    let cat = catalog();
    bencher.bench_local(|| {
        embedded::FLOW_YAML
            .iter()
            .map(|(path, yaml)| load(path, yaml, &cat).is_ok())
            .filter(|ok| *ok)
            .count()
    });
}

/// What `lookup` does before printing: catalog, flow index, one entry, its flow.
#[divan::bench]
fn lookup_50012_in_process() -> bool {
    let cat = catalog();
    let lib = Library::with_embedded(&cat, embedded::FLOWS, &[]);
    let entry = cat.lookup("AADSTS50012").expect("known");
    lib.for_code(entry.code).is_some()
}

#[divan::bench(args = ["50012", "expired secret", "reply url mismatch", "authfailed"])]
fn search(bencher: divan::Bencher, query: &str) {
    let cat = catalog();
    let searcher = Searcher::new();
    bencher.bench_local(|| searcher.search(&cat, query, 50).len());
}

/// `explain` over about 1 MB of log text with errors in it.
#[divan::bench]
fn explain_1mb(bencher: divan::Bencher) {
    let sample = include_str!("../tests/fixtures/explain/az-cli-sp-login-bad-secret.txt");
    let noise = "2026-11-21T03:12:44.120Z INFO  request completed status=200 path=/api/health\n";
    let mut text = String::new();
    while text.len() < 1 << 20 {
        text.push_str(noise);
        if text.len() % 8192 < noise.len() {
            text.push_str(sample);
        }
    }
    bencher.bench_local(|| aadsts_wizard::explain::explain(&text).codes.len());
}
