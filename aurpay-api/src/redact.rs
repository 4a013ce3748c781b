//! Keeping secrets out of every output: error texts, `Debug`, trace logs.
//!
//! Three layers, applied by [`text`] to anything the SDK prints:
//!
//! 1. **By value.** Every secret the process configured through the SDK
//!    (API key, API token, API secret, callback token and secret) is
//!    registered here when its holder is built, and every occurrence of it
//!    is replaced by `[redacted]`, wherever it appears: an envelope
//!    `message`, a text 400, an HTML page, a `Location` header. A server
//!    that echoes the key back cannot make us print it, nor a part of it:
//!    any run of [`MIN_ECHO_LEN`] or more characters that stands in a
//!    secret (its first 18 characters, its last 8, any stretch) is masked
//!    too.
//! 2. **URLs with userinfo.** `https://user:password@host` loses its
//!    password.
//! 3. **By key.** The values of JSON keys that look like secrets (`token`,
//!    `secret`, `password`, `key`, `signature`) are masked, so the answer
//!    of Get API-Key (a fresh key we never configured) is not logged.
//!
//! The registry is process-global because error values and log lines
//! outlive the client that produced them. It is bounded: at most
//! [`MAX_SECRETS`] values, each kept once.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

/// The mask put where a secret was.
pub(crate) const MASK: &str = "[redacted]";

/// Secrets shorter than this cannot be masked by value without garbling
/// every message; the SDK refuses them as credentials
/// ([`check_secret_len`]).
pub(crate) const MIN_SECRET_LEN: usize = 4;

/// Bound on the registry (distinct values, each with its escaped forms).
/// Nothing is ever evicted, so a secret registered once stays masked; past
/// the bound, new values are masked only in errors of the client that holds
/// them (see [`text_with`]) and a warning is logged once.
const MAX_SECRETS: usize = 16 * 1024;

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The shortest part of a secret masked on its own: every run of this many
/// bytes of a registered secret (in every form) is masked wherever it
/// appears. Shorter runs are too likely to be ordinary text.
pub(crate) const MIN_ECHO_LEN: usize = 8;

/// Every [`MIN_ECHO_LEN`]-byte window of every registered secret form.
static WINDOWS: Mutex<Option<HashSet<[u8; MIN_ECHO_LEN]>>> = Mutex::new(None);

fn windows_of(secret: &str, into: &mut HashSet<[u8; MIN_ECHO_LEN]>) {
    for window in secret.as_bytes().windows(MIN_ECHO_LEN) {
        let mut key = [0u8; MIN_ECHO_LEN];
        key.copy_from_slice(window);
        into.insert(key);
    }
}

fn secrets() -> MutexGuard<'static, Vec<String>> {
    // A panic while holding the lock cannot leave the list inconsistent.
    SECRETS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A configuration error for a secret too short to be real (and to mask).
pub(crate) fn check_secret_len(name: &str, value: &str) -> Result<(), crate::Error> {
    if value.trim().chars().count() < MIN_SECRET_LEN {
        return Err(crate::Error::config(format!(
            "{name} is shorter than {MIN_SECRET_LEN} characters: not a real credential"
        )));
    }
    Ok(())
}

/// The forms a secret takes when a server echoes it: as is, JSON-escaped
/// (with and without `\/`), Rust-`Debug`-escaped, and percent-encoded
/// (upper- and lower-case hex).
pub(crate) fn forms(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_owned()];
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json.trim_matches('"').to_owned();
    out.push(json.replace('/', "\\/"));
    out.push(json);
    let debug = format!("{secret:?}");
    out.push(debug.trim_matches('"').to_owned());
    let mut upper = String::new();
    for byte in secret.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            upper.push(byte as char);
        } else {
            upper.push_str(&format!("%{byte:02X}"));
        }
    }
    out.push(percent_lower(&upper));
    out.push(upper);
    out.sort();
    out.dedup();
    out
}

/// `%2F` -> `%2f`, leaving the rest as is.
fn percent_lower(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut chars = encoded.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            out.extend(chars.by_ref().take(2).map(|h| h.to_ascii_lowercase()));
        }
    }
    out
}

/// Registers a configured secret value, so that [`text`] masks it in every
/// form it may be echoed in.
pub(crate) fn register(secret: &str) {
    let secret = secret.trim();
    if secret.chars().count() < MIN_SECRET_LEN {
        return;
    }
    let mut list = secrets();
    if list.iter().any(|known| known == secret) {
        return;
    }
    if list.len() >= MAX_SECRETS {
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| {
            tracing::warn!("secret registry full: further secrets are masked per client only");
        });
        return;
    }
    let mut windows = WINDOWS.lock().unwrap_or_else(|p| p.into_inner());
    let windows = windows.get_or_insert_with(HashSet::new);
    for form in forms(secret) {
        windows_of(&form, windows);
        if form.chars().count() >= MIN_SECRET_LEN && !list.contains(&form) {
            list.push(form);
        }
    }
    // Longest first, so a secret that contains another is masked whole.
    list.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// `text` with every registered secret, every URL password and every
