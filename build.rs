//! Embed every `flows/*.yaml` file: writes `$OUT_DIR/flows.rs` with one `include_str!` per file,
//! so a new flow file is shipped without editing a list.

use std::fs;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=flows");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".yaml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from(
        "/// The shipped flow files: (path, text), sorted by path.\npub const FLOWS: &[(&str, &str)] = &[\n",
    );
    for n in &names {
        println!("cargo:rerun-if-changed=flows/{n}");
        out.push_str(&format!(
            "    (\"flows/{n}\", include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/flows/{n}\"))),\n"
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("flows.rs");
    fs::write(dest, out).expect("OUT_DIR is writable");
}
