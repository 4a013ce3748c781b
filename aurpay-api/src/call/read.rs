//! An answer's body, for what reads it from a `reqwest::Response`, and
//! the decoding of the generated calls that move no money.
//!
//! The transport (`client/send.rs`, `read_body`) has already read and
//! bounded every answer's body. The generated calls get it as it is
//! ([`BufferedAnswer`]); what still takes a `reqwest::Response` (an
//! unlisted status, a raw request) gets one rebuilt around it, as one
//! chunk. Taking that chunk back with `chunk()` costs a few hundred
//! instructions; `Response::bytes()`, which collects any number of chunks
//! into a list first, costs about 1,800 (BENCHMARKS.md).

use progenitor_client::ResponseValue;
use serde::de::DeserializeOwned;

use crate::client::BufferedAnswer;

/// The whole body of a response the transport rebuilt around a body it
/// read and bounded (`BufferedAnswer::into_response`): its one chunk as it
/// is, or its chunks joined. What `Response::bytes()` returns, without its
/// list of chunks. Not a bounded read: never for a response straight from
/// the network.
pub(crate) async fn whole_body(mut response: reqwest::Response) -> reqwest::Result<bytes::Bytes> {
    let Some(first) = response.chunk().await? else {
        return Ok(bytes::Bytes::new());
    };
    let Some(second) = response.chunk().await? else {
        return Ok(first);
    };
    let mut joined = Vec::with_capacity(first.len() + second.len());
    joined.extend_from_slice(&first);
    joined.extend_from_slice(&second);
    while let Some(more) = response.chunk().await? {
        joined.extend_from_slice(&more);
    }
    Ok(joined.into())
}

/// progenitor's `ResponseValue::from_response` over the body the
/// transport read: the answer of an operation that moves no money decoded
/// as `T` (a money operation's goes through
/// [`checked_response`](super::checked_response)). `aurpay-codegen`
/// rewrites the generated calls to use it.
pub(crate) async fn decoded_response<T: DeserializeOwned, E>(
    answer: BufferedAnswer,
) -> Result<ResponseValue<T>, progenitor_client::Error<E>> {
    let status = answer.status();
    let full = answer.into_body();
    match serde_json::from_slice(&full) {
        Ok(inner) => Ok(answer_value(inner, status)),
        Err(error) => Err(progenitor_client::Error::InvalidResponsePayload(
            full, error,
        )),
    }
}

/// A decoded generated answer as progenitor hands it on. No headers:
/// nothing reads a generated answer's (the transport read `Retry-After`),
/// and copying them cost every call.
pub(crate) fn answer_value<T>(inner: T, status: reqwest::StatusCode) -> ResponseValue<T> {
    ResponseValue::new(inner, status, reqwest::header::HeaderMap::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(chunks: Vec<&'static [u8]>) -> reqwest::Response {
        let stream = futures_util::stream::iter(
            chunks
                .into_iter()
                .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::from_static(c))),
        );
        http::Response::new(reqwest::Body::wrap_stream(stream)).into()
    }

    #[tokio::test]
    async fn one_chunk_several_or_none_read_as_the_whole_body() {
        for (chunks, whole) in [
            (vec![], &b""[..]),
            (vec![&b"{\"code\":0}"[..]], &b"{\"code\":0}"[..]),
            (
                vec![&b"{\"co"[..], &b"de\""[..], &b":0}"[..]],
                &b"{\"code\":0}"[..],
            ),
            (vec![&b""[..], &b"{}"[..]], &b"{}"[..]),
        ] {
            let read = whole_body(response(chunks.clone())).await.unwrap();
            assert_eq!(&read[..], whole, "{chunks:?}");
        }
    }

    #[tokio::test]
    async fn a_body_that_is_not_the_type_keeps_its_bytes_in_the_error() {
        let answer = |body: &'static [u8]| BufferedAnswer::new(response(vec![]), body.into());
        match decoded_response::<u32, ()>(answer(b"\"seven\"")).await {
            Err(progenitor_client::Error::InvalidResponsePayload(body, _)) => {
                assert_eq!(&body[..], b"\"seven\"");
            }
            other => panic!("expected the payload error, got {other:?}"),
        }
        let decoded = decoded_response::<u32, ()>(answer(b"7")).await.unwrap();
        assert_eq!(decoded.into_inner(), 7);
    }
}
