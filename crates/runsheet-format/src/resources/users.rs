use crate::{List, Node, Record, RenderOptions};
use runsheet_core::user::UserRecord;

/// A user. The API key is never part of it.
pub fn user(record: &UserRecord, _options: &RenderOptions) -> Node {
    let u = &record.user;
    let groups = record
        .groups
        .iter()
        .map(|g| {
            Record::new()
                .field("id", g.id)
                .field("name", g.name.as_str())
                .into()
        })
        .collect::<Vec<Node>>();
    Record::new()
        .field("active", u.active)
        .field("admin", u.admin)
        .field("created_at", u.created_at)
        .field("email", u.email.as_str())
        .field("first_name", u.first_name.clone())
        .field("id", u.id)
        .field("last_name", u.last_name.clone())
        .field("login", u.login.as_str())
        .field("updated_at", u.updated_at)
        .field("groups", List::new("group", groups))
        .into()
}
