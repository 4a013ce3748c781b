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
mod read;
mod record;
pub(crate) mod shape;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::future::MaybeDone;
use progenitor_client::ResponseValue;
use serde::de::DeserializeOwned;

use crate::envelope::{DataEnvelope, Envelope};
use crate::error::Error;
use crate::operation::Operation;

pub use answer::MAX_KEPT_DATA_BYTES;
pub(crate) use answer::{HeadSays, decode_raw, head};
pub(crate) use checked::checked_response;
pub(crate) use pages::items;
pub(crate) use read::{decoded_response, whole_body};
pub(crate) use record::{CallRecord, Failure, current_record, with_record};

/// progenitor's send of a builder, boxed; its result, once it is done,
/// kept in the same box: what [`send`] takes. progenitor's send future is
/// a few KiB (it holds the request, the answer and its decoding), and its
/// result about one (the whole decoded envelope): held or returned by
/// value, each layer above (the task-local scope, the caller's `.await`,
/// an executor's `block_on`) would copy them whole on every call. Kept in
/// place, the result needs no second box.
///
/// `send` makes progenitor's future once the box exists, so that it is
/// written where it stays rather than made on the stack and copied there.
pub(crate) fn boxed<F: Future>(send: impl FnOnce() -> F) -> Pin<Box<MaybeDone<F>>> {
    pin_in_place(move || futures_util::future::maybe_done(send()))
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
    mut sending: Pin<Box<MaybeDone<F>>>,
) -> Result<E::Data, Error>
where
    E: DataEnvelope,
    E::Data: DeserializeOwned,
    B: Envelope + DeserializeOwned,
    F: Future<Output = Result<ResponseValue<E>, progenitor_client::Error<B>>>,
{
    let record = Arc::new(CallRecord::default());
    with_record(Arc::clone(&record), sending.as_mut()).await;
    let target = Target::of(operation);
    let unexpected = matches!(
        sending.as_mut().output_mut(),
        Some(Err(progenitor_client::Error::UnexpectedResponse(_)))
    );
    if unexpected {
        // Boxed: reading a body is a large future, and this path is rare.
        if let Some(Err(progenitor_client::Error::UnexpectedResponse(response))) =
            sending.as_mut().take_output()
        {
            return Err(Box::pin(answer::unexpected::<B>(target, response, &record)).await);
        }
    }
    match sending.as_mut().output_mut() {
        // In place: the decoded answer is not moved out of its box whole.
        Some(result) => answer::into_data::<E, B>(target, result, &record),
        // Not reached: `MaybeDone` keeps its output once done, and it was
        // awaited above. Were it, whether Aurpay acted could not be said.
        None => Err(answer::no_answer(target, &record)),
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
