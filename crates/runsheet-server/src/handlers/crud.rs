//! The five REST actions, once for every resource that follows the conventions.

use crate::lists;
use crate::request::{ApiRequest, ApiResult};
use crate::resources::{Context, Listed, Resource};
use crate::response::ApiResponse;
use actix_web::http::StatusCode;

/// GET on the collection: a page of the list, or the whole of it (see [`lists`]).
pub async fn list<R: Listed>(api: ApiRequest) -> ApiResult {
    let context = context(&api);
    let (filter, paging) = api.list_query(|raw| R::parse_filter(raw, &context))?;
    lists::answer::<R>(&api, filter, paging).await
}

pub async fn show<R: Resource>(api: ApiRequest) -> ApiResult {
    let id = api.id()?;
    if R::NOTIFIES_ON_SHOW {
        crate::notify::send_if_asked(&api, id).await?;
    }
    let record = api.db(move |conn| R::find(conn, id)).await?;
    api.render(StatusCode::OK, R::SINGULAR, |out, name| {
        R::write(out, name, &record, api.options())
    })
}

pub async fn create<R: Resource>(api: ApiRequest) -> ApiResult {
    let context = context(&api);
    let changes = api.changes(|body| R::parse_changes(body, &context))?;
    let record = api
        .db(move |conn| R::create(conn, &changes, &context))
        .await?;
    api.render(StatusCode::CREATED, R::SINGULAR, |out, name| {
        R::write(out, name, &record, api.options())
    })
}

pub async fn update<R: Resource>(api: ApiRequest) -> ApiResult {
    let id = api.id()?;
    let context = context(&api);
    let changes = api.changes(|body| R::parse_changes(body, &context))?;
    let record = api
        .db(move |conn| R::update(conn, id, &changes, &context))
        .await?;
    if R::HOLDS_TOKENS {
        api.state().auth.clear();
    }
    // An event may have queued a script: this server's runner need not wait for its poll.
    api.state().wake_runner();
    api.render(StatusCode::ACCEPTED, R::SINGULAR, |out, name| {
        R::write(out, name, &record, api.options())
    })
}

/// 202 with what is left of the record (a deactivated user), or with no body when it is gone.
pub async fn destroy<R: Resource>(api: ApiRequest) -> ApiResult {
    let id = api.id()?;
    let destroyed = api.db(move |conn| R::destroy(conn, id)).await?;
    if R::HOLDS_TOKENS {
        api.state().auth.clear();
    }
    match destroyed {
        Some(record) => api.render(StatusCode::ACCEPTED, R::SINGULAR, |out, name| {
            R::write(out, name, &record, api.options())
        }),
        None => Ok(ApiResponse::empty(StatusCode::ACCEPTED)),
    }
}

fn context(api: &ApiRequest) -> Context {
    Context {
        tz: api.options().tz,
        user_id: api.user.id,
    }
}
