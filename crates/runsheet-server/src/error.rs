//! Every way a request can fail, and the status and body each one answers with.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use runsheet_core::Errors;
use runsheet_format::{errors_to_json, errors_to_xml, message_to_json, message_to_xml, Format};
use runsheet_store::StoreError;
use std::fmt;

/// What went wrong, before it knows how to be shown.
#[derive(Debug)]
pub enum ApiError {
    /// 400: a body that cannot be read; the message names the problem.
    BadRequest(String),
    /// 403: no token, an unknown or revoked one, or not an active admin.
    Forbidden,
    /// 404: unknown id, or a list with nothing in it. Empty body, as the original.
    NotFound,
    /// 405: the resource does not take this method.
    MethodNotAllowed,
    /// 406: the Accept header names only formats we do not speak.
    NotAcceptable,
    /// 422: validation failed.
    Invalid(Errors),
    /// 500: logged with its cause; the client learns nothing of it.
    Internal(String),
    /// 502: a service we depend on (the mail server) failed; the message says how.
    BadGateway(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::BadGateway(_) => StatusCode::BAD_GATEWAY,
        }
    }

    /// Attaches the format the client asked for, so the error can be rendered.
    pub fn in_format(self, format: Format) -> ApiFailure {
        ApiFailure {
            error: self,
            format,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Invalid(errors) => ApiError::Invalid(errors),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<Errors> for ApiError {
    fn from(errors: Errors) -> Self {
        ApiError::Invalid(errors)
    }
}

/// An error with the format it is to be shown in: what handlers return.
#[derive(Debug)]
pub struct ApiFailure {
    pub error: ApiError,
    pub format: Format,
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            ApiError::BadRequest(message)
            | ApiError::Internal(message)
            | ApiError::BadGateway(message) => f.write_str(message),
            ApiError::Invalid(errors) => write!(f, "{errors}"),
            other => write!(f, "{}", other.status()),
        }
    }
}

pub const INVALID_API_KEY: &str = "Invalid API Key";

impl ResponseError for ApiFailure {
    fn status_code(&self) -> StatusCode {
        self.error.status()
    }

    fn error_response(&self) -> HttpResponse {
        let message = match &self.error {
            ApiError::NotFound => return HttpResponse::NotFound().finish(),
            ApiError::Invalid(errors) => {
                let body = match self.format {
                    Format::Json => errors_to_json(errors),
                    Format::Xml => errors_to_xml(errors),
                };
                return HttpResponse::UnprocessableEntity()
                    .content_type(self.format.content_type())
                    .body(body);
            }
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                "Internal server error"
            }
            ApiError::BadRequest(message) | ApiError::BadGateway(message) => message.as_str(),
            ApiError::Forbidden => INVALID_API_KEY,
            ApiError::MethodNotAllowed => "Method not allowed",
            ApiError::NotAcceptable => {
                "Not acceptable: this API answers in application/json or application/xml"
            }
        };
        let body = match self.format {
            Format::Json => message_to_json(message),
            Format::Xml => message_to_xml(message),
        };
        HttpResponse::build(self.error.status())
            .content_type(self.format.content_type())
            .body(body)
    }
}
