//! Successful answers: the rendered body, with ETag and conditional GET.

use actix_web::body::BoxBody;
use actix_web::http::{header, Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, Responder};
use runsheet_format::{to_json, to_xml, Format, Node, RenderOptions};
use sha2::{Digest, Sha256};

pub struct ApiResponse {
    status: StatusCode,
    /// `None` for an answer with no body.
    format: Option<Format>,
    body: Vec<u8>,
}

impl ApiResponse {
    pub fn render(
        status: StatusCode,
        format: Format,
        root: &str,
        node: &Node,
        options: &RenderOptions,
    ) -> ApiResponse {
        let body = match format {
            Format::Json => to_json(node, options),
            Format::Xml => to_xml(root, node, options),
        };
        ApiResponse {
            status,
            format: Some(format),
            body,
        }
    }

    pub fn empty(status: StatusCode) -> ApiResponse {
        ApiResponse {
            status,
            format: None,
            body: Vec::new(),
        }
    }
}

const CACHE_CONTROL: &str = "max-age=0, private, must-revalidate";

impl Responder for ApiResponse {
    type Body = BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        let cacheable =
            self.status == StatusCode::OK && matches!(*req.method(), Method::GET | Method::HEAD);
        let Some(format) = self.format.filter(|_| cacheable) else {
            let mut response = HttpResponse::build(self.status);
            if let Some(format) = self.format {
                response.content_type(format.content_type());
            }
            return response.body(self.body);
        };
        let etag = etag(&self.body);
        let fresh = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|candidates| matches_etag(candidates, &etag));
        let mut response = if fresh {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        response
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, CACHE_CONTROL));
        if fresh {
            response.finish()
        } else {
            response.content_type(format.content_type()).body(self.body)
        }
    }
}

/// A strong validator from the body itself, like Rails' `Rack::ETag`.
fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..16]))
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
