//! `column IN (values)` as one statement whatever the number of values, so the connection
//! keeps it prepared.
//!
//! diesel's `eq_any` writes one placeholder per value on SQLite, so every length of list is
//! new SQL that SQLite parses and plans again, and diesel does not cache it at all. The
//! benchmark's profile showed a step's show spending 40% of its time in SQLite's parser
//! (docs/benchmarks.md). [`one_of`] binds the whole list once: SQLite reads it from a JSON
//! array (`IN (SELECT value FROM json_each(?))`), PostgreSQL from an array (`= ANY($1)`,
//! which is what `eq_any` already writes there).

use std::fmt::Write;

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Array, Bool, HasSqlType, Text};
use diesel::sqlite::Sqlite;
use diesel::QueryResult;

use crate::sql::Backend;

/// `column IN (values)`; see the module's documentation.
pub(crate) fn one_of<C, T>(column: C, values: impl IntoIterator<Item = T>) -> OneOf<C, T>
where
    C: Expression,
    T: JsonItem,
{
    let values: Vec<T> = values.into_iter().collect();
    let mut json = String::with_capacity(values.len() * 8 + 2);
    json.push('[');
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        value.write_json(&mut json);
    }
    json.push(']');
    OneOf {
        column,
        values,
        json,
    }
}

/// A value [`one_of`] can put in its JSON array.
pub(crate) trait JsonItem {
    fn write_json(&self, out: &mut String);
}

impl JsonItem for i64 {
    fn write_json(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl JsonItem for String {
    fn write_json(&self, out: &mut String) {
        self.as_str().write_json(out);
    }
}

impl JsonItem for &str {
    fn write_json(&self, out: &mut String) {
        out.push('"');
        for c in self.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if u32::from(c) < 0x20 => {
                    let _ = write!(out, "\\u{:04x}", u32::from(c));
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
}

/// The expression [`one_of`] makes.
#[derive(Debug, Clone)]
pub(crate) struct OneOf<C, T> {
    column: C,
    values: Vec<T>,
    json: String,
}

impl<C: Expression, T> Expression for OneOf<C, T> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS>, T, QS> AppearsOnTable<QS> for OneOf<C, T> {}

impl<C: SelectableExpression<QS>, T, QS> SelectableExpression<QS> for OneOf<C, T> {}

impl<C: ValidGrouping<GB>, T, GB> ValidGrouping<GB> for OneOf<C, T> {
    type IsAggregate = C::IsAggregate;
}

/// The SQL depends on the column alone, never on the values: one prepared statement.
impl<C: QueryId, T: 'static> QueryId for OneOf<C, T> {
    type QueryId = (C::QueryId, OneOfId<T>);
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

/// Names [`OneOf`]'s statements in diesel's cache.
pub(crate) struct OneOfId<T>(std::marker::PhantomData<T>);

impl<C: QueryFragment<Sqlite>, T> QueryFragment<Sqlite> for OneOf<C, T> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, String>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C, T> QueryFragment<Pg> for OneOf<C, T>
where
    C: Expression + QueryFragment<Pg>,
    C::SqlType: 'static,
    Pg: HasSqlType<C::SqlType>,
    Vec<T>: ToSql<Array<C::SqlType>, Pg>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<C::SqlType>, Vec<T>>(&self.values)?;
        out.push_sql(")");
        Ok(())
    }
}

impl<C, T> QueryFragment<Backend> for OneOf<C, T>
where
    Self: QueryFragment<Sqlite> + QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        Backend::walk_variant_ast(self, pass)
    }
}

/// `column IN (query)`, where `query` selects one column. On PostgreSQL it is written
/// `column = ANY(ARRAY(query))`: the subquery runs once, and an `OR` of it with another
/// indexed condition can use both indexes. Written as `IN (query)`, PostgreSQL scanned all
/// steps to find a request's (74 ms against 3 ms on the benchmark's data; docs/benchmarks.md).
pub(crate) fn one_of_query<C, Q>(column: C, query: Q) -> OneOfQuery<C, Q> {
    OneOfQuery { column, query }
}

/// The expression [`one_of_query`] makes.
#[derive(Debug, Clone)]
pub(crate) struct OneOfQuery<C, Q> {
    column: C,
    query: Q,
}

impl<C: Expression, Q> Expression for OneOfQuery<C, Q> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS>, Q, QS> AppearsOnTable<QS> for OneOfQuery<C, Q> {}

impl<C: SelectableExpression<QS>, Q, QS> SelectableExpression<QS> for OneOfQuery<C, Q> {}

impl<C: ValidGrouping<GB>, Q, GB> ValidGrouping<GB> for OneOfQuery<C, Q> {
    type IsAggregate = C::IsAggregate;
}

impl<C: QueryId, Q: QueryId> QueryId for OneOfQuery<C, Q> {
    type QueryId = (C::QueryId, Q::QueryId);
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID && Q::HAS_STATIC_QUERY_ID;
}

impl<C: QueryFragment<Sqlite>, Q: QueryFragment<Sqlite>> QueryFragment<Sqlite>
    for OneOfQuery<C, Q>
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (");
        self.query.walk_ast(out.reborrow())?;
        out.push_sql(")");
        Ok(())
    }
}

impl<C: QueryFragment<Pg>, Q: QueryFragment<Pg>> QueryFragment<Pg> for OneOfQuery<C, Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(ARRAY(");
        self.query.walk_ast(out.reborrow())?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C, Q> QueryFragment<Backend> for OneOfQuery<C, Q>
where
    Self: QueryFragment<Sqlite> + QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        Backend::walk_variant_ast(self, pass)
    }
}

