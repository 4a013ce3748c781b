//! From a generated request builder to `Result<Data, Error>`, and streams
//! over paged lists. Generic over the generated `Call` and `Paginated`
//! impls: nothing here names an operation.
//!
//! * [`record`]: what the transport saw during one call (a task-local the
//!   client's hooks fill);
//! * [`shape`]: the bounds an answer's JSON must keep before anything
//!   decodes it (values, depth, repeated keys);
//! * [`answer`]: what an answer means, as `data` or the one error;
//! * [`pages`]: every item of a paged list.

mod answer;
mod pages;
mod record;
pub(crate) mod shape;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use progenitor_client::ResponseValue;
use serde::de::DeserializeOwned;

use crate::envelope::{DataEnvelope, Envelope};
use crate::error::Error;
use crate::operation::Operation;

pub use answer::MAX_KEPT_DATA_BYTES;
pub(crate) use answer::{HeadSays, decode_raw, head};
pub(crate) use pages::items;
pub(crate) use record::{CallRecord, Failure, current_record, with_record};

/// Sends one generated request (`sending`, progenitor's send of the
/// builder) with a fresh [`CallRecord`] and maps the result to `data` or the
/// typed error. The generated `Call` impls call this; nothing else does.
///
/// `sending` comes boxed: progenitor's send future is a few KiB (it holds
/// the request, the answer and its decoding), and a future holding it by
/// value would be moved whole by every layer above (the caller's
/// `.await`, an executor's `block_on`) on every call.
pub(crate) async fn send<E, B, F>(
    operation: &'static Operation,
    sending: Pin<Box<F>>,
) -> Result<E::Data, Error>
where
    E: DataEnvelope,
    E::Data: DeserializeOwned,
    B: Envelope + DeserializeOwned,
    F: Future<Output = Result<ResponseValue<E>, progenitor_client::Error<B>>>,
{
    let record = Arc::new(CallRecord::default());
    let result = with_record(Arc::clone(&record), sending).await;
    let target = Target::of(operation);
    match answer::into_data::<E, B>(target, result, &record) {
        answer::Decoded::Done(result) => result,
        // Boxed: reading a body is a large future, and this path is rare.
        answer::Decoded::Unexpected(response) => {
            Err(Box::pin(answer::unexpected::<B>(target, response, &record)).await)
        }
    }
}

/// Who an error belongs to: the operation's id, and whether it moves money
/// (which decides retry safety). A generated operation, or a raw request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target {
    pub(crate) id: &'static str,
    pub(crate) moves_money: bool,
}

impl Target {
    fn of(operation: &Operation) -> Target {
        Target {
            id: operation.id,
            moves_money: operation.moves_money,
        }
    }
}
