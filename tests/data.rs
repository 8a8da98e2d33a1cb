//! The shipped data: the embedded catalog loads, and covers Microsoft's reference table.

use aadsts_wizard::catalog::Catalog;
use aadsts_wizard::embedded;

fn catalog() -> Catalog {
    let (file, src) = embedded::CATALOG;
    match Catalog::from_yaml(file, src) {
        Ok(c) => c,
        Err(errs) => panic!("embedded catalog invalid: {errs:#?}"),
    }
}

/// Code and official name pairs from Microsoft's reference table (facts only).
fn reference() -> Vec<(u32, Option<String>)> {
    include_str!("fixtures/reference_codes.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (code, name) = l.split_once('\t').unwrap_or((l, ""));
            let name = name.trim();
            (
                code.parse().expect("fixture codes are digits"),
                (!name.is_empty()).then(|| name.to_string()),
            )
        })
        .collect()
}

#[test]
fn every_reference_code_is_in_the_catalog_with_its_official_name() {
    let cat = catalog();
    let reference = reference();
    assert!(
        reference.len() >= 290,
        "fixture too small: {}",
        reference.len()
    );
    let mut problems = Vec::new();
    for (code, name) in &reference {
        match cat.get(*code) {
            None => problems.push(format!("{code}: missing")),
            Some(e) if e.name != *name => problems.push(format!(
                "{code}: name {:?}, reference says {:?}",
                e.name, name
            )),
            Some(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn codes_the_flow_issues_name_are_in_the_catalog() {
    let cat = catalog();
    let wanted = [
        50012, 7000215, 7000222, 70012, 120011, 700024, 700213, 70021, 500113, 500121, 50158,
        50131, 50011, 700016, 500011, 65001, 650056, 650057, 90094, 70011, 700027, 7000218, 700054,
        50194, 90002, 900144, 9002313, 54005, 70000, 70008, 700082, 50173, 70001, 7000112, 50105,
        50146, 50020, 50034, 50053, 50055, 50144, 50057, 50058, 50074, 50076, 50079, 50126, 50128,
        50059, 53000, 53001, 53002, 53003, 530032, 50097, 90072, 81010, 81012, 80012, 50132, 50133,
        70043, 65004, 50199,
    ];
    let missing: Vec<u32> = wanted
        .iter()
        .copied()
        .filter(|c| cat.get(*c).is_none())
        .collect();
    assert!(missing.is_empty(), "missing: {missing:?}");
}

#[test]
fn related_codes_are_symmetric_and_texts_are_filled() {
    let cat = catalog();
    for e in cat.entries() {
        assert!(e.summary.len() >= 30, "{}: summary too short", e.code);
        assert!(!e.keywords.is_empty(), "{}: no keywords", e.code);
        assert!(
            !e.related.contains(&e.code),
            "{}: related to itself",
            e.code
        );
        for r in &e.related {
            let other = cat.get(*r).expect("loader checks related codes exist");
            assert!(
                other.related.contains(&e.code),
                "{} lists {r} but not back",
                e.code
            );
        }
    }
}

#[test]
fn secret_family_is_linked() {
    let cat = catalog();
    let rel = |c: u32| cat.get(c).map(|e| e.related.clone()).unwrap_or_default();
    assert!(rel(7000215).contains(&7000222) && rel(7000215).contains(&50012));
    assert!(rel(7000222).contains(&50012));
}

mod flows {
    use super::catalog;
    use aadsts_wizard::embedded;
    use aadsts_wizard::flow::library::{Library, SourceFile};
    use aadsts_wizard::flow::{Node, load};

    fn files() -> Vec<SourceFile> {
        embedded::flow_sources()
    }

    #[test]
    fn embedded_list_matches_the_folder() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/flows");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .expect("flows folder")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml"))
            .map(|n| format!("flows/{n}"))
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = embedded::FLOWS.iter().map(|f| f.path.to_string()).collect();
        assert_eq!(embedded, on_disk);
    }

    /// No code on Microsoft's page falls back to the generic triage: each opens a flow of its
    /// own. (Codes seen only in the wild, `source: observed`, may still use the triage.)
    #[test]
    fn every_catalog_code_has_a_flow_of_its_own() {
        let cat = catalog();
        let lib = Library::build(&cat, &files());
        assert!(lib.problems.is_empty(), "{:?}", lib.problems);
        let missing: Vec<u32> = cat
            .entries()
            .iter()
            .filter(|e| e.source == aadsts_wizard::catalog::Source::Microsoft)
            .map(|e| e.code)
            .filter(|c| lib.for_code(*c).is_none_or(|f| f.fallback))
            .collect();
        assert!(missing.is_empty(), "codes without a flow: {missing:?}");
    }

    /// The text a node shows: question and help, or cause, explanation and fix, and its
    /// commands (a check filtered on `errorCode eq 53002` is written for 53002).
    fn node_text(node: &Node) -> String {
        let commands: Vec<&str> = node.commands().iter().map(|c| c.template.text()).collect();
        let prose = match node {
            Node::Question(q) => format!("{} {}", q.text, q.help.as_deref().unwrap_or("")),
            Node::Leaf(l) => format!("{} {} {}", l.cause, l.explanation, l.fix.join(" ")),
        };
        format!("{prose} {}", commands.join(" "))
    }

    /// One walk per code: from the code's start, following the answers of each path, reaches
    /// a leaf; in a family flow (five codes or more) every code but the first has an entry of
    /// its own, and the nodes reachable from it name the code, so it lands on text written for
    /// it rather than on the family's general start.
    #[test]
    fn every_code_walks_to_a_leaf_written_for_it() {
        let cat = catalog();
        let lib = Library::build(&cat, &files());
        let mut problems = Vec::new();
        for (code, flow, _) in lib.codes() {
            let start = flow.start_for(code);
            let paths = flow.leaf_paths(start);
            for (answers, leaf) in &paths {
                match flow.follow(start, answers) {
                    Ok((_, at)) if at == *leaf && matches!(flow.node(at), Node::Leaf(_)) => {}
                    other => problems.push(format!("{code}: {answers:?} gives {other:?}")),
                }
            }
            if paths.is_empty() {
                problems.push(format!("{code}: no leaf reachable in {}", flow.file));
            }
            if flow.codes.len() >= 5 {
                let mut reachable = vec![start];
                reachable.extend(paths.iter().flat_map(|(answers, _)| {
                    flow.follow(start, answers)
                        .map(|(steps, at)| {
                            steps.iter().map(|s| s.node).chain([at]).collect::<Vec<_>>()
                        })
                        .unwrap_or_default()
                }));
                let named = reachable
                    .iter()
                    .any(|id| node_text(flow.node(*id)).contains(&code.to_string()));
                // One code may use the flow's start; every other has an entry of its own, or
                // is named on the way from the start (a family flow's opening question).
                let without_entry = flow
                    .codes
                    .iter()
                    .filter(|c| !flow.entries.iter().any(|(e, _)| e == *c))
                    .count();
                let has_entry = flow.entries.iter().any(|(c, _)| *c == code);
                if without_entry > 1 && !has_entry && !named {
                    problems.push(format!("{code}: no entry in the family flow {}", flow.file));
                }
                if !named {
                    problems.push(format!(
                        "{code}: nothing reachable from its entry in {} names it",
                        flow.file
                    ));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// What runs (the JSON converted at build time, and the code index read there) is exactly
    /// what the YAML says.
    #[test]
    fn build_time_conversion_matches_the_yaml() {
        let cat = catalog();
        let (file, yaml) = embedded::CATALOG;
        let from_json = embedded::catalog().expect("embedded catalog loads from JSON");
        let from_yaml = aadsts_wizard::catalog::Catalog::from_yaml(file, yaml).expect("valid");
        assert_eq!(from_json.entries(), from_yaml.entries());
        for (e, (_, yaml)) in embedded::FLOWS.iter().zip(embedded::FLOW_YAML) {
            let a = load(e.path, yaml, &cat).expect("valid");
            let b = aadsts_wizard::flow::load::load_json(e.path, e.json, &cat).expect("valid");
            assert_eq!(a, b, "{}", e.path);
            assert_eq!(a.codes, e.codes, "{}: build-time code index", e.path);
            assert_eq!(
                a.fallback, e.fallback,
                "{}: build-time fallback flag",
                e.path
            );
            assert_eq!(a.title, e.title, "{}: build-time title", e.path);
        }
        let lib = Library::with_embedded(&cat, embedded::FLOWS, &[]);
        assert!(lib.check_all().is_empty());
        let eager = Library::build(&cat, &files());
        let lazy: Vec<_> = lib.codes().map(|(c, f, _)| (c, f.file.clone())).collect();
        let all: Vec<_> = eager.codes().map(|(c, f, _)| (c, f.file.clone())).collect();
        assert_eq!(lazy, all);
        assert_eq!(
            lib.fallback().map(|f| &f.file),
            eager.fallback().map(|f| &f.file)
        );
    }

    /// A converted file that does not load is reported, never a panic.
    #[test]
    fn json_problems_are_reported() {
        let cat = catalog();
        let json =
            r#"{"codes":[50012],"title":"T","start":"a","nodes":{"a":{"cause":"C","bogus":1}}}"#;
        let errs =
            aadsts_wizard::flow::load::load_json("f.yaml", json, &cat).expect_err("unknown field");
        assert!(
            errs[0]
                .to_string()
                .starts_with("f.yaml:1:1: the converted flow does not load: unknown field `bogus`"),
            "{errs:?}"
        );
        let json = r#"{"codes":[50012],"title":"T","start":"nowhere","nodes":{"a":{"cause":"C"}}}"#;
        let errs = aadsts_wizard::flow::load::load_json("f.yaml", json, &cat).expect_err("bad");
        assert!(
            errs.iter()
                .any(|e| e.message.contains("unknown node 'nowhere'")),
            "{errs:?}"
        );
        let bad = aadsts_wizard::catalog::Catalog::from_json("c.yaml", "[{").expect_err("bad");
        assert!(
            bad[0]
                .to_string()
                .starts_with("c.yaml:1:1: the converted catalog"),
            "{bad:?}"
        );
    }

    #[test]
    fn every_shipped_flow_validates() {
        let cat = catalog();
        let mut problems = Vec::new();
        for f in files() {
            if let Err(errs) = load(&f.path, &f.text, &cat) {
                problems.extend(errs.iter().map(ToString::to_string));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn each_code_has_one_flow_and_every_leaf_is_reachable() {
        let cat = catalog();
        let files = files();
        let mut owner = std::collections::BTreeMap::new();
        for f in &files {
            let flow = load(&f.path, &f.text, &cat).expect("validated above");
            for c in &flow.codes {
                if let Some(other) = owner.insert(*c, f.path.clone()) {
                    panic!("AADSTS{c} is claimed by both {other} and {}", f.path);
                }
            }
            let leaves = flow
                .nodes()
                .filter(|(_, n)| matches!(n, Node::Leaf(_)))
                .count();
            let mut reached: Vec<_> = flow
                .leaf_paths(flow.start)
                .into_iter()
                .map(|(_, id)| id)
                .collect();
            for (_, entry) in &flow.entries {
                reached.extend(flow.leaf_paths(*entry).into_iter().map(|(_, id)| id));
            }
            reached.sort();
            reached.dedup();
            assert_eq!(
                reached.len(),
                leaves,
                "{}: some leaves cannot be walked to",
                f.path
            );
            for (answers, leaf) in flow.leaf_paths(flow.start) {
                let (_, at) = flow
                    .follow(flow.start, &answers)
                    .expect("leaf paths are valid answers");
                assert_eq!(at, leaf);
            }
        }
        let lib = Library::build(&cat, &files);
        assert!(lib.problems.is_empty());
        for (code, _, _) in lib.codes() {
            assert!(cat.get(code).is_some());
        }
    }

    #[test]
    fn seed_codes_have_flows() {
        let cat = catalog();
        let lib = Library::build(&cat, &files());
        let missing: Vec<u32> = [50012, 7000215, 7000222, 70012, 120011]
            .into_iter()
            .filter(|c| !lib.has_flow(*c))
            .collect();
        assert!(missing.is_empty(), "no flow for {missing:?}");
    }
}
