//! Times as clients send them. Stored and compared in UTC; shown in the configured zone.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// The current time in UTC, to the second (the API shows no fractions, so none are kept).
pub fn now() -> NaiveDateTime {
    whole_seconds(Utc::now().naive_utc())
}

fn whole_seconds(t: NaiveDateTime) -> NaiveDateTime {
    t.with_nanosecond(0).unwrap_or(t)
}

/// Reads ISO 8601 / RFC 3339 times with an offset, and Rails' looser forms
/// (`2012-09-04 15:34:44`, `2012-09-04T15:34:44`, `2012-09-04`), which are taken in `tz`.
/// Returns UTC; `None` when the text is not a time or names a local time that does not exist.
pub fn parse_time(text: &str, tz: Tz) -> Option<NaiveDateTime> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.naive_utc());
    }
    for format in [
        "%Y-%m-%d %H:%M:%S %z",
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some(t.naive_utc());
        }
    }
    let (text, tz) = match text.strip_suffix(" UTC") {
        Some(text) => (text, Tz::UTC),
        None => (text, tz),
    };
    let local = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })?;
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| whole_seconds(t.naive_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap()
    }

    #[test]
    fn offsets_are_honoured() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let expected = at(2012, 9, 4, 19, 34, 44);
        assert_eq!(parse_time("2012-09-04T15:34:44-04:00", ny), Some(expected));
        assert_eq!(parse_time("2012-09-04T19:34:44Z", ny), Some(expected));
        assert_eq!(
            parse_time("2012-09-04 15:34:44 -0400", Tz::UTC),
            Some(expected)
        );
        assert_eq!(
            parse_time("2012-09-04T19:34:44.250Z", Tz::UTC).map(|t| t.and_utc().timestamp()),
            Some(expected.and_utc().timestamp())
        );
    }

    #[test]
    fn local_forms_are_read_in_the_zone() {
        let ny: Tz = "America/New_York".parse().unwrap();
        assert_eq!(
            parse_time("2012-09-04 15:34:44", ny),
            Some(at(2012, 9, 4, 19, 34, 44))
        );
        assert_eq!(
            parse_time("2012-09-04T15:34:44", Tz::UTC),
            Some(at(2012, 9, 4, 15, 34, 44))
        );
        assert_eq!(parse_time("2012-01-04", ny), Some(at(2012, 1, 4, 5, 0, 0)));
        assert_eq!(
            parse_time("2012-09-04 15:34:44 UTC", ny),
            Some(at(2012, 9, 4, 15, 34, 44))
        );
    }

    #[test]
    fn nonsense_and_missing_local_times_are_refused() {
        let ny: Tz = "America/New_York".parse().unwrap();
        assert_eq!(parse_time("soon", Tz::UTC), None);
        assert_eq!(parse_time("2012-13-04", Tz::UTC), None);
        assert_eq!(parse_time("", Tz::UTC), None);
        // 02:30 did not happen in New York on 2021-03-14.
        assert_eq!(parse_time("2021-03-14 02:30:00", ny), None);
    }

    #[test]
    fn now_has_no_fraction() {
        assert_eq!(now().nanosecond(), 0);
    }
}
