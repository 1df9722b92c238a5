//! How each resource is shown: scalar attributes in alphabetical order, then what it
//! nests, as the original's `to_json`/`to_xml` did.

pub mod apps;
pub mod categories;
pub mod components;
pub mod environments;
mod groups;
pub mod installed_components;
pub mod job_runs;
pub mod phases;
pub mod procedures;
pub mod properties;
pub mod requests;
pub mod runtime_phases;
pub mod scripts;
pub mod server_levels;
pub mod servers;
pub mod steps;
mod users;
pub mod work_tasks;

pub use groups::group;
pub use users::user;
