//! Why a callback does not verify. [`CallbackVerifier`] says *that* it
//! fails (wrong token, bad signature, stale or future `Date`); for a bad
//! signature this also says *where* it would match: the same URL with
//! another scheme, host, port, query order or trailing slash, which is
//! what a reverse proxy or a framework's URL rebuilding produces. The
//! variants tried are bounded ([`MAX_VARIANTS`]); the one named is the one
//! with the fewest differences.

use std::time::Duration;

use crate::callback::{CallbackRequest, CallbackSigner, CallbackVerifier, Rejection};

/// The most URL variants tried.
pub(crate) const MAX_VARIANTS: usize = 200_000;
/// Query orders are all tried up to this many parameters (6! = 720), then
/// only sorted and reversed.
const MAX_PERMUTED_PARAMS: usize = 6;

/// Other hosts and ports to try, from the request's forwarding headers and
/// the command line.
#[derive(Debug, Default)]
pub(crate) struct Hints {
    pub(crate) hosts: Vec<String>,
    pub(crate) ports: Vec<u16>,
}

impl Hints {
    /// Hosts and ports named by `Host`, `X-Forwarded-Host`,
    /// `X-Forwarded-Port` and `Forwarded: host=`.
    pub(crate) fn from_headers(headers: &http::HeaderMap) -> Hints {
        let mut hints = Hints::default();
        let values = |name: &str| {
            headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(|v| v.trim().to_owned())
                .collect::<Vec<_>>()
        };
        let mut hosts = values("host");
        hosts.extend(values("x-forwarded-host"));
        for forwarded in values("forwarded") {
            for pair in forwarded.split(';') {
                if let Some(host) = pair.trim().strip_prefix("host=") {
                    hosts.push(host.trim_matches('"').to_owned());
                }
            }
        }
        for host in hosts {
            hints.add_host(&host);
        }
        for port in values("x-forwarded-port") {
            if let Ok(port) = port.parse() {
                hints.ports.push(port);
            }
        }
        hints
    }

    /// A host, possibly with a port (`shop.example:8443`, `[::1]:8080`).
    pub(crate) fn add_host(&mut self, authority: &str) {
        let authority = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let (host, port) = if authority.starts_with('[') {
            match authority.find(']') {
                Some(end) => (
                    &authority[..=end],
                    authority[end + 1..]
                        .strip_prefix(':')
                        .and_then(|p| p.parse().ok()),
                ),
                None => (authority, None),
            }
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) if !host.contains(':') => match port.parse::<u16>() {
                    Ok(port) => (host, Some(port)),
                    Err(_) => (authority, None),
                },
                _ => (authority, None),
            }
        };
        if !host.is_empty() {
            self.hosts.push(host.to_ascii_lowercase());
        }
        self.ports.extend(port);
    }
}

/// A URL taken apart as it was written (no normalisation: a signature is
/// over the exact text).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parts {
    scheme: String,
    host: String,
    port: Option<u16>,
    path: String,
    query: Vec<String>,
}

impl Parts {
    fn parse(url: &str) -> Option<Parts> {
        let (scheme, rest) = url.split_once("://")?;
        let (authority, rest) = match rest.find(['/', '?']) {
            Some(at) => rest.split_at(at),
            None => (rest, ""),
        };
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        let mut hints = Hints::default();
        hints.add_host(authority);
        Some(Parts {
            scheme: scheme.to_ascii_lowercase(),
            host: hints.hosts.first()?.clone(),
            port: hints.ports.first().copied(),
            path: path.to_owned(),
            query: query
                .map(|q| q.split('&').map(str::to_owned).collect())
                .unwrap_or_default(),
        })
    }

    fn text(&self) -> String {
        let mut url = format!("{}://{}", self.scheme, self.host);
        if let Some(port) = self.port {
            url.push_str(&format!(":{port}"));
        }
        url.push_str(&self.path);
        if !self.query.is_empty() {
            url.push('?');
            url.push_str(&self.query.join("&"));
        }
        url
    }

