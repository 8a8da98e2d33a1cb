//! In-process benchmarks of the core: catalog load, flow load and validation, search, explain.
//! Run with `cargo bench`; `bench/run` times whole processes.

use aadsts_wizard::catalog::Catalog;
use aadsts_wizard::embedded;
use aadsts_wizard::flow::library::Library;
use aadsts_wizard::search::Searcher;

fn main() {
    divan::main();
}

fn catalog() -> Catalog {
    let (file, src) = embedded::CATALOG;
    Catalog::from_yaml(file, src).expect("embedded catalog is valid")
}

#[divan::bench]
fn catalog_load() -> Catalog {
    catalog()
}

#[divan::bench]
fn flows_load_and_validate_all(bencher: divan::Bencher) {
    let cat = catalog();
    let files = embedded::flow_sources();
    bencher.bench_local(|| Library::build(&cat, &files));
}
