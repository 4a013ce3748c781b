//! Arbitrary headers, URLs, methods and bodies never panic the verifier.

use aurpay_api::callback::CallbackRequest;
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::{NOW, SECRET, TOKEN, independent_signature, verifier};

fn header_strategy() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let names = prop_oneof![
        Just("callback-token".to_owned()),
        Just("date".to_owned()),
        Just("signature".to_owned()),
        Just("api-key".to_owned()),
        "[a-z-]{1,12}",
    ];
    prop::collection::vec((names, prop::collection::vec(any::<u8>(), 0..64)), 0..6)
}

proptest! {
    // Cases: `PROPTEST_CASES` (proptest's default, 256, here; `.ci/run`
    // sets many more).
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Arbitrary headers, URLs, methods and bodies never panic the verifier;
    /// whatever it accepts really carries the right token.
    #[test]
    fn arbitrary_requests_never_panic(
        header_pairs in header_strategy(),
        url in ".{0,80}",
        method in prop_oneof![Just("GET".to_owned()), Just("POST".to_owned()), "[A-Za-z]{0,8}"],
        body in prop::collection::vec(any::<u8>(), 0..256),
        valid_signature in any::<bool>(),
    ) {
        let mut map = HeaderMap::new();
        for (name, value) in &header_pairs {
            if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_bytes(value)) {
                map.append(name, value);
            }
        }
        if valid_signature {
            // Half the cases get a correct token and signature, so the
            // date, method and body paths are exercised too.
            let date = map.get("date").and_then(|d| d.to_str().ok()).unwrap_or(NOW).to_owned();
            map.insert("callback-token", HeaderValue::from_static(TOKEN));
            if let Ok(value) = HeaderValue::from_str(&independent_signature(SECRET, &date, &url)) {
                map.insert("signature", value);
            }
            if let Ok(value) = HeaderValue::from_str(&date) {
                map.insert("date", value);
            }
        }
        let result = verifier().without_freshness().verify(&CallbackRequest::new(&method, &url, &map, &body));
        if result.is_ok() {
            prop_assert_eq!(map.get("callback-token").map(|v| v.as_bytes()), Some(TOKEN.as_bytes()));
        }
    }
}
