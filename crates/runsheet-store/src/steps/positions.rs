//! Where a step stands among its siblings: next position, making room, closing gaps.

use super::*;

/// Renumbering siblings reads then writes positions: the requests involved are locked first
/// (in id order, so that two writers never wait on each other crosswise).
pub(super) fn lock_requests<const N: usize>(
    conn: &mut AnyConnection,
    ids: [Option<i64>; N],
) -> Result<(), StoreError> {
    let mut ids: Vec<i64> = ids.into_iter().flatten().collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        crate::requests::lock(conn, id)?;
    }
    Ok(())
}

/// The siblings a step is numbered among.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    Parent(i64),
    Request(i64),
    Procedure(i64),
    Nowhere,
}

impl Scope {
    pub(super) fn of(f: &StepFields) -> Scope {
        match (f.parent_id, f.request_id, f.procedure_id) {
            (Some(parent), _, _) => Scope::Parent(parent),
            (None, Some(request), _) => Scope::Request(request),
            (None, None, Some(procedure)) => Scope::Procedure(procedure),
            _ => Scope::Nowhere,
        }
    }

    fn siblings(self) -> steps::BoxedQuery<'static, Backend> {
        let q = steps::table.into_boxed::<Backend>();
        match self {
            Scope::Parent(parent) => q.filter(steps::parent_id.eq(parent)),
            Scope::Request(request) => q
                .filter(steps::request_id.eq(request))
                .filter(steps::parent_id.is_null()),
            Scope::Procedure(procedure) => q
                .filter(steps::procedure_id.eq(procedure))
                .filter(steps::request_id.is_null())
                .filter(steps::parent_id.is_null()),
            Scope::Nowhere => q.filter(steps::id.eq(0)),
        }
    }
}

pub(super) fn next_position(
    conn: &mut AnyConnection,
    scope: Scope,
    except: Option<i64>,
) -> Result<i64, StoreError> {
    let last: Option<i64> = scope
        .siblings()
        .filter(steps::id.ne(except.unwrap_or(0)))
        .select(steps::position)
        .order(steps::position.desc())
        .first(conn)
        .optional()?;
    Ok(last.unwrap_or(0).saturating_add(1))
}

/// The siblings after `position` move up one.
pub(super) fn close_gap(
    conn: &mut AnyConnection,
    scope: Scope,
    position: i64,
    except: i64,
) -> Result<(), StoreError> {
    shift(
        conn,
        scope,
        except,
        position.saturating_add(1),
        i64::MAX,
        -1,
    )
}

/// A step placed at `position` among new siblings: those from there on move down one.
pub(super) fn make_room(
    conn: &mut AnyConnection,
    scope: Scope,
    position: i64,
    except: i64,
) -> Result<(), StoreError> {
    shift(conn, scope, except, position, i64::MAX, 1)
}

/// A step moved from `from` to `to` among the same siblings: those in between make way.
pub(super) fn move_within(
    conn: &mut AnyConnection,
    scope: Scope,
    id: i64,
    from: i64,
    to: i64,
) -> Result<(), StoreError> {
    match to.cmp(&from) {
        std::cmp::Ordering::Less => shift(conn, scope, id, to, from.saturating_sub(1), 1),
        std::cmp::Ordering::Greater => shift(conn, scope, id, from.saturating_add(1), to, -1),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

/// Adds `delta` to the position of the siblings (but `except`) whose position is in
/// `low..=high`.
pub(super) fn shift(
    conn: &mut AnyConnection,
    scope: Scope,
    except: i64,
    low: i64,
    high: i64,
    delta: i64,
) -> Result<(), StoreError> {
    let moving: Vec<i64> = scope
        .siblings()
        .filter(steps::position.ge(low))
        .filter(steps::position.le(high))
        .filter(steps::id.ne(except))
        .select(steps::id)
        .load(conn)?;
    for chunk in moving.chunks(IN_CHUNK) {
        diesel::update(steps::table.filter(steps::id.eq_any(chunk)))
            .set(steps::position.eq(steps::position + delta))
            .execute(conn)?;
    }
    Ok(())
}
