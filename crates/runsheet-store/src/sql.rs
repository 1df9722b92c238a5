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