    /// How `self` differs from `given`, in words.
    fn differences(&self, given: &Parts) -> Vec<String> {
        let port = |p: Option<u16>| p.map_or_else(|| "none".to_owned(), |p| p.to_string());
        let mut out = Vec::new();
        if self.scheme != given.scheme {
            out.push(format!(
                "another scheme ({} instead of {})",
                self.scheme, given.scheme
            ));
        }
        if self.host != given.host {
            out.push(format!(
                "another host ({} instead of {})",
                self.host, given.host
            ));
        }
        if self.port != given.port {
            out.push(format!(
                "another port ({} instead of {})",
                port(self.port),
                port(given.port)
            ));
        }
        if self.path != given.path {
            out.push(format!(
                "another path ({} instead of {})",
                self.path, given.path
            ));
        }
        if self.query != given.query {
            out.push(format!("another query order ({})", self.query.join("&")));
        }
        out
    }
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, value: T) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// Every order of `items` (all of them up to [`MAX_PERMUTED_PARAMS`]).
fn orders(items: &[String]) -> Vec<Vec<String>> {
    if items.len() > MAX_PERMUTED_PARAMS {
        let mut sorted = items.to_vec();
        sorted.sort();
        let mut reversed = items.to_vec();
        reversed.reverse();
        let mut out = vec![items.to_vec()];
        push_unique(&mut out, sorted);
        push_unique(&mut out, reversed);
        return out;
    }
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for (index, first) in items.iter().enumerate() {
        let mut rest = items.to_vec();
        rest.remove(index);
        for mut tail in orders(&rest) {
            tail.insert(0, first.clone());
            push_unique(&mut out, tail);
        }
    }
    out
}

/// The variants of `given` to try, fewest differences first.
fn variants(given: &Parts, hints: &Hints) -> Vec<Parts> {
    let other_scheme = if given.scheme == "https" {
        "http"
    } else {
        "https"
    };
    let schemes = [given.scheme.clone(), other_scheme.to_owned()];
    let mut hosts = vec![given.host.clone()];
    for host in &hints.hosts {
        push_unique(&mut hosts, host.clone());
    }
    for (a, b) in [("127.0.0.1", "localhost"), ("localhost", "127.0.0.1")] {
        if given.host == a {
            push_unique(&mut hosts, b.to_owned());
        }
    }
    let mut ports = Vec::new();
    for port in [given.port, None, Some(80), Some(443)] {
        push_unique(&mut ports, port);
    }
    for port in &hints.ports {
        push_unique(&mut ports, Some(*port));
    }
    let mut paths = vec![given.path.clone()];
    push_unique(
        &mut paths,
        match given.path.strip_suffix('/') {
            Some(stripped) => stripped.to_owned(),
            None => format!("{}/", given.path),
        },
    );
    let queries = orders(&given.query);
    let mut out = Vec::new();
    'all: for scheme in &schemes {
        for host in &hosts {
            for port in &ports {
                for path in &paths {
                    for query in &queries {
                        if out.len() == MAX_VARIANTS {
                            break 'all;
                        }
                        out.push(Parts {
                            scheme: scheme.clone(),
                            host: host.clone(),
                            port: *port,
                            path: path.clone(),
                            query: query.clone(),
                        });
                    }
                }
            }
        }
    }
    out.sort_by_key(|p| p.differences(given).len());
    out
}

/// The URL variant the signature matches, with how it differs from `url`.
fn matching_variant(
    signer: &CallbackSigner,
    url: &str,
    date: &str,
    signature: &str,
    hints: &Hints,
) -> Option<(String, Vec<String>)> {
    let given = Parts::parse(url)?;
    variants(&given, hints)
        .into_iter()
        .find(|variant| signer.signature(&variant.text(), date) == signature.trim())
        .map(|variant| (variant.text(), variant.differences(&given)))
}

fn header<'h>(request: &CallbackRequest<'h>, name: &str) -> Option<&'h str> {
    request.headers.get(name)?.to_str().ok()
}

