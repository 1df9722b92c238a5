//! Successful answers: the rendered body, with ETag and conditional GET; or a list streamed a
//! chunk at a time, which has no ETag (a tag hashes the whole body, which is never held).

use actix_web::body::BoxBody;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{header, Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, Responder};
use futures_util::stream::LocalBoxStream;
use futures_util::Stream;
use runsheet_format::Format;

pub struct ApiResponse {
    status: StatusCode,
    /// `None` for an answer with no body.
    format: Option<Format>,
    body: Body,
    headers: Vec<(HeaderName, HeaderValue)>,
}

enum Body {
    Whole(Vec<u8>),
    Stream(LocalBoxStream<'static, Result<Bytes, std::io::Error>>),
}

impl ApiResponse {
    /// A body already rendered in `format`.
    pub fn bytes(status: StatusCode, format: Format, body: Vec<u8>) -> ApiResponse {
        ApiResponse {
            status,
            format: Some(format),
            body: Body::Whole(body),
            headers: Vec::new(),
        }
    }

    /// A 200 whose body is sent as `body` yields it.
    pub fn stream(
        format: Format,
        body: impl Stream<Item = Result<Bytes, std::io::Error>> + 'static,
    ) -> ApiResponse {
        ApiResponse {
            status: StatusCode::OK,
            format: Some(format),
            body: Body::Stream(Box::pin(body)),
            headers: Vec::new(),
        }
    }

    pub fn empty(status: StatusCode) -> ApiResponse {
        ApiResponse {
            status,
            format: None,
            body: Body::Whole(Vec::new()),
            headers: Vec::new(),
        }
    }

    /// Adds a header; a value that cannot be one (never ours) is left out.
    pub fn header(mut self, name: HeaderName, value: String) -> ApiResponse {
        match HeaderValue::try_from(value) {
            Ok(value) => self.headers.push((name, value)),
            Err(_) => tracing::warn!(%name, "header value left out"),
        }
        self
    }
}

const CACHE_CONTROL: &str = "max-age=0, private, must-revalidate";

impl Responder for ApiResponse {
    type Body = BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        let cacheable =
            self.status == StatusCode::OK && matches!(*req.method(), Method::GET | Method::HEAD);
        let mut response = HttpResponse::build(self.status);
        for (name, value) in self.headers {
            response.insert_header((name, value));
        }
        let body = match self.body {
            Body::Stream(stream) => {
                if cacheable {
                    response.insert_header((header::CACHE_CONTROL, CACHE_CONTROL));
                }
                content_type(&mut response, self.format);
                return response.streaming(stream);
            }
            Body::Whole(body) => body,
        };
        let Some(format) = self.format.filter(|_| cacheable) else {
            content_type(&mut response, self.format);
            return response.body(body);
        };
        let etag = etag(&body);
        let fresh = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|candidates| matches_etag(candidates, &etag));
        if fresh {
            response.status(StatusCode::NOT_MODIFIED);
        }
        response
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, CACHE_CONTROL));
        if fresh {
            response.finish()
        } else {
            response.content_type(format.content_type()).body(body)
        }
    }
}

fn content_type(response: &mut HttpResponseBuilder, format: Option<Format>) {
    if let Some(format) = format {
        response.content_type(format.content_type());
    }
}

/// A strong validator from the body itself, like Rails' `Rack::ETag` (an MD5 there).
///
/// A 128-bit XXH3 of the body: a tag only has to change when the body does, and SHA-256
/// of a 50-step list (140 KB) was 4% of its time (docs/benchmarks.md); XXH3 reads it about
/// ten times faster.
fn etag(body: &[u8]) -> String {
    format!("\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(body))
}

/// `If-None-Match`: a list of tags or `*`; weak tags match by their value (RFC 9110 13.1.2).
fn matches_etag(candidates: &str, etag: &str) -> bool {
    candidates
        .split(',')
        .map(str::trim)
        .any(|c| c == "*" || c.strip_prefix("W/").unwrap_or(c) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_follow_the_body() {
        assert_eq!(etag(b"a"), etag(b"a"));
        assert_ne!(etag(b"a"), etag(b"b"));
        assert!(etag(b"a").starts_with('"') && etag(b"a").ends_with('"'));
        assert_eq!(etag(b"").len(), 34, "32 hex digits in quotes");
    }

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        let tag = etag(b"x");
        assert!(matches_etag(&tag, &tag));
        assert!(matches_etag(&format!("\"nope\", W/{tag}"), &tag));
        assert!(matches_etag("*", &tag));
        assert!(!matches_etag("\"nope\"", &tag));
    }
}
