//! [`BufferedAnswer`]: an answer whose body the transport has read whole,
//! handed to the generated code as it is.
//!
//! progenitor's generated code takes a `reqwest::Response` from its `exec`
//! hook and reads the body again. The transport has already read it (under
//! the size limit, inside the retry loop), so putting it back into a new
//! response, and reading it out of that one, cost about 1,900 instructions
//! per call. `aurpay-codegen` (`answers.rs`) has the generated sends take
//! this type instead (`Transport::exchange`); a `reqwest::Response` is
//! rebuilt only where one is still needed: an HTTP status the spec does not
//! list, a raw request, the `exec` hook.

use bytes::Bytes;
use reqwest::ResponseBuilderExt as _;
use reqwest::StatusCode;

/// An answer and its whole body (see the module docs).
pub(crate) struct BufferedAnswer {
    /// The answer as it came, its body read to the end.
    head: reqwest::Response,
    body: Bytes,
}

impl BufferedAnswer {
    /// `head`'s body, read whole, is `body`.
    pub(crate) fn new(head: reqwest::Response, body: Bytes) -> Self {
        BufferedAnswer { head, body }
    }

    /// The HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        self.head.status()
    }

    /// The whole body.
    pub(crate) fn into_body(self) -> Bytes {
        self.body
    }

    /// A `reqwest::Response` owning the body, for what still takes one.
    /// With the URL it was fetched from (without one, reqwest parses a
    /// placeholder URL) in the answer's own extensions map (hyper's
    /// connection info is in it), so no second map is made. Without its
    /// headers: nothing reads them after the transport (`Retry-After` is
    /// read there).
    pub(crate) fn into_response(self) -> reqwest::Response {
        let BufferedAnswer { mut head, body } = self;
        let url = head.url().clone();
        let mut builder = http::Response::builder();
        if let Some(extensions) = builder.extensions_mut() {
            *extensions = std::mem::take(head.extensions_mut());
        }
        let mut rebuilt = match builder.url(url).body(()) {
            Ok(with_url) => with_url.map(|()| body),
            // Nothing set above can fail; reqwest would use its placeholder.
            Err(_) => http::Response::new(body),
        };
        *rebuilt.status_mut() = head.status();
        *rebuilt.version_mut() = head.version();
        reqwest::Response::from(rebuilt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rebuilt_it_keeps_status_version_url_and_body_but_not_headers() {
        let url = reqwest::Url::parse("https://dashboard.aurpay.net/api/order/pay-info").unwrap();
        let head = http::Response::builder()
            .status(418)
            .version(http::Version::HTTP_11)
            .header("x-echo", "secret")
            .url(url.clone())
            .body(Vec::<u8>::new())
            .unwrap();
        let answer = BufferedAnswer::new(head.into(), Bytes::from_static(b"{\"code\":1}"));
        assert_eq!(answer.status(), StatusCode::IM_A_TEAPOT);
        let rebuilt = answer.into_response();
        assert_eq!(rebuilt.status(), StatusCode::IM_A_TEAPOT);
        assert_eq!(rebuilt.version(), http::Version::HTTP_11);
        assert_eq!(rebuilt.url(), &url);
        assert!(rebuilt.headers().is_empty());
        assert_eq!(&rebuilt.bytes().await.unwrap()[..], b"{\"code\":1}");
    }
}
