//! The sandbox's own check of both authentication schemes, written from
//! Aurpay's docs and independent of the SDK's signer, so that the client's
//! signing is checked against a second implementation.

use std::time::Duration;

use axum::http::HeaderMap;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};

use super::model::Shared;
use crate::Timestamp;

/// The sandbox's own check of both schemes, written from Aurpay's docs and
/// independent of the SDK's signer.
pub(crate) fn authenticate(
    shared: &Shared,
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), String> {
    let config = &shared.config;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(key) = header("API-Key") {
        return if key == config.api_key {
            Ok(())
        } else {
            Err("wrong API-Key".into())
        };
    }
    let Some(token) = header("API-Token") else {
        return Err("missing API-Key or API-Token".into());
    };
    if token != config.api_token {
        return Err("wrong API-Token".into());
    }
    let algorithm = header("Algorithm").ok_or("missing Algorithm")?;
    let date = header("Date").ok_or("missing Date")?;
    let signature = header("Signature").ok_or("missing Signature")?;
    let signed_at = date
        .parse::<Timestamp>()
        .map_err(|_| "Date is not ISO-8601")?;
    let now = shared.clock.now();
    let skew = now
        .duration_since(&signed_at)
        .or_else(|| signed_at.duration_since(&now))
        .unwrap_or(Duration::MAX);
    if skew > config.max_clock_skew {
        return Err("Date too far from the server's clock".into());
    }
    let mut origin = format!("{algorithm} | {date} | {method} {path_and_query}");
    if !body.is_empty() {
        let digest: String = Md5::digest(body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if header("Body-MD5") != Some(digest.as_str()) {
            return Err("Body-MD5 does not match the body".into());
        }
        origin.push_str(" | ");
        origin.push_str(&digest);
    }
    let claimed = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .map_err(|_| "Signature is not base64")?;
    let secret = config.api_secret.as_bytes();
    let valid = match algorithm {
        "HMAC-SHA256" => Hmac::<sha2::Sha256>::new_from_slice(secret)
            .map(|mut mac| {
                mac.update(origin.as_bytes());
                mac.verify_slice(&claimed).is_ok()
            })
            .unwrap_or(false),
        "HMAC-SHA3_256" => Hmac::<sha3::Sha3_256>::new_from_slice(secret)
            .map(|mut mac| {
                mac.update(origin.as_bytes());
                mac.verify_slice(&claimed).is_ok()
            })
            .unwrap_or(false),
        other => return Err(format!("unsupported Algorithm {other}")),
    };
    if valid {
        Ok(())
    } else {
        Err("bad Signature".into())
    }
}
