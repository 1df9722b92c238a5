use crate::state::AppState;
use actix_web::{web, HttpResponse};

/// 200 when the database answers, 503 when it does not. No token needed.
pub async fn show(state: web::Data<AppState>) -> HttpResponse {
    match state.db(runsheet_store::ping).await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ok"})),
        Err(error) => {
            tracing::warn!(?error, "health check failed");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "unavailable"}))
        }
    }
}
