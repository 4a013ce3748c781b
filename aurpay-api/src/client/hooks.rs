//! What progenitor's generated code calls around each request: the origin
//! check, authentication and signing on every attempt, and the call's span.

use super::{BufferedAnswer, ClientContext};

use futures_util::FutureExt as _;
use futures_util::future::Either;
use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{HeaderName, USER_AGENT};
use tracing::Instrument as _;

use super::send::Check;
use crate::generated::Transport;
use crate::operation::Operation;

pub(super) const API_KEY: HeaderName = HeaderName::from_static("api-key");
pub(super) const SIGNATURE: HeaderName = HeaderName::from_static("signature");

fn method_of<'r>(operation: Option<&Operation>, request: &'r reqwest::Request) -> &'r str {
    operation.map_or_else(|| request.method().as_str(), |op| op.method)
}

impl ClientHooks<ClientContext> for Transport {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        // (progenitor's `api-version` header, not part of Aurpay's API, is
        // left out of the generated code: `aurpay-codegen`'s restrict.rs.)
        request
            .headers_mut()
            .insert(USER_AGENT, self.inner.user_agent.clone());
        if !self.inner.origin.contains(request.url()) {
            return Err(progenitor_client::Error::InvalidRequest(
                "refusing to send a request outside the configured base URL".to_owned(),
            ));
        }
        let needs_auth = Operation::find(info.operation_id).is_none_or(|op| op.authenticated);
        if needs_auth && self.inner.credentials.is_none() {
            return Err(progenitor_client::Error::InvalidRequest(
                "no credentials: build the client with .credentials(..)".to_owned(),
            ));
        }
        Ok(())
    }

    /// The generated sends call [`Transport::exchange`] instead
    /// (`aurpay-codegen`'s `answers.rs`); this is what progenitor would
    /// call otherwise, with a response rebuilt around the read body.
    fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
        self.exchange(request, info)
            .map(|answer| answer.map(BufferedAnswer::into_response))
    }
}

impl Transport {
    /// What the generated sends call where progenitor called `exec`: the
    /// request sent under the transport policy, its answer read whole
    /// ([`BufferedAnswer`]), in the call's span.
    ///
    /// Not an `async fn`: the send path's future is handed on as it is,
    /// not moved into a second one that awaits it.
    pub(crate) fn exchange(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<BufferedAnswer>> {
        let operation = Operation::find(info.operation_id);
        let span = call_span(info.operation_id, method_of(operation, &request), &request);
        let idempotent = operation.is_some_and(Operation::is_idempotent);
        // A generated money call decodes its answers through
        // `call::checked_response`, which checks what its typed decoding
        // does not; any other request the spec does not know is scanned.
        let check = match operation {
            Some(op) if op.moves_money => Check::InDecoding,
            Some(_) => Check::Bounds,
            None => Check::Scan,
        };
        let send = self.execute_with_retries(request, idempotent, check, info.operation_id);
        // Without a subscriber that wants the span, no wrapper to poll.
        if span.is_disabled() {
            Either::Left(send)
        } else {
            Either::Right(send.instrument(span))
        }
    }
}

/// The one tracing span of a call.
pub(super) fn call_span(
    operation_id: &str,
    method: &str,
    request: &reqwest::Request,
) -> tracing::Span {
    tracing::info_span!(
        "aurpay.call",
        operation = operation_id,
        method = %method,
        path = request.url().path(),
        attempt = tracing::field::Empty,
        status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    )
}
