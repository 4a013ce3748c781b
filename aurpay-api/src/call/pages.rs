//! Streams over paged lists.

use std::collections::VecDeque;
use std::num::NonZeroU64;

use futures_util::Stream;

use crate::error::Error;
use crate::operation::Paginated;
use crate::operation::sealed::{Page, Token};

/// Every item of every page of a paged list, one request per page, fetching
/// pages of `page_size` items as needed (the generated `items()` of each
/// paged builder). The stream ends after the last page (`max_page`), on an
/// empty page, on a server that does not advance, or at the first error
/// (which it yields).
pub(crate) fn items<B: Paginated>(
    builder: B,
    page_size: u64,
) -> impl Stream<Item = Result<B::Item, Error>> + Send {
    let state = PageState {
        builder,
        next_page: 1,
        size: NonZeroU64::new(page_size).unwrap_or(NonZeroU64::MIN),
        buffer: VecDeque::new(),
        done: false,
    };
    futures_util::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.buffer.pop_front() {
                return Some((Ok(item), state));
            }
            if state.done {
                return None;
            }
            let page_number = NonZeroU64::new(state.next_page).unwrap_or(NonZeroU64::MIN);
            let request = state
                .builder
                .clone()
                .with_page(page_number, Token(()))
                .with_page_size(state.size, Token(()));
            match request.send_call(Token(())).await {
                Err(error) => {
                    state.done = true;
                    return Some((Err(error), state));
                }
                Ok(data) => {
                    let Page {
                        page,
                        max_page,
                        items,
                    } = B::into_page(data, Token(()));
                    // Stop on the last page, an empty page, or a server
                    // that does not advance (never loop forever).
                    let last = items.is_empty()
                        || page >= max_page
                        || u64::try_from(page).ok() != Some(state.next_page);
                    state.done = last;
                    state.next_page += 1;
                    state.buffer.extend(items);
                }
            }
        }
    })
}

struct PageState<B: Paginated> {
    builder: B,
    next_page: u64,
    size: NonZeroU64,
    buffer: VecDeque<B::Item>,
    done: bool,
}
