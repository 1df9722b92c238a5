//! `ApiRequest`: what every /v1 handler starts from. Extracting it negotiates the format,
//! reads and parses the body, and authenticates the token, in that order.

use crate::error::{ApiError, ApiFailure};
use crate::middleware::PathFormat;
use crate::response::ApiResponse;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use runsheet_core::paging::{self, Paging};
use runsheet_core::params::body_token;
use runsheet_core::user::User;
use runsheet_core::Errors;
use runsheet_format::{negotiate, parse_json, parse_query, parse_xml, Format, Node, Out};
use runsheet_store::{AnyConnection, StoreError};
use serde_json::{Map, Value};

pub struct ApiRequest {
    pub format: Format,
    /// The active admin whose token opened the request.
    pub user: User,
    state: web::Data<AppState>,
    query: Map<String, Value>,
    body: Option<Value>,
    id: Option<String>,
    /// The path as the client wrote it (with its `.json`/`.xml`) and its query string as
    /// sent: what links to other pages of a list are made from.
    path: String,
    raw_query: String,
}

pub type ApiResult = Result<ApiResponse, ApiFailure>;

impl FromRequest for ApiRequest {
    type Error = ApiFailure;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
                return Err(
                    ApiError::Internal("application state missing".into()).in_format(Format::Json)
                );
            };
            let format = request_format(&req, state.default_format)
                .map_err(|e| e.in_format(state.default_format))?;
            let fail = |e: ApiError| e.in_format(format);
            let bytes = read_body(&req, &mut payload, state.body_limit)
                .await
                .map_err(fail)?;
            let body = parse_body(&req, &bytes).map_err(fail)?;
            let query = parse_query(req.query_string());
            let token = query_token(&query)
                .or_else(|| bearer_token(&req))
                .or_else(|| body.as_ref().and_then(body_token))
                .map(str::to_owned)
                .ok_or_else(|| fail(ApiError::Forbidden))?;
            let user = authenticate(&state, token).await.map_err(fail)?;
            let path = match req.extensions().get::<PathFormat>() {
                Some(PathFormat(format)) => format!("{}.{}", req.path(), format.extension()),
                None => req.path().to_owned(),
            };
            Ok(ApiRequest {
                format,
                user,
                id: req.match_info().get("id").map(str::to_owned),
                path,
                raw_query: req.query_string().to_owned(),
                state,
                query,
                body,
            })
        })
    }
}

/// The active admin `token` belongs to: from the cache, else from the database.
async fn authenticate(state: &web::Data<AppState>, token: String) -> Result<User, ApiError> {
    if let Some(user) = state.auth.get(&token) {
        return Ok(user);
    }
    let generation = state.auth.generation();
    let (token, user) = state
        .db(move |conn| {
            let user = runsheet_store::users::authenticate(conn, &token)?;
            Ok((token, user))
        })
        .await?;
    let user = user.ok_or(ApiError::Forbidden)?;
    state.auth.put(&token, &user, generation);
    Ok(user)
}

/// `.json`/`.xml` on the path wins; else the Accept header; else the configured default.
pub fn request_format(req: &HttpRequest, default: Format) -> Result<Format, ApiError> {
    if let Some(PathFormat(format)) = req.extensions().get::<PathFormat>() {
        return Ok(*format);
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    negotiate(accept, default).map_err(|_| ApiError::NotAcceptable)
}

async fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::BadRequest(format!(
            "the request body is larger than the limit of {limit} bytes"
        ))
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::BadRequest(format!("the request body could not be read: {e}"))
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// An empty body is no body, whatever its Content-Type says (clients send
/// `Content-Type: application/json` on every call). Otherwise the Content-Type picks the
/// parser; with none we could read (curl's form default), the first character does.
fn parse_body(req: &HttpRequest, bytes: &[u8]) -> Result<Option<Value>, ApiError> {
    let Some(first) = bytes.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Ok(None);
    };
    let content_type = req.content_type().to_ascii_lowercase();
    let xml = if content_type == "application/json" || content_type.ends_with("+json") {
        false
    } else if content_type == "application/xml"
        || content_type == "text/xml"
        || content_type.ends_with("+xml")
    {
        true
    } else {
        *first == b'<'
    };
    let parsed = if xml {
        parse_xml(bytes)
    } else {
        parse_json(bytes)
    };
    parsed
        .map(Some)
        .map_err(|e| ApiError::BadRequest(e.to_string()))
}

fn query_token(query: &Map<String, Value>) -> Option<&str> {
    query
        .get(runsheet_core::params::TOKEN)?
        .as_str()
        .filter(|t| !t.is_empty())
}

fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl ApiRequest {
    /// How records are rendered: time zone, request number base.
    pub fn options(&self) -> &runsheet_format::RenderOptions {
        &self.state.render
    }

    /// What the handlers share: pool, settings.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The shared state, for work that outlives the handler (a streamed body).
    pub fn shared_state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// The query string, parsed Rack-style (`notify[recipients]=...` is a nested object).
    pub fn query(&self) -> &Map<String, Value> {
        &self.query
    }

    /// The parsed body, if there was one.
    pub fn body(&self) -> Option<&Value> {
        self.body.as_ref()
    }

    pub fn fail(&self, error: impl Into<ApiError>) -> ApiFailure {
        error.into().in_format(self.format)
    }

    /// The `{id}` of a member route; anything but an integer is an unknown record.
    pub fn id(&self) -> Result<i64, ApiFailure> {
        self.id
            .as_deref()
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| self.fail(ApiError::NotFound))
    }

    /// The body read by a resource's parser (`UserChanges::parse`, ...).
    pub fn changes<T>(
        &self,
        parse: impl FnOnce(Option<&Value>) -> Result<T, Errors>,
    ) -> Result<T, ApiFailure> {
        parse(self.body.as_ref()).map_err(|e| self.fail(e))
    }

    /// What a list is asked for: its filters, from `filters[...]` in the query string and a
    /// `filters` object in the body (the query string wins), read by the resource's parser;
    /// and which part of it ([`Paging`], from the query string). The errors of both are
    /// answered together.
    pub fn list_query<T>(
        &self,
        parse: impl FnOnce(&Map<String, Value>) -> Result<T, Errors>,
    ) -> Result<(T, Paging), ApiFailure> {
        let filter = self.raw_filters().and_then(|raw| parse(&raw));
        match (filter, Paging::parse(&self.query)) {
            (Ok(filter), Ok(paging)) => Ok((filter, paging)),
            (Err(mut errors), Err(more)) => {
                errors.extend(more);
                Err(self.fail(errors))
            }
            (Err(errors), _) | (_, Err(errors)) => Err(self.fail(errors)),
        }
    }

    fn raw_filters(&self) -> Result<Map<String, Value>, Errors> {
        let mut merged = Map::new();
        let sources = [
            self.body.as_ref().and_then(|b| b.get("filters")),
            self.query.get("filters"),
        ];
        for source in sources.into_iter().flatten() {
            match source {
                Value::Object(filters) => merged.extend(filters.clone()),
                Value::Null => {}
                Value::String(s) if s.is_empty() => {}
                _ => {
                    let mut errors = Errors::new();
                    errors.add("filters", runsheet_core::errors::messages::INVALID);
                    return Err(errors);
                }
            }
        }
        Ok(merged)
    }

    /// A `Link` header entry (RFC 8288) to another page of this list: the client's own
    /// query (filters, token and all, as it sent them) with the page's position in place of
    /// its own. A path-absolute reference, so no Host header is trusted.
    pub fn link(&self, to: Paging, rel: &str) -> String {
        page_link(&self.path, &self.raw_query, to, rel)
    }

    pub async fn db<T, F>(&self, work: F) -> Result<T, ApiFailure>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
    {
        self.state.db(work).await.map_err(|e| self.fail(e))
    }

    /// One record, rendered with `root` as its XML element name.
    pub fn record(&self, status: StatusCode, root: &str, node: Node) -> ApiResult {
        self.render(status, root, |out, name| node.write(out, name))
    }

    /// One record that `write` writes, as `root` (its XML element name).
    pub fn render(
        &self,
        status: StatusCode,
        root: &str,
        write: impl FnOnce(&mut dyn Out, &str),
    ) -> ApiResult {
        let body = runsheet_format::render(self.format, root, &self.state.render, write);
        Ok(ApiResponse::bytes(status, self.format, body))
    }
}

fn page_link(path: &str, raw_query: &str, to: Paging, rel: &str) -> String {
    let mut query: Vec<String> = raw_query
        .split('&')
        .filter(|pair| !pair.is_empty() && !is_position(pair))
        .map(str::to_owned)
        .collect();
    if let Some((name, value)) = to.position() {
        query.push(format!("{name}={value}"));
    }
    let target = format!("{path}?{}", query.join("&"));
    format!("<{}>; rel=\"{rel}\"", link_safe(&target))
}

/// Whether a query pair is `page=` or `after=` (however its name is encoded).
fn is_position(pair: &str) -> bool {
    let name = pair.split('=').next().unwrap_or_default();
    let name = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
    name == paging::PAGE || name == paging::AFTER
}

/// The target of a link, with what may not stand between `<` and `>` in a header (spaces,
/// quotes, angle brackets, controls, non-ASCII) percent-encoded; the rest as sent.
fn link_safe(target: &str) -> String {
    let mut out = String::with_capacity(target.len());
    for byte in target.bytes() {
        if byte.is_ascii_graphic()
            && !matches!(
                byte,
                b'<' | b'>' | b'"' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
            )
        {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_query_but_the_position() {
        let next = Paging::Page {
            per_page: 2,
            page: 3,
        };
        assert_eq!(
            page_link(
                "/v1/steps.xml",
                "filters[name][]=a%20b&page=2&per_page=2&token=t",
                next,
                "next"
            ),
            "</v1/steps.xml?filters[name][]=a%20b&per_page=2&token=t&page=3>; rel=\"next\""
        );
        let after = Paging::After {
            per_page: 5,
            after: 9,
        };
        assert_eq!(
            page_link("/v1/job_runs", "pa%67e=1&after=4&&x=<\">", after, "next"),
            "</v1/job_runs?x=%3C%22%3E&after=9>; rel=\"next\""
        );
    }
}
