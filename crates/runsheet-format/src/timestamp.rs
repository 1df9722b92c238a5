//! Dates and times as Rails' `xmlschema` wrote them, shared by the JSON and XML renderers.

use chrono::{NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone, Timelike};
use chrono_tz::{OffsetName, Tz};

/// `2012-09-04T15:34:44-04:00`: the UTC time `utc` shown in `tz`, without a fraction.
///
/// A zone whose abbreviation is UTC gets `Z`, as `TimeWithZone#xmlschema` does (`utc?` is true
/// there); other zero-offset zones such as Europe/London in winter keep `+00:00`.
pub(crate) fn format_time(utc: NaiveDateTime, tz: Tz) -> String {
    let offset = tz.offset_from_utc_datetime(&utc);
    let is_utc = matches!(offset.abbreviation(), Some("UTC" | "UCT"));
    let offset_seconds = offset.fix().local_minus_utc();
    let local = utc.checked_add_signed(TimeDelta::seconds(i64::from(offset_seconds)));
    match local {
        Some(local) if !is_utc => {
            format!("{}{}", date_and_time(local), format_offset(offset_seconds))
        }
        // Also the fallback for a time so close to the end of chrono's range that shifting it
        // into the zone overflows: it is still correct in UTC.
        _ => format!("{}Z", date_and_time(utc)),
    }
}

/// `2012-09-04`.
pub(crate) fn format_date(date: NaiveDate) -> String {
    // NaiveDate's Display is ISO 8601, with a sign and more digits outside years 0..=9999.
    date.to_string()
}

fn date_and_time(local: NaiveDateTime) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}",
        format_date(local.date()),
        local.hour(),
        local.minute(),
        // A leap second is stored as second 59 with an extra second of nanoseconds.
        local.second()
    )
}

/// `-04:00`; offsets with seconds (local mean time before 1883) are truncated to minutes, as
/// Rails' `formatted_offset` does.
fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|date| date.and_hms_opt(h, mi, s))
            .expect("valid literal time")
    }

    #[test]
    fn utc_zone_uses_z() {
        assert_eq!(
            format_time(utc(2012, 9, 4, 19, 34, 44), Tz::UTC),
            "2012-09-04T19:34:44Z"
        );
        assert_eq!(
            format_time(utc(2012, 9, 4, 19, 34, 44), Tz::Etc__UTC),
            "2012-09-04T19:34:44Z"
        );
    }

    #[test]
    fn new_york_follows_daylight_saving() {
        assert_eq!(
            format_time(utc(2012, 9, 4, 19, 34, 44), Tz::America__New_York),
            "2012-09-04T15:34:44-04:00"
        );
        assert_eq!(
            format_time(utc(2012, 1, 4, 19, 34, 44), Tz::America__New_York),
            "2012-01-04T14:34:44-05:00"
        );
    }

    #[test]
    fn zone_crossing_midnight_changes_the_date() {
        assert_eq!(
            format_time(utc(2012, 9, 5, 2, 0, 0), Tz::America__New_York),
            "2012-09-04T22:00:00-04:00"
        );
        assert_eq!(
            format_time(utc(2012, 9, 4, 20, 0, 0), Tz::Asia__Kolkata),
            "2012-09-05T01:30:00+05:30"
        );
    }

    #[test]
    fn zero_offset_zones_other_than_utc_keep_the_offset() {
        assert_eq!(
            format_time(utc(2012, 1, 4, 19, 34, 44), Tz::Europe__London),
            "2012-01-04T19:34:44+00:00"
        );
        assert_eq!(
            format_time(utc(2012, 9, 4, 19, 34, 44), Tz::Europe__London),
            "2012-09-04T20:34:44+01:00"
        );
    }

    #[test]
    fn fractions_are_dropped() {
        let time = utc(2012, 9, 4, 19, 34, 44) + TimeDelta::milliseconds(987);
        assert_eq!(format_time(time, Tz::UTC), "2012-09-04T19:34:44Z");
    }

    #[test]
    fn local_mean_time_offsets_are_truncated_to_minutes() {
        // New York's LMT is -4:56:02.
        assert_eq!(
            format_time(utc(1800, 1, 1, 12, 0, 0), Tz::America__New_York),
            "1800-01-01T07:03:58-04:56"
        );
    }

    #[test]
    fn extreme_times_do_not_panic() {
        let max = format_time(NaiveDateTime::MAX, Tz::Asia__Tokyo);
        assert!(max.ends_with('Z'), "{max}");
        let min = format_time(NaiveDateTime::MIN, Tz::America__New_York);
        assert!(min.ends_with('Z'), "{min}");
        assert_eq!(NaiveDateTime::MAX.year(), format_time_year(&max));
    }

    fn format_time_year(rendered: &str) -> i32 {
        rendered
            .trim_start_matches('+')
            .split('-')
            .next()
            .and_then(|y| y.parse().ok())
            .unwrap_or(0)
    }

    #[test]
    fn dates() {
        let date = NaiveDate::from_ymd_opt(2012, 9, 4).expect("valid literal date");
        assert_eq!(format_date(date), "2012-09-04");
        let early = NaiveDate::from_ymd_opt(33, 1, 2).expect("valid literal date");
        assert_eq!(format_date(early), "0033-01-02");
    }
}