#[cfg(test)]
mod tests {
    use super::one_of;
    use crate::schema::servers;
    use crate::sql::direct;
    use crate::testing::{fixtures, TestDb};
    use diesel::prelude::*;

    const NAMES: [&str; 6] = [
        "plain",
        "with \"quotes\"",
        "back\\slash",
        "line\nbreak and\ttab",
        "École ünïcode ✓",
        "', ?) OR 1=1 --",
    ];

    #[test]
    fn finds_exactly_the_listed_values_on_both_backends() {
        for db in TestDb::all() {
            let pool = db.pool();
            let mut conn = pool.get().unwrap();
            let mut ids = Vec::new();
            for name in NAMES {
                ids.push(fixtures::server(&mut conn, name).unwrap());
            }
            let other = fixtures::server(&mut conn, "not asked for").unwrap();
            let backend = db.backend_name();

            // Strings that JSON and SQL both have to escape come back as they are.
            let wanted: Vec<String> = NAMES.iter().map(|n| n.to_string()).collect();
            let mut found: Vec<String> = direct!(&mut **conn, |c| servers::table
                .filter(one_of(servers::name, wanted.clone()))
                .select(servers::name)
                .load(c))
            .unwrap();
            found.sort();
            let mut expected = wanted.clone();
            expected.sort();
            assert_eq!(found, expected, "{backend}");

            // Integers, a nullable column, an empty list, and through the MultiConnection.
            let some = vec![ids[1], ids[4], 9_999_999];
            let mut by_id: Vec<i64> = servers::table
                .filter(one_of(servers::id, some))
                .select(servers::id)
                .load(&mut **conn)
                .unwrap();
            by_id.sort();
            assert_eq!(by_id, [ids[1], ids[4]], "{backend}");
            let none: Vec<i64> = servers::table
                .filter(one_of(servers::id, Vec::<i64>::new()))
                .select(servers::id)
                .load(&mut **conn)
                .unwrap();
            assert!(none.is_empty(), "{backend}");
            diesel::update(servers::table.find(other))
                .set(servers::parent_id.eq(ids[0]))
                .execute(&mut **conn)
                .unwrap();
            let children: Vec<i64> = servers::table
                .filter(one_of(servers::parent_id, vec![ids[0], ids[2]]))
                .select(servers::id)
                .load(&mut **conn)
                .unwrap();
            assert_eq!(children, [other], "{backend}");
        }
    }

    /// `one_of_query`: rows whose column is among what a subquery selects, also in an `OR`
    /// (as `requests::steps_of_requests!` uses it), on both backends.
    #[test]
    fn one_of_query_finds_what_the_subquery_selects() {
        use super::one_of_query;
        for db in TestDb::all() {
            let pool = db.pool();
            let mut conn = pool.get().unwrap();
            let backend = db.backend_name();
            let parent = fixtures::server(&mut conn, "parent").unwrap();
            let other_parent = fixtures::server(&mut conn, "other parent").unwrap();
            let child = fixtures::server(&mut conn, "child").unwrap();
            let stranger = fixtures::server(&mut conn, "stranger").unwrap();
            let lonely = fixtures::server(&mut conn, "lonely").unwrap();
            for (id, parent_id) in [(child, parent), (stranger, other_parent)] {
                diesel::update(servers::table.find(id))
                    .set(servers::parent_id.eq(parent_id))
                    .execute(&mut **conn)
                    .unwrap();
            }
            let named_parent = || {
                diesel::alias!(servers as parents: ParentServers);
                parents
                    .filter(parents.field(servers::name).eq("parent"))
                    .select(parents.field(servers::id).nullable())
            };
            let mut found: Vec<i64> = servers::table
                .filter(one_of_query(servers::parent_id, named_parent()))
                .select(servers::id)
                .load(&mut **conn)
                .unwrap();
            assert_eq!(found, [child], "{backend}");
            found = servers::table
                .filter(
                    servers::id
                        .eq(lonely)
                        .or(one_of_query(servers::parent_id, named_parent())),
                )
                .order(servers::id)
                .select(servers::id)
                .load(&mut **conn)
                .unwrap();
            assert_eq!(found, [child, lonely], "{backend}");
        }
    }

    /// Counts the statements diesel prepares and keeps.
    struct Cached(std::sync::Arc<std::sync::atomic::AtomicUsize>);

    impl diesel::connection::Instrumentation for Cached {
        fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
            if let diesel::connection::InstrumentationEvent::CacheQuery { .. } = event {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
    }

    #[test]
    fn one_statement_serves_every_length_of_list() {
        for db in TestDb::all() {
            let pool = db.pool();
            let mut conn = pool.get().unwrap();
            let cached = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            conn.set_instrumentation(Cached(cached.clone()));
            for ids in [vec![1_i64], vec![1, 2, 3], (1..500).collect()] {
                let _: Vec<i64> = direct!(&mut **conn, |c| servers::table
                    .filter(one_of(servers::id, ids))
                    .select(servers::id)
                    .load(c))
                .unwrap();
            }
            // `eq_any` would have prepared three statements and cached none on SQLite.
            let cached = cached.load(std::sync::atomic::Ordering::SeqCst);
            assert_eq!(cached, 1, "{}", db.backend_name());
        }
    }
}
