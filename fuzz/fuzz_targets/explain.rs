//! `explain` on any text: never panics, and what it returns is consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let e = aadsts_wizard::explain::explain(&text);
    assert_eq!(e.primary_code, e.codes.first().copied());
    for code in &e.codes {
        assert!(*code < 100_000_000, "code {code} has more than 8 digits");
    }
});
