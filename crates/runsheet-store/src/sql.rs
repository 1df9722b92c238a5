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
/// selects: in the list's own `$order`, or, after an id, in id order (keyset). Without
/// `$order`, the query comes in its list's order already (a boxed query's `order` replaces
/// the one before).
macro_rules! load_window {
    ($conn:expr, $query:expr, $window:expr, $id:expr, $order:expr) => {
        $crate::sql::load_window!($conn, $query.order($order), $window, $id)
    };
    ($conn:expr, $query:expr, $window:expr, $id:expr) => {{
        let window: &runsheet_core::paging::Window = $window;
        let query = $query;
        let query = match window.after {
            Some(after) => query.filter($id.gt(after)).order($id),
            None => query,
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
///
/// One value, the usual filter, is `column = ?`, as one id is in `for_ids!` (a boxed
/// query here, so both forms are one `match`): PostgreSQL plans `= ANY($1)` anew at
/// every run of a prepared statement, its plan for any array (guessed at ten values) looking
/// dearer than one for the array it is given, where `= $1` gets the plan it keeps; SQLite
/// looks the value up without first copying a JSON array into a temporary b-tree
/// (docs/benchmarks.md, 21).
macro_rules! any_of {
    ($query:ident, $filter:ident, $table:ident, $($field:ident),*) => {$(
        if let Some(v) = &$filter.$field {
            $query = match v.as_slice() {
                [one] => $query.filter($table::$field.eq(one.clone())),
                _ => $query.filter($crate::sql::one_of($table::$field, v.clone())),
            };
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
/// `$column`, and not at all when there are none (its result's default: an empty `Vec`).
///
/// One id (every lookup of a step's show) is `$column = ?`; more are [`one_of`], one
/// prepared statement whatever their number. SQLite copies the list of `one_of` into a
/// temporary b-tree before it looks the rows up, which cost a show about 10% when all its
/// ten lookups went that way (docs/benchmarks.md, 9). `$query` is compiled once for each form.
macro_rules! for_ids {
    ($ids:expr, $column:expr, |$filter:ident| $query:expr) => {{
        let ids = $crate::sql::distinct($ids);
        let rows: Result<_, $crate::error::StoreError> = match ids.as_slice() {
            [] => Ok(Default::default()),
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

/// Fixed pieces of SQL as expressions (`$vis $name: $sql_type = $sql;`), which diesel keeps
/// prepared with the rest of their statement. Its `sql()` literal never is (its text could be
/// anything), so a statement with one was parsed and planned again on every run: a run's end
/// (the phase's read) and every `currently_running` list (docs/benchmarks.md, 13). Correlated
/// with the tables of the statement they are in through their SQL, which the types do not check.
macro_rules! fixed_sql {
    ($($(#[$doc:meta])* $vis:vis $name:ident: $sql_type:ty = $sql:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
        $vis struct $name;

        impl diesel::expression::Expression for $name {
            type SqlType = $sql_type;
        }

        impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for $name {
            fn walk_ast<'b>(
                &'b self,
                mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
            ) -> diesel::QueryResult<()> {
                out.push_sql($sql);
                Ok(())
            }
        }

        impl<QS> diesel::expression::AppearsOnTable<QS> for $name {}

        impl<QS> diesel::expression::SelectableExpression<QS> for $name {}

        impl<GB> diesel::expression::ValidGrouping<GB> for $name {
            type IsAggregate = diesel::expression::is_aggregate::Never;
        }
    )*};
}
pub(crate) use fixed_sql;

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

/// `UPDATE table SET changes WHERE filter`, which diesel keeps prepared like any other
/// statement. diesel's own `UPDATE` prepares anew on every run, because a changeset may
/// leave out its `None`s and so change its SQL: parsing and planning the step's 40-column
/// update was 15% of a PUT's instructions (docs/benchmarks.md, 11). For changesets that
/// write the same columns every time; the statement cache keys it by its SQL.
pub(crate) fn kept_update<T, C, W>(
    table: T,
    changes: C,
    filter: W,
) -> KeptUpdate<T::FromClause, C::Changeset, W>
where
    T: diesel::Table,
    C: diesel::AsChangeset<Target = T>,
    W: diesel::AppearsOnTable<T>,
{
    KeptUpdate {
        table: table.from_clause(),
        values: changes.as_changeset(),
        filter,
    }
}

/// See [`kept_update`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeptUpdate<T, V, W> {
    table: T,
    values: V,
    filter: W,
}

impl<T, V, W, DB> diesel::query_builder::QueryFragment<DB> for KeptUpdate<T, V, W>
where
    DB: diesel::backend::Backend,
    T: diesel::query_builder::QueryFragment<DB>,
    V: diesel::query_builder::QueryFragment<DB>,
    W: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> diesel::QueryResult<()> {
        out.push_sql("UPDATE ");
        self.table.walk_ast(out.reborrow())?;
        out.push_sql(" SET ");
        self.values.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE ");
        self.filter.walk_ast(out.reborrow())
    }
}

impl<T, V, W> diesel::query_builder::QueryId for KeptUpdate<T, V, W> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<T, V, W, Conn> diesel::RunQueryDsl<Conn> for KeptUpdate<T, V, W> {}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::schema::servers;
    use crate::testing::TestDb;
    use diesel::connection::{Instrumentation, InstrumentationEvent};
    use diesel::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Counts the statements diesel keeps prepared.
    struct Kept(Arc<AtomicUsize>);

    impl Instrumentation for Kept {
        fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
            if let InstrumentationEvent::CacheQuery { .. } = event {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    #[test]
    fn a_kept_update_is_prepared_once_and_updates_what_diesels_would() {
        for db in TestDb::all() {
            let backend = db.backend_name();
            let pool = db.pool();
            let mut conn = pool.get().unwrap();
            let ids: Vec<i64> = (1..=3)
                .map(|n| {
                    let name = format!("srv{n}");
                    let server = crate::servers::create(
                        &mut conn,
                        &runsheet_core::server::ServerChanges {
                            name: Some(name),
                            ..Default::default()
                        },
                    );
                    server.unwrap().server.id
                })
                .collect();
            let kept = Arc::new(AtomicUsize::new(0));
            conn.set_instrumentation(Kept(Arc::clone(&kept)));
            for &id in &ids {
                let changes = servers::name.eq(format!("kept {id}"));
                let run = direct!(&mut **conn, |c| {
                    kept_update(servers::table, changes.clone(), servers::id.eq(id)).execute(c)
                });
                assert_eq!(run.unwrap(), 1, "{backend}");
            }
            assert_eq!(kept.swap(0, Ordering::SeqCst), 1, "{backend}");
            // diesel's own: the same rows changed, and none of its runs kept.
            for &id in &ids[..2] {
                let run = direct!(&mut **conn, |c| diesel::update(servers::table.find(id))
                    .set(servers::name.eq(format!("diesel {id}")))
                    .execute(c));
                assert_eq!(run.unwrap(), 1, "{backend}");
            }
            assert_eq!(kept.load(Ordering::SeqCst), 0, "{backend}");
            let names: Vec<String> = servers::table
                .order(servers::id)
                .select(servers::name)
                .load(&mut **conn)
                .unwrap();
            let expected = [
                format!("diesel {}", ids[0]),
                format!("diesel {}", ids[1]),
                format!("kept {}", ids[2]),
            ];
            assert_eq!(names, expected, "{backend}");
        }
    }
}
