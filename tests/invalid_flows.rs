//! Each file in tests/fixtures/invalid_flows opens with `# expect: LINE:COL: message` lines; the
//! loader must report exactly those problems, at those positions, and nothing else.

use aadsts_wizard::catalog::Catalog;
use aadsts_wizard::embedded;
use aadsts_wizard::flow::load;

#[test]
fn every_fixture_reports_exactly_its_expected_problems() {
    let (cat_file, cat_src) = embedded::CATALOG;
    let catalog = Catalog::from_yaml(cat_file, cat_src).expect("embedded catalog is valid");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/invalid_flows");
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("fixture folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    assert!(
        entries.len() >= 15,
        "expected a fixture per kind of problem, found {}",
        entries.len()
    );
    for path in entries {
        let src = std::fs::read_to_string(&path).expect("readable fixture");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let expected: Vec<String> = src
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .map(|e| format!("{name}:{e}"))
            .collect();
        assert!(!expected.is_empty(), "{name} has no '# expect:' line");
        let errors = match load(&name, &src, &catalog) {
            Ok(_) => panic!("{name} loaded without problems"),
            Err(errors) => errors,
        };
        let got: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(got, expected, "{name}");
    }
}
