//! What every request passes through: the format suffix, request ids, timing and logging.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Uri;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use runsheet_format::Format;
use std::time::Instant;

/// The format named by `.json` / `.xml` on the last path element.
#[derive(Debug, Clone, Copy)]
pub struct PathFormat(pub Format);

/// Takes `.json` or `.xml` off the last path element before routing, so that
/// `/v1/users/3.xml` reaches the same route as `/v1/users/3`, and remembers the format.
pub async fn path_format(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if let Some((path, format)) = split_format(req.path()) {
        let rebuilt = match req.query_string() {
            "" => path.to_string(),
            query => format!("{path}?{query}"),
        };
        if let Ok(uri) = rebuilt.parse::<Uri>() {
            req.match_info_mut().get_mut().update(&uri);
            req.head_mut().uri = uri;
            req.extensions_mut().insert(PathFormat(format));
        }
    }
    next.call(req).await
}

fn split_format(path: &str) -> Option<(&str, Format)> {
    let (rest, extension) = path.rsplit_once('.')?;
    if extension.contains('/') || rest.ends_with('/') || rest.is_empty() {
        return None;
    }
    Format::from_extension(extension).map(|format| (rest, format))
}

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
pub const RUNTIME: HeaderName = HeaderName::from_static("x-runtime");

/// `X-Request-Id` (the client's, if it sent a sane one, as Rails did) and `X-Runtime`
/// (seconds) on every response, and one log line per request.
pub async fn request_id_and_runtime(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(sanitize_request_id)
        .filter(|id| !id.is_empty())
        .unwrap_or_else(new_request_id);
    let method = req.method().clone();
    let path = req.path().to_string();
    let mut res = next.call(req).await?;
    let elapsed = started.elapsed().as_secs_f64();
    tracing::info!(request_id = %id, %method, %path, status = res.status().as_u16(), seconds = elapsed, "request");
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert(REQUEST_ID, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("{elapsed:.6}")) {
        headers.insert(RUNTIME, value);
    }
    Ok(res)
}

fn sanitize_request_id(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(255)
        .collect()
}

fn new_request_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_format_off_the_last_element_only() {
        assert_eq!(
            split_format("/v1/users.json"),
            Some(("/v1/users", Format::Json))
        );
        assert_eq!(
            split_format("/v1/users/3.xml"),
            Some(("/v1/users/3", Format::Xml))
        );
        assert!(split_format("/v1/users").is_none());
        assert!(split_format("/v1/users.yaml").is_none());
        assert!(split_format("/v1.json/users").is_none());
        assert!(split_format("/.json").is_none());
        assert!(split_format("/v1/.json").is_none());
    }

    #[test]
    fn request_ids_are_sanitized() {
        assert_eq!(sanitize_request_id("abc-123<script>"), "abc-123script");
        assert_eq!(new_request_id().len(), 32);
    }
}
