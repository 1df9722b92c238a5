//! How each resource is shown: scalar attributes in alphabetical order, then what it
//! nests, as the original's `to_json`/`to_xml` did.

mod groups;
mod users;

pub use groups::group;
pub use users::user;
