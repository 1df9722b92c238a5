//! The rules that need the database: every reference exists and fits the others.

use super::*;

/// Whether a row with this id exists in `table`.
macro_rules! exists {
    ($conn:expr, $table:ident, $id:expr) => {
        $table::table
            .filter($table::id.eq($id))
            .count()
            .get_result::<i64>($conn)?
            > 0
    };
}

pub(super) fn check_references(
    conn: &mut AnyConnection,
    id: Option<i64>,
    f: &StepFields,
    errors: &mut Errors,
) -> Result<(), StoreError> {
    macro_rules! must_exist {
        ($($field:ident => $table:ident),*) => {$(
            if let Some(ref_id) = f.$field {
                if !exists!(conn, $table, ref_id) {
                    errors.add(stringify!($field), messages::DOES_NOT_EXIST);
                }
            }
        )*};
    }
    must_exist!(
        request_id => requests,
        procedure_id => procedures,
        script_id => scripts,
        phase_id => phases,
        runtime_phase_id => runtime_phases,
        category_id => categories,
        work_task_id => work_tasks
    );
    if let Some(owner_id) = f.owner_id {
        let found = match f.owner_type.as_deref() {
            Some("User") => Some(exists!(conn, users, owner_id)),
            Some("Group") => Some(exists!(conn, groups, owner_id)),
            _ => None, // owner_type is already refused
        };
        if found == Some(false) {
            errors.add("owner_id", messages::DOES_NOT_EXIST);
        }
    }
    if let Some(ic) = f.installed_component_id {
        let component: Option<i64> = installed_components::table
            .find(ic)
            .select(installed_components::component_id)
            .first(conn)
            .optional()?;
        match (component, f.component_id) {
            (None, _) => errors.add("installed_component_id", messages::DOES_NOT_EXIST),
            // The component must be the installed component's.
            (Some(expected), Some(given)) if expected != given => {
                errors.add("component_id", messages::INVALID)
            }
            _ => {}
        }
    } else if let Some(component) = f.component_id {
        if !exists!(conn, components, component) {
            errors.add("component_id", messages::DOES_NOT_EXIST);
        }
    }
    if let Some(parent) = f.parent_id {
        // A procedure step of the same request (or procedure), and not the step itself.
        let found: Option<(Option<i64>, Option<i64>, bool)> = steps::table
            .find(parent)
            .select((steps::request_id, steps::procedure_id, steps::procedure))
            .first(conn)
            .optional()?;
        match found {
            None => errors.add("parent_id", messages::DOES_NOT_EXIST),
            Some((request, procedure, is_procedure)) => {
                let same_home = match f.request_id {
                    Some(_) => request == f.request_id,
                    None => request.is_none() && procedure == f.procedure_id,
                };
                if !is_procedure || !same_home || Some(parent) == id {
                    errors.add("parent_id", messages::INVALID);
                }
            }
        }
    }
    Ok(())
}

pub(super) fn check_servers(
    conn: &mut AnyConnection,
    changes: &StepChanges,
    errors: &mut Errors,
) -> Result<(), StoreError> {
    for (name, ids) in [
        ("target_server_ids", &changes.target_server_ids),
        ("alternate_server_ids", &changes.alternate_server_ids),
    ] {
        if let Some(ids) = ids {
            let found: i64 = servers::table
                .filter(servers::id.eq_any(ids))
                .count()
                .get_result(conn)?;
            if found != ids.len() as i64 {
                errors.add(name, messages::DOES_NOT_EXIST);
            }
        }
    }
    if let (Some(target), Some(alternate)) =
        (&changes.target_server_ids, &changes.alternate_server_ids)
    {
        if alternate.iter().any(|id| target.contains(id)) {
            errors.add("alternate_server_ids", messages::INVALID);
        }
    }
    Ok(())
}

/// Property names, in any case, to ids; an unknown name is named in the error. A name
/// that matches no property exactly may match one as XML spells it back: "prop 2" is
/// rendered `<prop-2>`, which an XML body reads as "prop_2".
pub(super) fn resolve_properties(
    conn: &mut AnyConnection,
    values: &[(String, Option<String>)],
    errors: &mut Errors,
) -> Result<Vec<(i64, Option<String>)>, StoreError> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let all: Vec<(i64, String)> = properties::table
        .select((properties::id, properties::name))
        .load(conn)?;
    let xml_spelling = |name: &str| -> String {
        name.to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '_' })
            .collect()
    };
    let mut resolved = Vec::new();
    for (name, value) in values {
        let exact = all
            .iter()
            .find(|(_, n)| n.to_lowercase() == name.to_lowercase());
        let spelled: Vec<&(i64, String)> = all
            .iter()
            .filter(|(_, n)| xml_spelling(n) == xml_spelling(name))
            .collect();
        let found = exact.or(match spelled.as_slice() {
            [one] => Some(*one),
            _ => None,
        });
        match found {
            Some((id, _)) => resolved.push((*id, value.clone())),
            None => errors.add(
                "property_values",
                format!("names an unknown property: {name}"),
            ),
        }
    }
    Ok(resolved)
}
