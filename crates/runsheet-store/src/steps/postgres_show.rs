//! PostgreSQL: a step's show in one statement. Each statement is a round trip to the
//! server, and a show took five (the step with its names, its installed component, property
//! values, selected and available servers): its records now come beside the step, each as
//! an array of rows (`ARRAY(SELECT ROW(...))`), in the same shapes [`load_records`] reads
//! them in, and are dressed the same way (docs/benchmarks.md, 20). A list keeps one
//! statement per kind of record for all its steps: the arrays, a set of subqueries run for
//! each step, cost PostgreSQL 3.4 ms of CPU a 50-step list against 2.0 ms for the four
//! statements, more than the three round trips they save.
//!
//! [`load_records`]: super::records::load_records

use diesel::pg::sql_types::Record;
use diesel::pg::PgConnection;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text, Timestamp};

use super::names::{self, Names};
use super::records::{
    dress, installed_refs, AvailableCols, InstalledCols, PropertyValueCols, Records, SelectedCols,
};
use super::*;

type ServerRow = Record<(
    BigInt,
    Text,
    Nullable<Text>,
    Nullable<BigInt>,
    Nullable<BigInt>,
    Timestamp,
    Timestamp,
    Nullable<Text>,
)>;

/// A server as [`ServerRow`], from `servers s` left-joined to `server_levels l`.
macro_rules! server_row {
    () => {
        "ROW(s.id, s.name, s.description, s.parent_id, s.server_level_id, s.created_at, \
         s.updated_at, l.name)"
    };
}

crate::sql::fixed_sql! {
    /// The step's installed component (none or one), as [`InstalledCols`].
    InstalledOf: Array<Record<(
        BigInt,
        Record<(BigInt, Text, Nullable<Text>, Bool, Timestamp, Timestamp)>,
        Record<(BigInt, Text, Bool, Timestamp, Timestamp)>,
        Record<(BigInt, Text, Text, Bool, Timestamp, Timestamp)>,
        Record<(Nullable<BigInt>, Nullable<BigInt>)>,
    )>> = "ARRAY(SELECT ROW(ic.id, \
        ROW(a.id, a.name, a.app_version, a.active, a.created_at, a.updated_at), \
        ROW(c.id, c.name, c.active, c.created_at, c.updated_at), \
        ROW(e.id, e.name, e.deployment_policy, e.active, e.created_at, e.updated_at), \
        ROW((SELECT k.id FROM app_components k WHERE k.app_id = a.id AND k.component_id = c.id), \
            (SELECT k.id FROM app_environments k \
             WHERE k.app_id = a.id AND k.environment_id = e.id))) \
        FROM installed_components ic JOIN apps a ON a.id = ic.app_id \
        JOIN components c ON c.id = ic.component_id \
        JOIN environments e ON e.id = ic.environment_id \
        WHERE ic.id = steps.installed_component_id)";
    /// The step's property values, as [`PropertyValueCols`].
    PropertyValuesOf: Array<Record<(BigInt, BigInt, Text, Nullable<Text>)>> =
        "ARRAY(SELECT ROW(v.step_id, p.id, p.name, v.value) \
         FROM step_property_values v JOIN properties p ON p.id = v.property_id \
         WHERE v.step_id = steps.id)";
    /// The servers the step selected, as [`SelectedCols`].
    SelectedOf: Array<Record<(BigInt, Text, ServerRow)>> = concat!(
        "ARRAY(SELECT ROW(x.step_id, x.role, ", server_row!(), ") \
         FROM step_servers x JOIN servers s ON s.id = x.server_id \
         LEFT JOIN server_levels l ON l.id = s.server_level_id \
         WHERE x.step_id = steps.id)"
    );
    /// The servers of the step's installed component in its environment, as
    /// [`AvailableCols`] (see `load_records`).
    AvailableOf: Array<Record<(BigInt, ServerRow)>> = concat!(
        "ARRAY(SELECT ROW(x.installed_component_id, ", server_row!(), ") \
         FROM installed_component_servers x \
         JOIN installed_components ic ON ic.id = x.installed_component_id \
         JOIN servers s ON s.id = x.server_id \
         LEFT JOIN server_levels l ON l.id = s.server_level_id \
         JOIN server_environments se \
         ON se.server_id = s.id AND se.environment_id = ic.environment_id \
         WHERE x.installed_component_id = steps.installed_component_id)"
    );
}

type Shown = (
    Vec<InstalledCols>,
    Vec<PropertyValueCols>,
    Vec<SelectedCols>,
    Vec<AvailableCols>,
);

/// The step `id` with everything it shows, in one statement.
pub(super) fn find(conn: &mut PgConnection, id: i64) -> Result<StepRecord, StoreError> {
    let row: Option<(StepRow, Names, Shown)> = steps::table
        .filter(steps::id.eq(id))
        .select((
            steps::all_columns,
            names::COLUMNS,
            (InstalledOf, PropertyValuesOf, SelectedOf, AvailableOf),
        ))
        .first(conn)
        .optional()?;
    let (step, names, (installed, property_values, selected, available)) =
        row.ok_or(StoreError::NotFound)?;
    let records = Records {
        property_values,
        selected,
        available,
    };
    let mut dressed = dress(vec![(step, names)], installed_refs(installed), records);
    dressed.pop().ok_or(StoreError::NotFound)
}
