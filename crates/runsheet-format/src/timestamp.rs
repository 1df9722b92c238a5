//! Dates and times as Rails' `xmlschema` wrote them, shared by the JSON and XML renderers.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone, Timelike};
use chrono_tz::{OffsetName, Tz};

/// [`push_time`] into a new string.
#[cfg(test)]
pub(crate) fn format_time(utc: NaiveDateTime, tz: Tz) -> String {
    let mut out = String::with_capacity(25);
    push_time(&mut out, utc, tz);
    out
}

/// `2012-09-04T15:34:44-04:00`: the UTC time `utc` shown in `tz`, without a fraction.
///
/// A zone whose abbreviation is UTC gets `Z`, as `TimeWithZone#xmlschema` does (`utc?` is true
/// there); other zero-offset zones such as Europe/London in winter keep `+00:00`.
///
/// Written digit by digit at the end of `out`: every time of every record goes through here, and
/// `format!` with chrono's `Display` was 6% of a step's show (docs/benchmarks.md).
pub(crate) fn push_time(out: &mut String, utc: NaiveDateTime, tz: Tz) {
    if tz == Tz::UTC {
        push_date_and_time(out, utc);
        out.push('Z');
        return;
    }
    let offset = tz.offset_from_utc_datetime(&utc);
    let is_utc = matches!(offset.abbreviation(), Some("UTC" | "UCT"));
    let offset_seconds = offset.fix().local_minus_utc();
    let local = utc.checked_add_signed(TimeDelta::seconds(i64::from(offset_seconds)));
    match local {
        Some(local) if !is_utc => {
            push_date_and_time(out, local);
            push_offset(out, offset_seconds);
        }
        // Also the fallback for a time so close to the end of chrono's range that shifting it
        // into the zone overflows: it is still correct in UTC.
        _ => {
            push_date_and_time(out, utc);
            out.push('Z');
        }
    }
}

/// [`push_date`] into a new string.
#[cfg(test)]
pub(crate) fn format_date(date: NaiveDate) -> String {
    let mut out = String::with_capacity(10);
    push_date(&mut out, date);
    out
}

/// `2012-09-04`, written at the end of `out`.
pub(crate) fn push_date(out: &mut String, date: NaiveDate) {
    match four_digit_year(date) {
        Some(year) => {
            let mut text = *b"0000-00-00";
            put_date(&mut text, year, date);
            push_ascii(out, &text);
        }
        // NaiveDate's Display is ISO 8601, with a sign and more digits outside years 0..=9999.
        None => out.push_str(&date.to_string()),
    }
}

/// `2012-09-04T15:34:44`: filled in a buffer on the stack and copied once, since every time
/// of every record comes through here (a push a character made times 3% of a 50-step list).
fn push_date_and_time(out: &mut String, local: NaiveDateTime) {
    let Some(year) = four_digit_year(local.date()) else {
        push_date(out, local.date());
        out.push('T');
        push_ascii(out, &clock(local));
        return;
    };
    let mut text = *b"0000-00-00T00:00:00";
    put_date(&mut text, year, local.date());
    text[11..].copy_from_slice(&clock(local));
    push_ascii(out, &text);
}

fn four_digit_year(date: NaiveDate) -> Option<u32> {
    u32::try_from(date.year()).ok().filter(|&year| year <= 9999)
}

/// The date into the first ten bytes of `text` (`0000-00-00`), for a year of at most four
/// digits.
fn put_date(text: &mut [u8], year: u32, date: NaiveDate) {
    put_two(&mut text[0..2], year / 100);
    put_two(&mut text[2..4], year % 100);
    put_two(&mut text[5..7], date.month());
    put_two(&mut text[8..10], date.day());
}

/// `15:34:44`. A leap second is stored as second 59 with an extra second of nanoseconds.
fn clock(local: NaiveDateTime) -> [u8; 8] {
    let mut text = *b"00:00:00";
    put_two(&mut text[0..2], local.hour());
    put_two(&mut text[3..5], local.minute());
    put_two(&mut text[6..8], local.second());
    text
}

/// `-04:00`; offsets with seconds (local mean time before 1883) are truncated to minutes, as
/// Rails' `formatted_offset` does.
fn push_offset(out: &mut String, seconds: i32) {
    let mut text = *b"+00:00";
    if seconds < 0 {
        text[0] = b'-';
    }
    let minutes = seconds.unsigned_abs() / 60;
    put_two(&mut text[1..3], minutes / 60);
    put_two(&mut text[4..6], minutes % 60);
    push_ascii(out, &text);
}

/// `value` (below 100) as two digits into `two`.
fn put_two(two: &mut [u8], value: u32) {
    two[0] = b'0' + (value / 10 % 10) as u8;
    two[1] = b'0' + (value % 10) as u8;
}

/// Bytes this module filled with digits and separators: ASCII, so always a `str`.
fn push_ascii(out: &mut String, text: &[u8]) {
    out.push_str(std::str::from_utf8(text).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Times across the four-digit years (step of a prime number of seconds, so every field
    /// takes many values) against chrono's own formatting, in UTC and in a zone with offsets.
    #[test]
    fn every_field_matches_chrono() {
        let mut time = utc(1, 1, 1, 0, 0, 0);
        let end = utc(9999, 12, 31, 0, 0, 0);
        let zone = Tz::Asia__Kolkata;
        while time < end {
            assert_eq!(
                format_time(time, Tz::UTC),
                time.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            );
            let local = zone.from_utc_datetime(&time);
            assert_eq!(
                format_time(time, zone),
                local.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
                "{time}"
            );
            time += TimeDelta::seconds(7_919_993);
        }
    }

    #[test]
    fn dates() {
        let date = NaiveDate::from_ymd_opt(2012, 9, 4).expect("valid literal date");
        assert_eq!(format_date(date), "2012-09-04");
        let early = NaiveDate::from_ymd_opt(33, 1, 2).expect("valid literal date");
        assert_eq!(format_date(early), "0033-01-02");
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).expect("valid literal date");
        assert_eq!(format_date(last), "9999-12-31");
        let later = NaiveDate::from_ymd_opt(10000, 1, 1).expect("valid literal date");
        assert_eq!(format_date(later), "+10000-01-01");
        let before = NaiveDate::from_ymd_opt(-1, 1, 1).expect("valid literal date");
        assert_eq!(format_date(before), before.to_string());
    }
}
