//! Running progenitor: its panics become errors naming the operation, and
//! each panic's message is kept per thread, so parallel callers do not race.

use std::panic::{self, AssertUnwindSafe};
use std::path::Path;

use progenitor::Generator;

use crate::{Error, settings};

/// Runs progenitor, turning a panic inside it into an [`Error::Progenitor`]
/// that names the operation responsible (found by generating each operation
/// alone).
pub(crate) fn run_progenitor(
    document: &openapiv3::OpenAPI,
    spec_path: &Path,
) -> Result<proc_macro2::TokenStream, Error> {
    match generate_quietly(document) {
        Ok(tokens) => Ok(tokens),
        Err(message) => Err(Error::Progenitor {
            spec: spec_path.to_owned(),
            operation: find_failing_operation(document),
            message,
        }),
    }
}

thread_local! {
    /// `Some` while this thread runs progenitor under [`generate_quietly`]:
    /// the slot its panic message goes to.
    static CAPTURE: std::cell::RefCell<Option<Option<String>>> =
        const { std::cell::RefCell::new(None) };
}

/// Installs, once per process, a panic hook that keeps the message of a
/// panic on a thread inside [`generate_quietly`] (per thread, so parallel
/// callers never see each other's) and hands every other panic to the hook
/// that was there before. Swapping the global hook around each call would
/// race when tests generate in parallel.
fn install_capturing_hook() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let location = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let payload = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            let kept = CAPTURE
                .try_with(|slot| match slot.try_borrow_mut() {
                    Ok(mut slot) => match slot.as_mut() {
                        Some(message) => {
                            *message = Some(format!("panicked{location}: {payload}"));
                            true
                        }
                        None => false,
                    },
                    Err(_) => false,
                })
                .unwrap_or(false);
            if !kept {
                previous(info);
            }
        }));
    });
}

/// One progenitor run with its panics caught and their message kept (and not
/// printed: the caller reports them as an error).
fn generate_quietly(document: &openapiv3::OpenAPI) -> Result<proc_macro2::TokenStream, String> {
    install_capturing_hook();
    CAPTURE.with(|slot| *slot.borrow_mut() = Some(None));
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        Generator::new(&settings()).generate_tokens(document)
    }));
    let captured = CAPTURE.with(|slot| slot.borrow_mut().take().flatten());
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(captured.unwrap_or_else(|| "panicked".to_owned())),
    }
}

/// Generates each operation on its own and returns the first one progenitor
/// fails on.
fn find_failing_operation(document: &openapiv3::OpenAPI) -> Option<String> {
    for (path, item) in &document.paths.paths {
        let openapiv3::ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, operation) in item.iter() {
            let mut single = document.clone();
            let mut only = openapiv3::PathItem::default();
            match method {
                "get" => only.get = Some(operation.clone()),
                "put" => only.put = Some(operation.clone()),
                "post" => only.post = Some(operation.clone()),
                "delete" => only.delete = Some(operation.clone()),
                "options" => only.options = Some(operation.clone()),
                "head" => only.head = Some(operation.clone()),
                "patch" => only.patch = Some(operation.clone()),
                "trace" => only.trace = Some(operation.clone()),
                _ => continue,
            }
            single.paths.paths.clear();
            single
                .paths
                .paths
                .insert(path.clone(), openapiv3::ReferenceOr::Item(only));
            if generate_quietly(&single).is_err() {
                return Some(
                    operation
                        .operation_id
                        .clone()
                        .unwrap_or_else(|| format!("{} {path}", method.to_uppercase())),
                );
            }
        }
    }
    None
}
