//! Aurpay's response envelope, `{code, message, data, result}`.
//!
//! Every generated envelope type implements [`Envelope`]; the success
//! envelopes also implement [`DataEnvelope`]. The impls are generated from the
//! spec by aurpay-codegen (`generated_operations.rs`), so this module stays
//! generic.

/// What every Aurpay response carries: a code (0 on success), a message and a
/// result flag. Sealed: implemented by the generated envelope types only.
pub trait Envelope: crate::operation::sealed::Sealed {
    /// `0` on success. A non-zero code is an error even when HTTP says 200.
    fn code(&self) -> i64;

    /// The human-readable message: `message`, or `msg` in some error bodies.
    fn message(&self) -> Option<&str>;

    /// The `result` flag, `true` on success, when present.
    fn result(&self) -> Option<bool>;

    /// Whether the envelope reports success: `code == 0` and `result` not
    /// `false`.
    fn is_success(&self) -> bool {
        self.code() == 0 && self.result() != Some(false)
    }
}

/// A success envelope whose `data` is a named type from the spec.
pub trait DataEnvelope: Envelope {
    /// The type of `data` for this operation.
    type Data;

    /// Takes `data` out of the envelope (`None` when Aurpay sent none), in
    /// place: the decoded answer stays where it is, and only `data` moves.
    fn take_data(&mut self) -> Option<Self::Data>;
}
