//! SQL functions and expression helpers both backends share.

use diesel::sql_types::{Nullable, Text};

#[diesel::declare_sql_function]
extern "SQL" {
    /// `lower(text)`: case-insensitive comparisons, matching the `lower(...)` unique indexes.
    fn lower(x: Text) -> Text;

    #[sql_name = "lower"]
    fn lower_opt(x: Nullable<Text>) -> Nullable<Text>;
}

/// A `LIKE` pattern that finds `fragment` anywhere, lower-cased, with `\` escaping the
/// wildcards a user may type.
pub fn contains_pattern(fragment: &str) -> String {
    let mut pattern = String::with_capacity(fragment.len() + 2);
    pattern.push('%');
    for c in fragment.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Splits a list of ids into pieces small enough for one `IN (...)` on either backend.
pub const IN_CHUNK: usize = 1000;

/// True when another row of `$table` (not `$id`) has `$name` in any case.
macro_rules! name_taken {
    ($conn:expr, $table:ident, $name:expr, $id:expr) => {
        $table::table
            .select($table::id)
            .filter($crate::sql::lower($table::name).eq($name.to_lowercase()))
            .filter($table::id.ne($id.unwrap_or(0)))
            .first::<i64>($conn)
            .optional()?
            .is_some()
    };
}
pub(crate) use name_taken;

/// True when every id of `$ids` (sorted, without duplicates) is a row of `$table`.
macro_rules! all_exist {
    ($conn:expr, $table:ident, $ids:expr) => {{
        let ids: &[i64] = $ids;
        let mut found: i64 = 0;
        for chunk in ids.chunks($crate::sql::IN_CHUNK) {
            found += $table::table
                .filter($table::id.eq_any(chunk))
                .count()
                .get_result::<i64>($conn)?;
        }
        found == ids.len() as i64
    }};
}
pub(crate) use all_exist;

/// The backend of [`AnyConnection`](crate::AnyConnection), for boxed queries.
pub(crate) type Backend = <crate::AnyConnection as diesel::Connection>::Backend;

/// The rows of a filtered, boxed list query that a [`Window`](runsheet_core::paging::Window)
/// selects: in the list's own `$order`, or, after an id, in id order (keyset).
macro_rules! load_window {
    ($conn:expr, $query:expr, $window:expr, $id:expr, $order:expr) => {{
        let window: &runsheet_core::paging::Window = $window;
        let query = $query;
        let query = match window.after {
            Some(after) => query.filter($id.gt(after)).order($id),
            None => query.order($order),
        };
        let query = match window.limit {
            Some(limit) => query.limit(limit),
            None => query,
        };
        let query = match window.offset {
            0 => query,
            offset => query.offset(offset),
        };
        query.load($conn)?
    }};
}
pub(crate) use load_window;

/// `$query` keeping the rows whose `$column` is in a
/// [`TimeRange`](runsheet_core::filters::TimeRange): at or after its start, before its end.
/// A null time is in no range.
macro_rules! in_range {
    ($query:expr, $column:expr, $range:expr) => {{
        let range: runsheet_core::filters::TimeRange = $range;
        let mut query = $query;
        if let Some(after) = range.after {
            query = query.filter($column.ge(after));
        }
        if let Some(before) = range.before {
            query = query.filter($column.lt(before));
        }
        query
    }};
}
pub(crate) use in_range;

/// `$query` keeping the rows whose `$field`s are among `$filter`'s values for them (each
/// field a `Option<Vec<_>>` of the filter, named as the column of `$table`).
macro_rules! any_of {
    ($query:ident, $filter:ident, $table:ident, $($field:ident),*) => {$(
        if let Some(v) = &$filter.$field {
            $query = $query.filter($crate::sql::one_of($table::$field, v.clone()));
        }
    )*};
}
pub(crate) use any_of;

pub(crate) use crate::one_of::{one_of, one_of_query};

/// The distinct ids, sorted.
pub(crate) fn distinct(ids: &[i64]) -> Vec<i64> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Runs `$query` once for the distinct `$ids`, with `$filter` their condition on
/// `$column`, and not at all when there are none (an empty `Vec`).
///
/// One id (every lookup of a step's show) is `$column = ?`; more are [`one_of`], one
/// prepared statement whatever their number. SQLite copies the list of `one_of` into a
/// temporary b-tree before it looks the rows up, which cost a show about 10% when all its
/// ten lookups went that way (docs/benchmarks.md, 9). `$query` is compiled once for each form.
macro_rules! for_ids {
    ($ids:expr, $column:expr, |$filter:ident| $query:expr) => {{
        let ids = $crate::sql::distinct($ids);
        let rows: Result<Vec<_>, $crate::error::StoreError> = match ids.as_slice() {
            [] => Ok(Vec::new()),
            [id] => {
                let $filter = $column.eq(*id);
                $query.map_err($crate::error::StoreError::from)
            }
            _ => {
                let $filter = $crate::sql::one_of($column, ids);
                $query.map_err($crate::error::StoreError::from)
            }
        };
        rows
    }};
}
pub(crate) use for_ids;

/// Runs `$run` on the connection's own backend instead of through diesel's
/// `MultiConnection`, which writes the whole SQL out again on every run just to collect the
/// binds (12% of a step's show in the benchmark's profile). The query is written once and
/// compiled for each backend; for the hot reads (a step's show, its records, the token).
macro_rules! direct {
    ($conn:expr, |$c:ident| $run:expr) => {
        match $conn {
            $crate::AnyConnection::Sqlite($c) => $run,
            $crate::AnyConnection::Postgres($c) => $run,
        }
    };
}
pub(crate) use direct;
