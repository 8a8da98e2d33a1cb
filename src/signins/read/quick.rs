//! The quick path for successful sign-ins: most events of an export succeed, and a success
//! needs no field but its status, so it is recognised without a full parse ([`quick_success`]).

/// A Graph record whose one and only `"errorCode":` is `0` is a success, and a success needs no
/// other field: it is counted after a check that its brackets balance outside strings (which
/// catches the usual damage, a truncated line) instead of a full parse. Most sign-ins succeed,
/// so this makes reading about three times faster; anything unusual takes the full parse.
/// (`"errorCode":` cannot occur inside a JSON string: its quotes would have to be escaped.)
pub(super) fn quick_success(bytes: &[u8]) -> bool {
    const KEY: &[u8] = b"\"errorCode\":";
    // Built once: building a searcher for every line costs as much as a short search.
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(KEY));
    let Some(at) = FINDER.find(bytes) else {
        return false;
    };
    let rest = &bytes[at + KEY.len()..];
    let value = rest.trim_ascii_start();
    // A failure is known here, without looking further.
    value.first() == Some(&b'0')
        && matches!(
            value.get(1),
            Some(b',' | b'}' | b' ' | b'\t' | b'\r' | b'\n')
        )
        && FINDER.find(rest).is_none()
        && balanced(bytes)
}

/// Whether `b` is one `{...}` whose brackets balance outside strings.
pub(super) fn balanced(b: &[u8]) -> bool {
    if b.first() != Some(&b'{') || b.last() != Some(&b'}') {
        return false;
    }
    if memchr::memchr(b'\\', b).is_some() {
        return balanced_escaped(b);
    }
    balanced_unescaped(b)
}

/// [`balanced`] for text without a backslash, where a string runs from one quote to the next:
/// 64 bytes at a time, as bit masks (the way simdjson finds a document's structure). Bit `i`
/// of `inside` is set from an opening quote up to its closing one (the running XOR of the
/// quote bits), so the brackets outside strings are the bracket bits not in it; only those
/// few are then walked one by one. A block without a bracket (about half of a Graph event,
/// whose nested objects come last) only flips the open-string state once per quote in it.
fn balanced_unescaped(b: &[u8]) -> bool {
    let last = b.len() - 1;
    let mut depth = 0u32;
    // All ones when a string is still open at the end of the previous block.
    let mut open_string = 0u64;
    let mut blocks = b.chunks_exact(64);
    let mut step = |block: &[u8; 64], base: usize| -> bool {
        let (quote_count, any_bracket) = survey(block);
        if !any_bracket {
            open_string ^= 0u64.wrapping_sub(u64::from(quote_count & 1));
            return true;
        }
        let [quotes, brackets] = classify(block);
        let inside = prefix_xor(quotes) ^ open_string;
        open_string = 0u64.wrapping_sub(inside >> 63);
        let mut outside = brackets & !inside;
        while outside != 0 {
            let i = outside.trailing_zeros() as usize;
            if block[i] | 0x20 == b'{' {
                depth += 1;
            } else {
                if depth == 0 {
                    return false;
                }
                depth -= 1;
                if depth == 0 && base + i != last {
                    return false;
                }
            }
            outside &= outside - 1;
        }
        true
    };
    let mut base = 0;
    for block in &mut blocks {
        let Ok(block) = <&[u8; 64]>::try_from(block) else {
            return false;
        };
        if !step(block, base) {
            return false;
        }
        base += 64;
    }
    let rest = blocks.remainder();
    if !rest.is_empty() {
        // Padded with spaces, which are neither quotes nor brackets.
        let mut block = [b' '; 64];
        block[..rest.len()].copy_from_slice(rest);
        if !step(&block, base) {
            return false;
        }
    }
    depth == 0 && open_string == 0
}

/// How many quotes a block holds (modulo 256), and whether it holds a bracket: a loop without
/// branches, which the compiler vectorises.
fn survey(block: &[u8; 64]) -> (u8, bool) {
    let (mut quotes, mut brackets) = (0u8, 0u8);
    for &c in block {
        let folded = c | 0x20;
        quotes = quotes.wrapping_add(u8::from(c == b'"'));
        brackets |= u8::from(folded == b'{') | u8::from(folded == b'}');
    }
    (quotes, brackets != 0)
}

/// Bit masks of a block's quotes and brackets (`{` `[` `}` `]`): a compare per byte (which the
/// compiler turns into vector compares, portably and without `unsafe`), then each 8 bytes
/// gathered into 8 bits by one multiplication.
fn classify(block: &[u8; 64]) -> [u64; 2] {
    let mut marks = [[0u8; 64]; 2];
    for (i, &c) in block.iter().enumerate() {
        // `{` and `[` (0x7b, 0x5b), `}` and `]` (0x7d, 0x5d) differ only in bit 0x20.
        let folded = c | 0x20;
        marks[0][i] = if c == b'"' { 0x80 } else { 0 };
        marks[1][i] = if folded == b'{' || folded == b'}' {
            0x80
        } else {
            0
        };
    }
    marks.map(|m| {
        let mut bits = 0u64;
        for (k, word) in m.chunks_exact(8).enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            bits |= gather(u64::from_le_bytes(w)) << (8 * k);
        }
        bits
    })
}

