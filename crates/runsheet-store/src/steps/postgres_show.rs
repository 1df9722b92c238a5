//! PostgreSQL: a step's show in one statement. Each statement is a round trip to the
//! server, and a show took five (the step with its names, its installed component, property
//! values, selected and available servers): its records now come beside the step, each as
//! an array of rows (`ARRAY(SELECT ROW(...))`), in the same shapes [`read_records`] reads
//! them in, with the catalog's version, and are dressed the same way (docs/benchmarks.md,
//! 20 and 22). A list reads the records of all its steps with their names instead
//! ([`look_up`]): arrays beside each step, a set of subqueries run for each, cost
//! PostgreSQL 3.4 ms of CPU a 50-step list against 2.0 ms for one statement per kind (20).
//!
//! [`read_records`]: super::records
//! [`look_up`]: super::names::look_up

use diesel::pg::sql_types::Record;
use diesel::pg::PgConnection;
use diesel::sql_types::{Array, BigInt, Nullable, Text};

use super::catalog::Version;
use super::names::{self, Names};
use super::records::{PropertyValueCols, Records, SelectedCols};
use super::*;

crate::sql::fixed_sql! {
    /// The step's property values, as [`PropertyValueCols`].
    PropertyValuesOf: Array<Record<(BigInt, BigInt, Nullable<Text>)>> =
        "ARRAY(SELECT ROW(v.step_id, v.property_id, v.value) \
         FROM step_property_values v WHERE v.step_id = steps.id)";
    /// The servers the step selected, as [`SelectedCols`].
    SelectedOf: Array<Record<(BigInt, Text, BigInt)>> =
        "ARRAY(SELECT ROW(x.step_id, x.role, x.server_id) \
         FROM step_servers x WHERE x.step_id = steps.id)";
}

type Shown = (i64, Vec<PropertyValueCols>, Vec<SelectedCols>);

/// The step `id` with its names and records, in one statement.
pub(super) fn find(
    conn: &mut PgConnection,
    id: i64,
) -> Result<((StepRow, Names), Records), StoreError> {
    let row: Option<(StepRow, Names, Shown)> = steps::table
        .filter(steps::id.eq(id))
        .select((
            steps::all_columns,
            names::COLUMNS,
            (Version, PropertyValuesOf, SelectedOf),
        ))
        .first(conn)
        .optional()?;
    let (step, names, (version, property_values, selected)) = row.ok_or(StoreError::NotFound)?;
    let records = Records {
        version,
        property_values,
        selected,
    };
    Ok(((step, names), records))
}
