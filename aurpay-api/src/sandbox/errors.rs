//! [`SandboxError`]: the one error type of the sandbox's API.

use std::fmt;

use crate::OrderStatus;

/// Why the sandbox, or one of its controls, failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SandboxError {
    /// The sandbox could not listen on the address.
    Listen(std::io::Error),
    /// A client for the sandbox could not be built.
    Client(crate::Error),
    /// A payment that does not fit the order: not positive, a partial
    /// payment that covers the amount due, or an overpayment that does not.
    InvalidPayment {
        /// The order.
        order_id: String,
        /// Why.
        reason: String,
    },
    /// No order with this id.
    UnknownOrder(String),
    /// No callback of that kind was produced for this order (nothing to
    /// redeliver).
    NoSuchCallback(String),
    /// The order is not in a state that allows this.
    InvalidState {
        /// The order.
        order_id: String,
        /// Its status.
        status: OrderStatus,
    },
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SandboxError::Listen(e) => write!(f, "sandbox cannot listen: {e}"),
            SandboxError::Client(e) => write!(f, "sandbox client: {e}"),
            SandboxError::InvalidPayment { order_id, reason } => {
                write!(f, "payment for order {order_id} refused: {reason}")
            }
            SandboxError::UnknownOrder(id) => write!(f, "no order {id}"),
            SandboxError::NoSuchCallback(id) => write!(f, "no such callback for order {id}"),
            SandboxError::InvalidState { order_id, status } => {
                write!(f, "order {order_id} is {status}")
            }
        }
    }
}

impl std::error::Error for SandboxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SandboxError::Listen(e) => Some(e),
            SandboxError::Client(e) => Some(e),
            _ => None,
        }
    }
}

impl From<crate::Error> for SandboxError {
    fn from(error: crate::Error) -> Self {
        SandboxError::Client(error)
    }
}
