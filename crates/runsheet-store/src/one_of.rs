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

impl JsonItem for i32 {
    fn write_json(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl JsonItem for String {
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

impl JsonItem for &str {
    fn write_json(&self, out: &mut String) {
        (*self).to_owned().write_json(out);
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
