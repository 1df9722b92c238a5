//! Each REST resource as the parts the CRUD handlers need: how its bodies and filters are
//! read (core), how it is stored (store) and shown (format). Adding a resource that
//! follows the conventions is one `impl` here and one line in `routes.rs`.

pub mod catalog;
pub mod infrastructure;
pub mod job_runs;
pub mod notifications;
pub mod requests;
pub mod steps;

use crate::lists::{AllAtOnce, Chunks};
use chrono_tz::Tz;
use runsheet_core::paging::Window;
use runsheet_core::Errors;
use runsheet_format::{Out, RenderOptions};
use runsheet_store::{AnyConnection, StoreError};
use serde_json::{Map, Value};

/// What reading and writing a record may need besides the body.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// The zone times without an offset are read in.
    pub tz: Tz,
    /// The API user: the default owner of what it creates, and who starts the scripts its
    /// changes set going.
    pub user_id: i64,
}

/// A resource's list: how its filters are read, its records loaded and shown. What GET on a
/// collection needs, and all that read-only job runs have.
pub trait Listed: 'static {
    /// The XML element of one record, e.g. `user`.
    const SINGULAR: &'static str;
    /// The XML element of a list, e.g. `users`.
    const PLURAL: &'static str;
    type Record: Send + 'static;
    type Filter: Send + 'static;

    fn parse_filter(raw: &Map<String, Value>, context: &Context) -> Result<Self::Filter, Errors>;
    /// Writes a record as `name` (its XML element: `step`).
    fn write(out: &mut dyn Out, name: &str, record: &Self::Record, options: &RenderOptions);
    /// A record's id: where `after` goes on from.
    fn id(record: &Self::Record) -> i64;

    /// The part of the filtered list `window` selects.
    fn page(
        conn: &mut AnyConnection,
        filter: &Self::Filter,
        window: &Window,
    ) -> Result<Vec<Self::Record>, StoreError>;
    /// How many records the whole filtered list has.
    fn count(conn: &mut AnyConnection, filter: &Self::Filter) -> Result<i64, StoreError>;

    /// The whole list, `size` records at a time where the resource can load it so (lists
    /// that grow without bound); all at once otherwise.
    fn chunks(filter: Self::Filter, _size: usize) -> Box<dyn Chunks<Self::Record>> {
        Box::new(AllAtOnce::new(filter, |conn, filter| {
            Self::page(conn, filter, &Window::ALL)
        }))
    }
}

pub trait Resource: Listed {
    type Changes: Send + 'static;

    /// GET of one record first sends the notification it asks for (steps only).
    const NOTIFIES_ON_SHOW: bool = false;
    /// Its records hold the API's tokens (users): a change clears the tokens this server
    /// remembers ([`crate::auth_cache`]).
    const HOLDS_TOKENS: bool = false;

    fn parse_changes(body: Option<&Value>, context: &Context) -> Result<Self::Changes, Errors>;

    fn find(conn: &mut AnyConnection, id: i64) -> Result<Self::Record, StoreError>;
    fn create(
        conn: &mut AnyConnection,
        changes: &Self::Changes,
        context: &Context,
    ) -> Result<Self::Record, StoreError>;
    fn update(
        conn: &mut AnyConnection,
        id: i64,
        changes: &Self::Changes,
        context: &Context,
    ) -> Result<Self::Record, StoreError>;
    /// What DELETE leaves: the record when it stays (deactivated), `None` when it is gone.
    fn destroy(conn: &mut AnyConnection, id: i64) -> Result<Option<Self::Record>, StoreError>;
}

/// Implements [`Listed`] and [`Resource`] from a core module (`Changes`, `Filter`), a store
/// module (`page`, `count_list`, `find`, `create`, `update` and the DELETE function) and a
/// representation. `record: T => field` says the record's id is `field.id`, not `id`.
macro_rules! resource {
    ($name:ident, $singular:literal, $plural:literal, record: $record:ty $(=> $main:ident)?, changes: $changes:ty, filter: $filter:ty,
     store: $store:path, represent: $represent:path, destroy: $destroy:ident
     $(, holds_tokens: $holds_tokens:literal)?) => {
        pub struct $name;

        impl $crate::resources::Listed for $name {
            const SINGULAR: &'static str = $singular;
            const PLURAL: &'static str = $plural;
            type Record = $record;
            type Filter = $filter;

            fn parse_filter(
                raw: &Map<String, Value>,
                _: &$crate::resources::Context,
            ) -> Result<Self::Filter, Errors> {
                <$filter>::parse(raw)
            }
            fn write(
                out: &mut dyn runsheet_format::Out,
                name: &str,
                record: &Self::Record,
                options: &RenderOptions,
            ) {
                $represent(record, options).write(out, name)
            }
            fn id(record: &Self::Record) -> i64 {
                record$(.$main)?.id
            }
            fn page(
                conn: &mut AnyConnection,
                filter: &Self::Filter,
                window: &runsheet_core::paging::Window,
            ) -> Result<Vec<Self::Record>, StoreError> {
                use $store as store;
                store::page(conn, filter, window)
            }
            fn count(conn: &mut AnyConnection, filter: &Self::Filter) -> Result<i64, StoreError> {
                use $store as store;
                store::count_list(conn, filter)
            }
        }

        impl Resource for $name {
            type Changes = $changes;
            $(const HOLDS_TOKENS: bool = $holds_tokens;)?

            fn parse_changes(
                body: Option<&Value>,
                _: &$crate::resources::Context,
            ) -> Result<Self::Changes, Errors> {
                <$changes>::parse(body)
            }
            fn find(conn: &mut AnyConnection, id: i64) -> Result<Self::Record, StoreError> {
                use $store as store;
                store::find(conn, id)
            }
            fn create(
                conn: &mut AnyConnection,
                changes: &Self::Changes,
                _: &$crate::resources::Context,
            ) -> Result<Self::Record, StoreError> {
                use $store as store;
                store::create(conn, changes)
            }
            fn update(
                conn: &mut AnyConnection,
                id: i64,
                changes: &Self::Changes,
                _: &$crate::resources::Context,
            ) -> Result<Self::Record, StoreError> {
                use $store as store;
                store::update(conn, id, changes)
            }
            fn destroy(
                conn: &mut AnyConnection,
                id: i64,
            ) -> Result<Option<Self::Record>, StoreError> {
                use $store as store;
                store::$destroy(conn, id).map(Into::into)
            }
        }
    };
}

pub(crate) use resource;

resource!(Users, "user", "users",
    record: runsheet_core::user::UserRecord => user, changes: runsheet_core::user::UserChanges, filter: runsheet_core::user::UserFilter,
    store: runsheet_store::users, represent: runsheet_format::resources::user, destroy: deactivate,
    holds_tokens: true);

resource!(Groups, "group", "groups",
    record: runsheet_core::group::GroupRecord => group, changes: runsheet_core::group::GroupChanges, filter: runsheet_core::group::GroupFilter,
    store: runsheet_store::groups, represent: runsheet_format::resources::group, destroy: deactivate);
