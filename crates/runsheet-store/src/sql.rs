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