/// secret-looking JSON value masked.
pub(crate) fn text(text: &str) -> String {
    text_with(text, &[])
}

/// [`text`], also masking `extra` values (a client's own credentials and
/// the signatures of one call), in all their forms.
pub(crate) fn text_with(text: &str, extra: &[String]) -> String {
    let mut out = text.to_owned();
    let mut extra_forms: Vec<String> = extra
        .iter()
        .filter(|s| s.chars().count() >= MIN_SECRET_LEN)
        .flat_map(|s| forms(s))
        .collect();
    extra_forms.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in extra_forms.iter().chain(secrets().iter()) {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), MASK);
        }
    }
    let mut extra_windows = HashSet::new();
    for form in &extra_forms {
        windows_of(form, &mut extra_windows);
    }
    let out = {
        let registered = WINDOWS.lock().unwrap_or_else(|p| p.into_inner());
        mask_parts(&out, &extra_windows, registered.as_ref())
    };
    mask_json_values(&mask_userinfo(&out))
}

/// Masks every run of at least [`MIN_ECHO_LEN`] bytes of `text` that
/// stands in a secret: each byte covered by a window found in `extra` or
/// `registered` is part of such a run; each run (widened to whole
/// characters) becomes one [`MASK`].
fn mask_parts(
    text: &str,
    extra: &HashSet<[u8; MIN_ECHO_LEN]>,
    registered: Option<&HashSet<[u8; MIN_ECHO_LEN]>>,
) -> String {
    let bytes = text.as_bytes();
    if bytes.len() < MIN_ECHO_LEN || (extra.is_empty() && registered.is_none_or(HashSet::is_empty))
    {
        return text.to_owned();
    }
    let mut covered = vec![false; bytes.len()];
    let mut any = false;
    for (start, window) in bytes.windows(MIN_ECHO_LEN).enumerate() {
        let mut key = [0u8; MIN_ECHO_LEN];
        key.copy_from_slice(window);
        if extra.contains(&key) || registered.is_some_and(|r| r.contains(&key)) {
            covered[start..start + MIN_ECHO_LEN].fill(true);
            any = true;
        }
    }
    if !any {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    while index < bytes.len() {
        if !covered[index] {
            let next = covered[index..]
                .iter()
                .position(|&c| c)
                .map_or(bytes.len(), |p| index + p);
            out.push_str(&text[index..next]);
            index = next;
            continue;
        }
        let mut end = covered[index..]
            .iter()
            .position(|&c| !c)
            .map_or(bytes.len(), |p| index + p);
        while !text.is_char_boundary(end) {
            end += 1;
        }
        // `index` is a char boundary: the previous run ended on one.
        out.push_str(MASK);
        index = end;
    }
    out
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

/// A decoder's message without the values it quotes: serde says
/// `invalid type: string "<the value>", expected ...`, and the value may be
/// a credential nobody configured. Each `"..."` becomes `"…"`.
pub(crate) fn without_quoted_values(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut inside = false;
    let mut escaped = false;
    for c in reason.chars() {
        if inside {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') => {
                    out.push_str("…\"");
                    inside = false;
                }
                _ => escaped = false,
            }
        } else {
            out.push(c);
            inside = c == '"';
        }
    }
    if inside {
        out.push('…');
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
    fn escaped_echoes_are_masked() {
        register("esc/ape+key\\q\"x");
        for echoed in [
            "esc/ape+key\\q\"x",
            "esc\\/ape+key\\\\q\\\"x",
            "esc/ape+key\\\\q\\\"x",
            "esc%2Fape%2Bkey%5Cq%22x",
            "esc%2fape%2bkey%5cq%22x",
        ] {
            let shown = text(&format!("echo: {echoed} end"));
            assert_eq!(shown, "echo: [redacted] end", "{echoed}");
        }
        assert_eq!(
            text_with("a per-call sig0123 here", &["sig0123".into()]),
            "a per-call [redacted] here"
        );
    }

    #[test]
    fn parts_of_secrets_are_masked() {
        let secret = "echo-part-Key-9f8e7d6c5b4a3210zz";
        register(secret);
        for echoed in [&secret[..18], &secret[secret.len() - 8..], &secret[5..20]] {
            let shown = text(&format!("the key {echoed} is wrong"));
            assert_eq!(shown, "the key [redacted] is wrong", "{echoed}");
        }
        assert_eq!(text("x%2Fecho-part-Key"), "x%2F[redacted]");
        // Seven characters are not enough to be a secret's part.
        assert_eq!(text("echo-pa here"), "echo-pa here");
        // Per-call secrets too, and a part next to multibyte text.
        assert_eq!(
            text_with("sig:ABCDEFGH1234é", &["zzABCDEFGH1234zz".into()]),
            "sig:[redacted]é"
        );
    }

    #[test]
    fn decoder_messages_lose_their_quoted_values() {
        assert_eq!(
            without_quoted_values(
                r#"invalid type: string "eyJ.key\"x", expected struct ApiKey at line 1"#
            ),
            r#"invalid type: string "…", expected struct ApiKey at line 1"#
        );
        assert_eq!(
            without_quoted_values("missing field `status`"),
            "missing field `status`"
        );
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