/// The top bits of the 8 bytes of `w` (each byte 0x80 or 0) as 8 bits, byte `i` to bit `i`: the
/// multiplication moves bit `8i` to bit `56 + i`, and no two partial products meet there.
fn gather(w: u64) -> u64 {
    ((w >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// Bit `i` is the XOR of bits `0..=i` of `x`.
fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

/// [`balanced`] for text with escapes, byte by byte.
fn balanced_escaped(b: &[u8]) -> bool {
    let (mut depth, mut in_str, mut esc) = (0u32, false, false);
    let last = b.len() - 1;
    for (i, &c) in b.iter().enumerate() {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                if depth == 0 {
                    return false;
                }
                depth -= 1;
                if depth == 0 && i != last {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0 && !in_str
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_a_whole_record_with_one_error_code_of_0_is_a_quick_success() {
        for (text, want) in [
            (
                r#"{"status":{"errorCode":0,"failureReason":"Other."}}"#,
                true,
            ),
            (r#"{"status":{"errorCode": 0 },"x":[1]}"#, true),
            (r#"{"status":{"errorCode":50126}}"#, false),
            (r#"{"status":{"errorCode":01}}"#, false),
            (r#"{"status":{"errorCode":0.5}}"#, false),
            (
                r#"{"value":[{"status":{"errorCode":0}},{"status":{"errorCode":0}}]}"#,
                false,
            ),
            (
                r#"{"a":{"errorCode":0},"status":{"errorCode":53003}}"#,
                false,
            ),
            (r#"{"status":{"errorCode":0}"#, false),
            (r#"{"status":{"errorCode":0,"x":"}"}"#, false),
            (r#"{"status":{"ErrorCode":0}}"#, false),
        ] {
            assert_eq!(quick_success(text.as_bytes()), want, "{text}");
        }
    }

    #[test]
    fn brackets_balance_outside_strings_with_and_without_escapes() {
        for (text, want) in [
            (r#"{"a":1}"#, true),
            (r#"{"a":{"b":[1,{"c":"}"}]}}"#, true),
            (r#"{"a":"{[","b":"]}"}"#, true),
            (r#"{"a":"x\"}","b":2}"#, true),
            (r#"{"a":"x\\","b":{}}"#, true),
            (r#"{"a":{"b":1}"#, false),
            (r#"{"a":1}}"#, false),
            (r#"{"a":1},{"b":2}"#, false),
            (r#"{"a":"unterminated}"#, false),
            (r#"{"a":"x\"}"#, false),
            (r#"{"a":[1,2}"#, false),
            (r#"[1]"#, false),
            (r#"{"#, false),
        ] {
            assert_eq!(balanced(text.as_bytes()), want, "{text}");
        }
    }

    #[test]
    fn a_string_or_bracket_across_a_block_boundary_counts_once() {
        for pad in 0..140 {
            let filler = "x".repeat(pad);
            let good = format!(r#"{{"a":"{filler}{{","b":[{{"c":"}}{filler}"}}]}}"#);
            assert!(balanced(good.as_bytes()), "{good}");
            // Cut anywhere, the text no longer balances.
            for cut in 1..good.len() - 1 {
                let short = format!("{}}}", &good[..cut]);
                assert_eq!(
                    balanced(short.as_bytes()),
                    balanced_escaped(short.as_bytes()),
                    "{short}"
                );
            }
        }
    }

    #[test]
    fn the_bit_helpers_do_what_they_say() {
        assert_eq!(gather(0x8000_0000_0000_0080), 0b1000_0001);
        assert_eq!(gather(0x0080_8080_0000_0000), 0b0111_0000);
        assert_eq!(prefix_xor(0b1001_0100), (!0 << 7) | 0b1100);
        assert_eq!(prefix_xor(1 << 63), 1 << 63);
        let mut block = [b'a'; 64];
        block[0] = b'"';
        block[9] = b'[';
        block[63] = b'}';
        block[40] = b']';
        assert_eq!(classify(&block), [1, 1 << 9 | 1 << 40 | 1 << 63]);
        assert_eq!(survey(&block), (1, true));
        let mut quotes = [b'"'; 64];
        quotes[5] = b'x';
        assert_eq!(survey(&quotes), (63, false));
    }

    fn json() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::from),
            "[a-z{}\\[\\]:, ]{0,40}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::from),
                proptest::collection::btree_map("[a-z{}]{0,12}", inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
        /// The block-wise check agrees with the byte-by-byte one (the reference for text
        /// without escapes) on text made of quotes, brackets and filler, across blocks.
        #[test]
        fn block_check_agrees_with_byte_by_byte(
            body in proptest::collection::vec(
                prop_oneof![Just(b'"'), Just(b'{'), Just(b'}'), Just(b'['), Just(b']'), Just(b'a'), Just(b':')],
                0..300,
            ),
        ) {
            let mut text = vec![b'{'];
            text.extend_from_slice(&body);
            text.push(b'}');
            prop_assert_eq!(balanced_unescaped(&text), balanced_escaped(&text));
        }

        /// Any JSON object whose strings hold brackets but no quotes balances, and stops
        /// balancing when cut short or given a stray bracket.
        #[test]
        fn json_objects_balance_and_damaged_ones_do_not(value in json(), cut in any::<prop::sample::Index>()) {
            let text = serde_json::json!({ "v": value }).to_string();
            prop_assert!(balanced(text.as_bytes()));
            let short = &text.as_bytes()[..cut.index(text.len() - 1) + 1];
            prop_assert_eq!(balanced(short), short.len() == text.len());
            let mut extra = text.clone().into_bytes();
            extra.insert(1, b']');
            prop_assert!(!balanced(&extra));
        }
    }
}
