//! Thin handlers: extract, call one store function, answer.

pub mod crud;
pub mod health;

use crate::error::ApiError;
use crate::request::{ApiRequest, ApiResult};

/// Methods a resource does not take: 405, but only for a valid token (403 first).
pub async fn not_allowed(api: ApiRequest) -> ApiResult {
    Err(api.fail(ApiError::MethodNotAllowed))
}
