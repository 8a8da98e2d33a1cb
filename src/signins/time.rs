//! Timestamps of sign-in exports and the `--since`/`--until` bounds, as Unix seconds (UTC).

/// Seconds since 1970-01-01T00:00:00Z of an ISO 8601 / RFC 3339 timestamp as the exports write
/// it: `2024-05-01T10:00:00Z`, with fractions (`.1234567Z`, Log Analytics), an offset
/// (`+02:00`), a space instead of `T`, no zone (taken as UTC), or a date alone. PowerShell 5's
/// `ConvertTo-Json` writes `/Date(1714557600000)/`, read too. `None` for anything else.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(ms) = s.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        // `/Date(1714557600000)/` or `/Date(1714557600000+0000)/`: milliseconds, UTC.
        let digits = ms
            .split(|c| c == '+' || (c == '-' && !ms.starts_with(c)))
            .next()?;
        return digits.parse::<i64>().ok().map(|v| v.div_euclid(1000));
    }
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = num(0..4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (month, day) = (num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if b.len() == 10 {
        return Some(days * 86_400);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
        return None;
    }
    let (h, m) = (num(11..13)?, num(14..16)?);
    let mut i = 16;
    let mut sec = 0;
    if b.get(16) == Some(&b':') {
        sec = num(17..19)?;
        i = 19;
    }
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let offset = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) => {
            let oh = num(i + 1..i + 3)?;
            let om = match b.get(i + 3) {
                Some(b':') => num(i + 4..i + 6)?,
                Some(_) => num(i + 3..i + 5)?,
                None => 0,
            };
            let o = oh * 3600 + om * 60;
            if *sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    Some(days * 86_400 + h * 3600 + m * 60 + sec - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2024-05-01T10:00:00Z` for Unix seconds (before 1970 is shown as 1970).
pub fn format(secs: i64) -> String {
    crate::notes::utc_time(u64::try_from(secs).unwrap_or(0))
}

/// A bound given on the command line: a duration back from `now` (`90s`, `30m`, `2h`, `7d`,
/// `1w`) or a timestamp [`parse_timestamp`] reads.
pub fn parse_bound(text: &str, now: i64) -> Option<i64> {
    if let Some(d) = parse_duration(text) {
        return Some(now - d);
    }
    parse_timestamp(text)
}

/// Seconds in `90s`, `30m`, `2h`, `7d`, `1w` (one number, one unit).
pub fn parse_duration(text: &str) -> Option<i64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = t.split_at(split);
    let n: i64 = n.parse().ok()?;
    let mult = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// `45m`, `2h`, `3d`, `2h30m`: a short human duration.
pub fn human(secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 120 {
        return format!("{secs}s");
    }
    let m = secs / 60;
    if m < 120 {
        return format!("{m}m");
    }
    let h = m / 60;
    if h < 48 {
        let rest = m % 60;
        return if rest == 0 || h >= 10 {
            format!("{h}h")
        } else {
            format!("{h}h{rest}m")
        };
    }
    format!("{}d", h / 24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_of_every_export_shape() {
        let t = 1_714_557_600; // 2024-05-01T10:00:00Z
        for (text, want) in [
            ("2024-05-01T10:00:00Z", Some(t)),
            ("2024-05-01T10:00:00.1234567Z", Some(t)),
            ("2024-05-01T12:00:00+02:00", Some(t)),
            ("2024-05-01T05:00:00-0500", Some(t)),
            ("2024-05-01 10:00:00", Some(t)),
            ("2024-05-01T10:00Z", Some(t)),
            ("2024-05-01", Some(t - 36_000)),
            ("/Date(1714557600000)/", Some(t)),
            ("/Date(1714557600123+0000)/", Some(t)),
            ("1970-01-01T00:00:00Z", Some(0)),
            ("2000-02-29T00:00:00Z", Some(951_782_400)),
            ("", None),
            ("yesterday", None),
            ("2024-13-01T00:00:00Z", None),
            ("2024-05-01T25:00:00Z", None),
            ("2024-05-01T10:00:00Zjunk", None),
            ("2024-05-01T10:00:00 Z", None),
            ("２０２４-05-01", None),
        ] {
            assert_eq!(parse_timestamp(text), want, "{text}");
        }
    }

    #[test]
    fn bounds_are_durations_back_from_now_or_timestamps() {
        let now = 1_000_000;
        assert_eq!(parse_bound("2h", now), Some(now - 7200));
        assert_eq!(parse_bound("30m", now), Some(now - 1800));
        assert_eq!(parse_bound("7d", now), Some(now - 7 * 86_400));
        assert_eq!(parse_bound("1970-01-02", now), Some(86_400));
        assert_eq!(parse_bound("2x", now), None);
        assert_eq!(parse_bound("h", now), None);
        assert_eq!(parse_bound("99999999999999999999h", now), None);
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(59), "59s");
        assert_eq!(human(3600), "60m");
        assert_eq!(human(9000), "2h30m");
        assert_eq!(human(7200), "2h");
        assert_eq!(human(86_400 * 3), "3d");
        assert_eq!(format(1_714_557_600), "2024-05-01T10:00:00Z");
    }
}
