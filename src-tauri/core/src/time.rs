//! Timestamps as the store keeps them.
//!
//! The API sends ISO-8601 UTC strings with varying precision. The store keeps one canonical,
//! fixed-width form (`2026-11-22T14:05:09.123Z`) so that text order is time order and SQL can
//! compare and index timestamps as plain strings.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Utc};

/// Formats a UTC instant in the canonical store/API form (milliseconds, `Z`).
pub fn format(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `t` rounded up to the next whole millisecond (the store's and the API's precision). A window's
/// upper bound uses it so that everything stamped up to `t` falls inside `[after, before)`.
pub fn ceil_ms(t: DateTime<Utc>) -> DateTime<Utc> {
    let sub = t.timestamp_subsec_nanos() % 1_000_000;
    if sub == 0 {
        t
    } else {
        t + chrono::Duration::nanoseconds(i64::from(1_000_000 - sub))
    }
}

/// Parses an API timestamp: RFC 3339 with any offset, or a naive date-time taken as UTC.
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Some(t) = parse_canonical(s) {
        return Some(t);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    None
}

/// Canonicalises an optional API timestamp; unparseable values become `None` rather than
/// poisoning ordering.
pub fn canonical(s: Option<&str>) -> Option<String> {
    canonical_ms(s).map(|(text, _)| text.into_owned())
}

/// [`canonical`] and the instant in milliseconds since the Unix epoch. The server already sends
/// the canonical form, which is checked and borrowed rather than parsed and formatted again (the
/// sync path does this twice per message).
pub fn canonical_ms(s: Option<&str>) -> Option<(Cow<'_, str>, i64)> {
    let s = s?.trim();
    if let Some(t) = parse_canonical(s) {
        return Some((Cow::Borrowed(s), t.timestamp_millis()));
    }
    parse(s).map(|t| (Cow::Owned(format(t)), t.timestamp_millis()))
}

/// Exactly the canonical form (`2026-11-22T14:05:09.123Z`, a valid date and time), or `None`.
fn parse_canonical(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() != 24
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[23] != b'Z'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    let time =
        NaiveTime::from_hms_milli_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?, num(20, 23)?)?;
    Some(date.and_time(time).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_is_fixed_width_and_ordered() {
        assert_eq!(
            canonical(Some("2026-11-22T14:05:09Z")).unwrap(),
            "2026-11-22T14:05:09.000Z"
        );
        assert_eq!(
            canonical(Some("2026-11-22T11:05:09.5-03:00")).unwrap(),
            "2026-11-22T14:05:09.500Z"
        );
        assert_eq!(
            canonical(Some("2026-11-22T14:05:09.1234567")).unwrap(),
            "2026-11-22T14:05:09.123Z"
        );
        assert_eq!(canonical(Some("ontem")), None);
        let t = parse("2026-11-22T14:05:09.123400Z").unwrap();
        assert_eq!(format(ceil_ms(t)), "2026-11-22T14:05:09.124Z");
        let exact = parse("2026-11-22T14:05:09.123Z").unwrap();
        assert_eq!(ceil_ms(exact), exact);
        assert!(canonical(Some("2026-01-02T00:00:00Z")) < canonical(Some("2026-11-02T00:00:00Z")));
    }

    #[test]
    fn the_canonical_fast_path_agrees_with_chrono() {
        for s in [
            "2026-11-22T14:05:09.123Z",
            "1999-12-31T23:59:59.999Z",
            "2024-02-29T00:00:00.000Z",
        ] {
            let (text, ms) = canonical_ms(Some(s)).unwrap();
            let t = DateTime::parse_from_rfc3339(s).unwrap();
            assert_eq!(text, format(t.with_timezone(&Utc)));
            assert_eq!(ms, t.timestamp_millis());
        }
        // Not canonical: taken by the general parser, or refused.
        assert_eq!(parse_canonical("2026-02-30T00:00:00.000Z"), None);
        assert_eq!(canonical(Some("2026-02-30T00:00:00.000Z")), None);
        assert_eq!(parse_canonical("2026-11-22T14:05:09.12Z"), None);
        assert_eq!(parse_canonical("2026-11-22T14:05:60.000Z"), None);
        assert_eq!(parse_canonical("2026-11-22 14:05:09.123Z"), None);
        assert_eq!(parse_canonical("+026-11-22T14:05:09.123Z"), None);
        assert_eq!(
            canonical(Some(" 2026-11-22T14:05:09.123Z ")).as_deref(),
            Some("2026-11-22T14:05:09.123Z")
        );
    }
}
