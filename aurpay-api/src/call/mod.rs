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
mod checked;
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
pub(crate) use checked::checked_response;
pub(crate) use pages::items;
pub(crate) use record::{CallRecord, Failure, current_record, with_record};

/// progenitor's send of a builder, boxed, with its result boxed: what
/// [`send`] takes. progenitor's send future is a few KiB (it holds the
/// request, the answer and its decoding), and its result about one (the
/// whole decoded envelope): held or returned by value, each layer above
/// (the task-local scope, the caller's `.await`, an executor's
/// `block_on`) would copy them whole on every call.
///
/// `send` makes progenitor's future once the box exists, so that it is
/// written where it stays rather than made on the stack and copied there.
pub(crate) fn boxed<F: Future>(
    send: impl FnOnce() -> F,
) -> Pin<Box<impl Future<Output = Box<F::Output>>>> {
    pin_in_place(move || async move { Box::new(send().await) })
}

/// `Box::pin(make())`, the box allocated before `make` runs: the future
/// (a state machine of a few KiB, mostly not yet in use) is then written
/// where it stays, not made on the stack and copied into the box.
pub(crate) fn pin_in_place<F>(make: impl FnOnce() -> F) -> Pin<Box<F>> {
    Box::into_pin(Box::write(Box::new_uninit(), make()))
}

/// Sends one generated request (`sending`: progenitor's send of the
/// builder, [`boxed`]) with a fresh [`CallRecord`] and maps the result to
/// `data` or the typed error. The generated `Call` impls call this;
/// nothing else does.
pub(crate) async fn send<E, B, F>(
    operation: &'static Operation,
    sending: Pin<Box<F>>,
) -> Result<E::Data, Error>
where
    E: DataEnvelope,
    E::Data: DeserializeOwned,
    B: Envelope + DeserializeOwned,
    F: Future<Output = Box<Result<ResponseValue<E>, progenitor_client::Error<B>>>>,
{
    let record = Arc::new(CallRecord::default());
    let mut result = with_record(Arc::clone(&record), sending).await;
    let target = Target::of(operation);
    match *result {
        // Boxed: reading a body is a large future, and this path is rare.
        Err(progenitor_client::Error::UnexpectedResponse(response)) => {
            Err(Box::pin(answer::unexpected::<B>(target, response, &record)).await)
        }
        // In place: the decoded answer is not moved out of its box whole.
        ref mut result => answer::into_data::<E, B>(target, result, &record),
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
