//! The axum extractor (feature `axum`): `VerifiedCallback` as a handler
//! argument.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{CallbackRequest, CallbackVerifier, Rejection, VerifiedCallback};

/// Largest callback body read (Aurpay's order JSON is about 1 KiB).
const MAX_BODY: usize = 256 * 1024;

/// What the extractor needs: the verifier and the public base URL your
/// service is reached at (`https://shop.example`), from which the full
/// callback URL is rebuilt, since behind a proxy the request's own
/// `Host` and scheme are not what Aurpay signed.
///
/// The extractor finds it in your application state through axum's
/// `FromRef`: keep an `Arc<CallbackConfig>` in the state and say how to
/// get it out. With the [`Processor`](crate::processor::Processor), the
/// whole callback endpoint is then a few lines (its `Processed` and
/// `ProcessError` are responses: 200, or 503 so Aurpay retries):
///
/// ```
/// use std::sync::Arc;
/// use aurpay_api::callback::{CallbackConfig, CallbackRejection, CallbackUrls, VerifiedCallback};
/// use aurpay_api::processor::{OrderState, Processor, SqliteStore};
/// use axum::extract::{FromRef, State};
/// use axum::response::{IntoResponse, Response};
///
/// #[derive(Clone)]
/// struct AppState {
///     callbacks: Arc<CallbackConfig>,
///     processor: Arc<Processor<SqliteStore>>,
/// }
///
/// // How the extractor finds its configuration in the state.
/// impl FromRef<AppState> for Arc<CallbackConfig> {
///     fn from_ref(state: &AppState) -> Self {
///         Arc::clone(&state.callbacks)
///     }
/// }
///
/// async fn callback(
///     State(state): State<AppState>,
///     callback: Result<VerifiedCallback, CallbackRejection>,
/// ) -> Response {
///     let callback = match callback {
///         Ok(callback) => callback,
///         Err(rejection) => return rejection.into_response(),
///     };
///     state
///         .processor
///         .process_callback(&callback, |change| async move {
///             if change.to == OrderState::Paid {
///                 // fulfil change.reference, idempotently by change.key()
///             }
///             Ok::<(), std::io::Error>(())
///         })
///         .await
///         .into_response()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let sandbox = aurpay_api::sandbox::Sandbox::builder().start().await?;
/// let urls = CallbackUrls::new("https://shop.example/aurpay/callback")?;
/// let state = AppState {
///     callbacks: CallbackConfig::new(
///         sandbox.callback_verifier().callback_urls(&urls),
///         "https://shop.example",
///     ),
///     processor: Arc::new(Processor::new(sandbox.client()?, SqliteStore::open_in_memory().await?)),
/// };
/// let app: axum::Router = axum::Router::new()
///     .route("/aurpay/callback", axum::routing::any(callback))
///     .with_state(state);
/// # drop(app);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct CallbackConfig {
    verifier: CallbackVerifier,
    public_base_url: String,
}

impl CallbackConfig {
    /// The verifier and the public base URL (scheme, host, optional
    /// port and path prefix; a trailing slash is ignored).
    pub fn new(verifier: CallbackVerifier, public_base_url: impl Into<String>) -> Arc<Self> {
        let base: String = public_base_url.into();
        Arc::new(CallbackConfig {
            verifier,
            public_base_url: base.trim_end_matches('/').to_owned(),
        })
    }
}

/// Why the extractor refused a callback: answers 401 (verification
/// failed) or 400 (malformed), with the reason and no secret.
#[derive(Debug)]
pub struct CallbackRejection(pub Rejection);

impl IntoResponse for CallbackRejection {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
        (status, format!("callback rejected: {}\n", self.0)).into_response()
    }
}

impl<S> FromRequest<S> for VerifiedCallback
where
    S: Send + Sync,
    Arc<CallbackConfig>: FromRef<S>,
{
    type Rejection = CallbackRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let config = Arc::<CallbackConfig>::from_ref(state);
        let (parts, body) = request.into_parts();
        let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let url = format!("{}{path_and_query}", config.public_base_url);
        let body: Bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
            CallbackRejection(Rejection::MalformedBody(
                "body too large or unreadable".to_owned(),
            ))
        })?;
        config
            .verifier
            .verify(&CallbackRequest {
                method: parts.method.as_str(),
                url: &url,
                headers: &parts.headers,
                body: &body,
            })
            .map_err(CallbackRejection)
    }
}
