//! Timestamps as the store keeps them.
//!
//! The API sends ISO-8601 UTC strings with varying precision. The store keeps one canonical,
//! fixed-width form (`2026-11-22T14:05:09.123Z`) so that text order is time order and SQL can
//! compare and index timestamps as plain strings.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

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
    s.and_then(parse).map(format)
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
}
