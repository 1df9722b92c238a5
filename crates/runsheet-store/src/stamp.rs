//! Timestamps read from SQLite without chrono's format parser.
//!
//! SQLite keeps a `Timestamp` as text, `2012-09-04 15:34:44` (with a fraction when there is
//! one), and diesel reads it back with `NaiveDateTime::parse_from_str`, which parses its
//! format string again for every value: 8% of a 50-step list's time, whose steps, servers and
//! apps hold about 25 timestamps each (docs/benchmarks.md). [`Stamp`] and [`OptStamp`] read
//! that text directly, and leave anything else (another layout, a number) to diesel; on
//! PostgreSQL they are diesel's own. Rows name them with `#[diesel(deserialize_as = ...)]`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::{Sqlite, SqliteType, SqliteValue};

use crate::sql::Backend;

/// A `Timestamp` column's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub(crate) struct Stamp(pub NaiveDateTime);

/// A nullable `Timestamp` column's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub(crate) struct OptStamp(pub Option<NaiveDateTime>);

impl From<Stamp> for NaiveDateTime {
    fn from(stamp: Stamp) -> NaiveDateTime {
        stamp.0
    }
}

impl From<OptStamp> for Option<NaiveDateTime> {
    fn from(stamp: OptStamp) -> Option<NaiveDateTime> {
        stamp.0
    }
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Stamp> {
        if value.value_type() == Some(SqliteType::Text) {
            if let Some(time) = parse(value.read_text()) {
                return Ok(Stamp(time));
            }
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Stamp> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, Backend> for Stamp {
    fn from_sql(
        value: <Backend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Stamp> {
        value.from_sql::<Stamp, Timestamp>()
    }
}

/// [`OptStamp`] reads as [`Stamp`] does, and a NULL as `None`.
macro_rules! opt_stamp_from_sql {
    ($($backend:ty),*) => {$(
        impl FromSql<Nullable<Timestamp>, $backend> for OptStamp {
            fn from_sql(
                value: <$backend as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<OptStamp> {
                let Stamp(time) = <Stamp as FromSql<Timestamp, $backend>>::from_sql(value)?;
                Ok(OptStamp(Some(time)))
            }

            fn from_nullable_sql(
                value: Option<<$backend as diesel::backend::Backend>::RawValue<'_>>,
            ) -> deserialize::Result<OptStamp> {
                match value {
                    Some(value) => <Self as FromSql<Nullable<Timestamp>, $backend>>::from_sql(value),
                    None => Ok(OptStamp(None)),
                }
            }
        }
    )*};
}

opt_stamp_from_sql!(Sqlite, Pg, Backend);

/// `YYYY-MM-DD HH:MM:SS` with an optional `.` and 1-9 digits of fraction; `None` for
/// anything else, including dates and times that do not exist. Byte by byte at fixed
/// places: a list reads about 750 of them (docs/benchmarks.md, 17).
fn parse(text: &str) -> Option<NaiveDateTime> {
    let (head, fraction) = text.as_bytes().split_at_checked(19)?;
    let head: &[u8; 19] = head.try_into().ok()?;
    if head[4] != b'-'
        || head[7] != b'-'
        || head[10] != b' '
        || head[13] != b':'
        || head[16] != b':'
    {
        return None;
    }
    let digit = |b: u8| -> Option<u32> {
        let d = b.wrapping_sub(b'0');
        (d < 10).then_some(u32::from(d))
    };
    let two = |i: usize| -> Option<u32> { Some(digit(head[i])? * 10 + digit(head[i + 1])?) };
    let nanos = match fraction {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let value = digits
                .iter()
                .try_fold(0u32, |n, &b| Some(n * 10 + digit(b)?))?;
            value * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let year = i32::try_from(two(0)? * 100 + two(2)?).ok()?;
    NaiveDate::from_ymd_opt(year, two(5)?, two(8)?)?.and_hms_nano_opt(
        two(11)?,
        two(14)?,
        two(17)?,
        nanos,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    /// What diesel's own parser makes of `text` (the reference).
    fn chrono(text: &str) -> Option<NaiveDateTime> {
        NaiveDateTime::parse_from_str(text, "%F %T%.f").ok()
    }

    #[test]
    fn reads_what_diesel_writes() {
        for text in [
            "2012-09-04 15:34:44",
            "2012-09-04 15:34:44.5",
            "2012-09-04 15:34:44.123456",
            "2012-09-04 15:34:44.123456789",
            "0001-01-01 00:00:00",
            "9999-12-31 23:59:59",
            "2024-02-29 12:00:00",
        ] {
            assert_eq!(parse(text), chrono(text), "{text}");
            assert!(parse(text).is_some(), "{text}");
        }
        let time = parse("2012-09-04 15:34:44.000123").unwrap();
        assert_eq!(time.nanosecond(), 123_000);
    }

    /// Through a real SQLite connection: the fast path, diesel's parser for another layout,
    /// and NULL.
    #[test]
    fn reads_what_sqlite_holds() {
        use diesel::dsl::sql;
        use diesel::prelude::*;
        let mut conn = diesel::SqliteConnection::establish(":memory:").expect("in memory");
        let mut read = |literal: &str| -> NaiveDateTime {
            diesel::select(sql::<Timestamp>(literal))
                .get_result::<Stamp>(&mut conn)
                .expect(literal)
                .into()
        };
        let expected = chrono("2012-09-04 15:34:44.5").expect("a time");
        assert_eq!(read("'2012-09-04 15:34:44.5'"), expected);
        assert_eq!(read("'2012-09-04T15:34:44.5Z'"), expected);
        let null: Option<NaiveDateTime> = diesel::select(sql::<Nullable<Timestamp>>("NULL"))
            .get_result::<OptStamp>(&mut conn)
            .expect("NULL")
            .into();
        assert_eq!(null, None);
    }

    #[test]
    fn leaves_anything_else_to_diesel() {
        for text in [
            "",
            "2012-09-04",
            "2012-09-04T15:34:44",
            "2012-09-04 15:34:44Z",
            "2012-09-04 15:34:44+02:00",
            "2012-09-04 15:34:44.",
            "2012-09-04 15:34:44.1234567890",
            "2012-09-04 15:34",
            "2023-02-29 12:00:00",
            "2012-13-04 15:34:44",
            "2012-09-04 24:00:00",
            "2012-09-04 15:60:00",
            "20x2-09-04 15:34:44",
            "2012-09-04 15:34:4é",
            "-012-09-04 15:34:44",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
