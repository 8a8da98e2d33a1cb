//! The flow loader, the hazard check and position scanner it relies on, and the catalog parser
//! on any UTF-8 text: they return problems, never panic or run away. A flow that loads has every
//! command rendered in both shells.
#![no_main]

use std::sync::LazyLock;

use aadsts_wizard::catalog::Catalog;
use aadsts_wizard::command::{Shell, Values};
use aadsts_wizard::embedded;
use aadsts_wizard::flow::Node;
use aadsts_wizard::flow::load::load;
use aadsts_wizard::locate::{Positions, hazard};
use libfuzzer_sys::fuzz_target;

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    let (file, src) = embedded::CATALOG;
    Catalog::from_yaml(file, src).expect("the embedded catalog loads")
});

static VALUES: LazyLock<Values> = LazyLock::new(|| {
    Values::from([
        ("app-id".to_string(), "o'b$(x)`\"\u{2019}".to_string()),
        ("upn".to_string(), "a b'c@d.com".to_string()),
    ])
});

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match load("fuzz.yaml", src, &CATALOG) {
        Ok(flow) => {
            for (_, node) in flow.nodes() {
                let commands = match node {
                    Node::Question(q) => &q.checks,
                    Node::Leaf(l) => &l.commands,
                };
                for c in commands {
                    let _ = c.render(&VALUES);
                    for shell in Shell::ALL {
                        let _ = c.template.render(shell, &VALUES);
                    }
                }
            }
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "an error without a problem");
            for p in &problems {
                assert!(p.line >= 1 && p.column >= 1, "{p}");
            }
        }
    }
    if let Some(h) = hazard(src) {
        assert!(h.line >= 1 && h.column >= 1, "{h:?}");
    }
    let _ = Positions::scan(src);
    let _ = Catalog::from_yaml("fuzz.yaml", src);
});
