//! What to answer Aurpay, as axum responses.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::outcome::{ProcessError, Processed};

fn answer(status: u16, text: &'static str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    (status, text).into_response()
}

/// 200 `ok`, or 503 while another delivery applies the change.
impl IntoResponse for Processed {
    fn into_response(self) -> Response {
        match self.http_status() {
            200 => answer(200, "ok\n"),
            status => answer(status, "in progress, retry later\n"),
        }
    }
}

/// The rejection's status (400, 401, 404) or 503 (retry later). The body
/// says only which: details belong in your logs, not in an answer to
/// whoever called.
impl IntoResponse for ProcessError {
    fn into_response(self) -> Response {
        match &self {
            ProcessError::Rejected(rejection) => {
                crate::callback::CallbackRejection(rejection.clone()).into_response()
            }
            _ => answer(self.http_status(), "not applied, retry later\n"),
        }
    }
}
