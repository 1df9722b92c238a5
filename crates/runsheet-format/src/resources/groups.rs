use crate::{List, Node, Record, RenderOptions};
use runsheet_core::group::GroupRecord;

pub fn group(record: &GroupRecord, _options: &RenderOptions) -> Node {
    let g = &record.group;
    let users = record
        .users
        .iter()
        .map(|u| {
            Record::new()
                .field("email", u.email.as_str())
                .field("first_name", u.first_name.clone())
                .field("id", u.id)
                .field("last_name", u.last_name.clone())
                .field("login", u.login.as_str())
                .into()
        })
        .collect::<Vec<Node>>();
    Record::new()
        .field("active", g.active)
        .field("created_at", g.created_at)
        .field("email", g.email.clone())
        .field("id", g.id)
        .field("name", g.name.as_str())
        .field("updated_at", g.updated_at)
        .field("users", List::new("user", users))
        .into()
}
