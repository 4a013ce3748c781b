//! Keeping secrets out of every output: error texts, `Debug`, trace logs.
//!
//! Three layers, applied by [`text`] to anything the SDK prints:
//!
//! 1. **By value.** Every secret the process configured through the SDK
//!    (API key, API token, API secret, callback token and secret) is
//!    registered here when its holder is built, and every occurrence of it
//!    is replaced by `[redacted]`, wherever it appears: an envelope
//!    `message`, a text 400, an HTML page, a `Location` header. A server
//!    that echoes the key back cannot make us print it.
//! 2. **URLs with userinfo.** `https://user:password@host` loses its
//!    password.
//! 3. **By key.** The values of JSON keys that look like secrets (`token`,
//!    `secret`, `password`, `key`, `signature`) are masked, so the answer
//!    of Get API-Key (a fresh key we never configured) is not logged.
//!
//! The registry is process-global because error values and log lines
//! outlive the client that produced them. It is bounded: at most
//! [`MAX_SECRETS`] values, each kept once.

use std::sync::{Mutex, MutexGuard};

/// The mask put where a secret was.
pub(crate) const MASK: &str = "[redacted]";

/// Values shorter than this are not masked by value: masking a 2-character
/// "secret" everywhere would garble every message while protecting nothing
/// (such a secret is rejected by Aurpay anyway).
const MIN_SECRET_LEN: usize = 4;

/// Bound on the registry, so a process that builds clients in a loop does
/// not grow it forever. Past it, the oldest value is forgotten.
const MAX_SECRETS: usize = 256;

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn secrets() -> MutexGuard<'static, Vec<String>> {
    // A panic while holding the lock cannot leave the list inconsistent.
    SECRETS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Registers a configured secret value, so that [`text`] masks it.
pub(crate) fn register(secret: &str) {
    let secret = secret.trim();
    if secret.len() < MIN_SECRET_LEN {
        return;
    }
    let mut list = secrets();
    if list.iter().any(|known| known == secret) {
        return;
    }
    if list.len() == MAX_SECRETS {
        list.remove(0);
    }
    list.push(secret.to_owned());
    // Longest first, so a secret that contains another is masked whole.
    list.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// `text` with every registered secret, every URL password and every
/// secret-looking JSON value masked.
pub(crate) fn text(text: &str) -> String {
    let mut out = text.to_owned();
    for secret in secrets().iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), MASK);
        }
    }
    mask_json_values(&mask_userinfo(&out))
}

/// At most 200 characters of `body`, masked as [`text`] does, with control
/// characters escaped, so that an HTML error page or binary garbage stays
/// readable in one log line.
pub(crate) fn snippet(body: &[u8]) -> String {
    const MAX: usize = 200;
    // Mask before truncating, so a secret cut in half is still masked.
    let masked = text(&String::from_utf8_lossy(body));
    let mut out = String::new();
    for (count, c) in masked.chars().enumerate() {
        if count == MAX {
            out.push_str("...");
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Replaces the password of every `scheme://user:password@` in `text`.
fn mask_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("://") {
        let (before, after) = rest.split_at(start + 3);
        out.push_str(before);
        // The authority ends at the first '/', '?', '#' or whitespace.
        let end = after
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace() || c == '"')
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                let user = userinfo.split(':').next().unwrap_or_default();
                out.push_str(user);
                if userinfo.contains(':') {
                    out.push(':');
                    out.push_str(MASK);
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Masks the string values of JSON keys that look like secrets.
fn mask_json_values(text: &str) -> String {
    const SECRET_KEYS: [&str; 5] = ["token", "secret", "password", "key", "signature"];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('"') {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let Some(end) = after[1..].find('"') else {
            out.push_str(after);
            return out;
        };
        let key = &after[1..=end];
        out.push_str(&after[..end + 2]);
        rest = &after[end + 2..];
        let is_secret = SECRET_KEYS
            .iter()
            .any(|k| key.to_ascii_lowercase().contains(k));
        let trimmed = rest.trim_start();
        if is_secret && trimmed.starts_with(':') {
            let value = trimmed[1..].trim_start();
            if let Some(inner) = value.strip_prefix('"') {
                let close = inner.find('"').map_or(inner.len(), |i| i + 1);
                out.push_str(": \"");
                out.push_str(MASK);
                out.push('"');
                rest = &inner[close.min(inner.len())..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_mask_secret_values_and_truncate() {
        let body = br#"{"code":1,"data":{"access_token":"eyJhbGciOi.secret","api_key":"k-123","order_id":"42"}}"#;
        let shown = snippet(body);
        assert!(
            !shown.contains("eyJhbGciOi") && !shown.contains("k-123"),
            "{shown}"
        );
        assert!(shown.contains(r#""order_id":"42""#), "{shown}");
        let long = vec![b'x'; 1000];
        assert_eq!(snippet(&long).chars().count(), 203);
        assert_eq!(snippet(b"a\nb"), "a\\nb");
    }

    #[test]
    fn registered_values_are_masked_anywhere() {
        register("unit-test-echoed-key-7f3a");
        let shown =
            text("<h1>Bad key unit-test-echoed-key-7f3a</h1> and again:unit-test-echoed-key-7f3a.");
        assert!(!shown.contains("7f3a"), "{shown}");
        assert_eq!(shown.matches(MASK).count(), 2, "{shown}");
        // Too short to mask by value.
        register("ab");
        assert_eq!(text("abc"), "abc");
    }

    #[test]
    fn url_passwords_are_masked() {
        assert_eq!(
            text("base URL \"https://merchant:hunter2@pay.example/x?y\" is bad"),
            "base URL \"https://merchant:[redacted]@pay.example/x?y\" is bad"
        );
        assert_eq!(text("http://user@host/"), "http://user@host/");
        assert_eq!(text("no url here: a@b"), "no url here: a@b");
    }
}