/// The verdict, in lines for a person; `true` when it verifies.
pub(crate) fn explain(
    verifier: &CallbackVerifier,
    signer: &CallbackSigner,
    window: Option<Duration>,
    request: &CallbackRequest<'_>,
    hints: &Hints,
) -> (bool, Vec<String>) {
    let date = header(request, "date").unwrap_or_default();
    let signature = header(request, "signature").unwrap_or_default();
    let signature_matches = signer.signature(request.url, date) == signature.trim();
    let window_text = window.map_or_else(|| "no".to_owned(), |w| format!("{} s", w.as_secs()));
    match verifier.verify(request) {
        Ok(callback) => {
            let mut line = format!(
                "verified: {} {} signed at {}",
                request.method.to_ascii_uppercase(),
                request.url,
                date
            );
            if let Some(reference) = callback.reference() {
                line.push_str(&format!("; reference {reference}"));
            }
            (true, vec![line])
        }
        Err(Rejection::WrongToken) => {
            let mut lines = vec![
                "not verified: wrong token: Callback-Token is not AURPAY_CALLBACK_TOKEN".to_owned(),
            ];
            if signature_matches {
                lines.push("the Signature does match this URL: the secret is right, the token belongs to another account or is an old one".to_owned());
            }
            (false, lines)
        }
        Err(Rejection::StaleDate { age }) => (
            false,
            vec![format!(
                "not verified: stale date: Date {date} is {} s old; the freshness window is {window_text} \
                 (a replayed callback, or this machine's clock is ahead)",
                age.as_secs()
            )],
        ),
        Err(Rejection::FutureDate { ahead }) => (
            false,
            vec![format!(
                "not verified: future date: Date {date} is {} s in the future; the freshness window is {window_text} \
                 (this machine's clock is behind, or the Date is forged)",
                ahead.as_secs()
            )],
        ),
        Err(Rejection::BadSignature) => match matching_variant(signer, request.url, date, signature, hints) {
            Some((url, differences)) => (
                false,
                vec![
                    format!("not verified: the Signature is not for {}", request.url),
                    format!("it matches {url}: {}", differences.join(", ")),
                    "a reverse proxy changes the URL the receiver sees: rebuild the URL Aurpay called from your public base URL".to_owned(),
                ],
            ),
            None => (
                false,
                vec![
                    format!("not verified: bad signature for {}", request.url),
                    "no variant matches either (another scheme, host, port, query order or trailing slash): \
                     the callback secret is wrong, or the URL differs in its path or values"
                        .to_owned(),
                ],
            ),
        },
        Err(other) => (false, vec![format!("not verified: {other}")]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> CallbackSigner {
        CallbackSigner::new("TOKEN", "secret")
    }

    #[test]
    fn names_the_variant_the_signature_is_for() {
        let date = "2024-06-17T00:00:00Z";
        let signed = "https://shop.example/cb?event=paid&ref=7";
        let signature = signer().signature(signed, date);
        let mut hints = Hints::default();
        hints.add_host("shop.example");
        let (url, differences) = matching_variant(
            &signer(),
            "http://127.0.0.1:8080/cb?ref=7&event=paid",
            date,
            &signature,
            &hints,
        )
        .unwrap();
        assert_eq!(url, signed);
        assert_eq!(
            differences,
            [
                "another scheme (https instead of http)",
                "another host (shop.example instead of 127.0.0.1)",
                "another port (none instead of 8080)",
                "another query order (event=paid&ref=7)",
            ]
        );
    }

    #[test]
    fn parses_urls_as_written() {
        let parts = Parts::parse("http://[::1]:8080/a/?x=1&y=2").unwrap();
        assert_eq!((parts.host.as_str(), parts.port), ("[::1]", Some(8080)));
        assert_eq!(parts.text(), "http://[::1]:8080/a/?x=1&y=2");
        assert_eq!(orders(&["a".into(), "b".into(), "c".into()]).len(), 6);
    }
}
