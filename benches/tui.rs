//! Search screen redraw after a keystroke (placeholder; see bench/).
fn main() {}
