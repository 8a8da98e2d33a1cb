//! Embed the shipped data, checked and pre-converted so the tool starts in a millisecond:
//! - every `flows/*.yaml` file (a new file ships without editing a list) with its codes and
//!   `fallback` flag read here, so looking a code up never parses a flow;
//! - the catalog and each flow converted from YAML to JSON, which parses an order of magnitude
//!   faster. Only the JSON ships in the program; the YAML list is for tests and benchmarks.
//!
//! A YAML syntax error in a shipped file fails the build with its position.

use std::fs;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=flows");
    println!("cargo:rerun-if-changed=assets/catalog.yaml");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let out_dir = Path::new(&out_dir);

    let catalog = to_json(&root.join("assets/catalog.yaml"));
    fs::write(out_dir.join("catalog.json"), catalog).expect("OUT_DIR is writable");

    let mut names: Vec<String> = fs::read_dir(root.join("flows"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".yaml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from(
        "/// The shipped flow files, sorted by path.\npub const FLOWS: &[EmbeddedFlow] = &[\n",
    );
    for n in &names {
        println!("cargo:rerun-if-changed=flows/{n}");
        let path = root.join("flows").join(n);
        let json = to_json(&path);
        let value: serde_json::Value = serde_json::from_str(&json).expect("JSON we just wrote");
        let codes: Vec<String> = value
            .get("codes")
            .and_then(|c| c.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_u64())
                    .map(|c| c.to_string())
                    .collect()
            })
            .unwrap_or_default();
        let fallback = value
            .get("fallback")
            .and_then(|f| f.as_bool())
            .unwrap_or(false);
        let title = value.get("title").and_then(|t| t.as_str()).unwrap_or("");
        let json_name = format!("{}.json", n.trim_end_matches(".yaml"));
        fs::write(out_dir.join(&json_name), json).expect("OUT_DIR is writable");
        out.push_str(&format!(
            "    EmbeddedFlow {{\n        path: \"flows/{n}\",\n        title: {title:?},\n        json: include_str!(concat!(env!(\"OUT_DIR\"), \"/{json_name}\")),\n        codes: &[{}],\n        fallback: {fallback},\n    }},\n",
            codes.join(", ")
        ));
    }
    out.push_str("];\n\n/// The shipped flow files as YAML, (path, text), for tests and `cargo bench`; the program\n/// itself runs on the JSON.\npub const FLOW_YAML: &[(&str, &str)] = &[\n");
    for n in &names {
        out.push_str(&format!(
            "    (\"flows/{n}\", include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/flows/{n}\"))),\n"
        ));
    }
    out.push_str("];\n");
    fs::write(out_dir.join("flows.rs"), out).expect("OUT_DIR is writable");
}

/// Read a YAML file and return it as JSON, keeping mapping order.
fn to_json(path: &Path) -> String {
    let text =
        fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
    let value: serde_yaml::Value = serde_yaml::from_str(&text)
        .unwrap_or_else(|e| panic!("{}: invalid YAML: {e}", path.display()));
    serde_json::to_string(&value)
        .unwrap_or_else(|e| panic!("{}: cannot convert to JSON: {e}", path.display()))
}
