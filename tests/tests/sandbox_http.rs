//! The sandbox over plain HTTP, driven by the spec rather than by lists of
//! names: every non-nullable property of every request body refuses an
//! explicit `null` (a PHP or JavaScript client that sends `null` for an
//! unset variable must not, say, refund a whole order); `HEAD` on every
//! GET operation answers like the GET without a body; a latency fault
//! processes the request even when the client has given up, and a stall
//! fault does not.

use std::time::Duration;

use aurpay_api::sandbox::{Fault, Repeat, Sandbox};
use aurpay_api::{Amount, Client, Credentials, ListedOrder, Operation, Outcome, types};
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use serde_yaml::Value as Yaml;

/// Follows a local `$ref` in the spec.
fn resolve<'a>(spec: &'a Yaml, node: &'a Yaml) -> &'a Yaml {
    let Some(reference) = node.get("$ref").and_then(Yaml::as_str) else {
        return node;
    };
    let mut target = spec;
    for part in reference.trim_start_matches("#/").split('/') {
        target = &target[part];
    }
    resolve(spec, target)
}

/// Whether a property's schema allows `null` (OpenAPI 3.0: `nullable`).
fn nullable(spec: &Yaml, schema: &Yaml) -> bool {
    let schema = resolve(spec, schema);
    let flag = |name: &str| schema.get(name).and_then(Yaml::as_bool) == Some(true);
    flag("nullable")
        || flag("x-nullable")
        || ["anyOf", "oneOf", "allOf"].iter().any(|key| {
            schema
                .get(*key)
                .and_then(Yaml::as_sequence)
                .is_some_and(|branches| branches.iter().any(|b| nullable(spec, b)))
        })
}

/// An operation of the spec with a JSON request body: its id, method, path
/// with the parameters' examples filled in, the body's example, and the
/// body schema's properties.
struct BodyOperation {
    id: String,
    method: String,
    path: String,
    example: Value,
    properties: Vec<(String, bool)>,
}

fn example_path(spec: &Yaml, path: &str, operation: &Yaml) -> String {
    let mut path = path.to_owned();
    for parameter in operation["parameters"].as_sequence().into_iter().flatten() {
        let parameter = resolve(spec, parameter);
        if parameter["in"].as_str() == Some("path") {
            let name = parameter["name"].as_str().unwrap();
            let example = match &parameter["example"] {
                Yaml::String(s) => s.clone(),
                other => serde_yaml::to_string(other).unwrap().trim().to_owned(),
            };
            path = path.replace(&format!("{{{name}}}"), &example);
        }
    }
    path
}

fn body_operations(spec: &Yaml) -> Vec<BodyOperation> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_mapping().unwrap() {
        let path = path.as_str().unwrap();
        for (method, operation) in item.as_mapping().unwrap() {
            let media = &operation["requestBody"]["content"]["application/json"];
            if media.is_null() {
                continue;
            }
            let schema = resolve(spec, &media["schema"]);
            let required: Vec<&str> = schema["required"]
                .as_sequence()
                .into_iter()
                .flatten()
                .filter_map(Yaml::as_str)
                .collect();
            let properties = schema["properties"]
                .as_mapping()
                .into_iter()
                .flatten()
                .map(|(name, property)| {
                    let name = name.as_str().unwrap().to_owned();
                    let allows = nullable(spec, property) && !required.contains(&name.as_str());
                    (name, allows)
                })
                .collect();
            found.push(BodyOperation {
                id: operation["operationId"].as_str().unwrap().to_owned(),
                method: method.as_str().unwrap().to_uppercase(),
                path: example_path(spec, path, operation),
                example: serde_json::to_value(&media["example"]).unwrap(),
                properties,
            });
        }
    }
    found
}

async fn send(sandbox: &Sandbox, method: &str, path: &str, body: &Value) -> Value {
    reqwest::Client::new()
        .request(
            method.parse().unwrap(),
            format!("{}{path}", sandbox.base_url()),
        )
        .header("API-Key", sandbox.config().api_key.as_str())
        .json(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_non_nullable_request_property_refuses_an_explicit_null() {
    let spec = aurpay_tests::spec();
    let operations = body_operations(&spec);
    assert!(
        operations.len() >= 6,
        "the spec's bodies: {}",
        operations.len()
    );
    let mut refused = 0;
    for operation in &operations {
        // The example itself is accepted (so a refusal below is the null's).
        let sandbox = Sandbox::builder().examples().start().await.unwrap();
        let accepted = send(
            &sandbox,
            &operation.method,
            &operation.path,
            &operation.example,
        )
        .await;
        assert_eq!(accepted["code"], 0, "{} example: {accepted}", operation.id);
        for (property, allows_null) in &operation.properties {
            let sandbox = Sandbox::builder().examples().start().await.unwrap();
            let mut body = operation.example.clone();
            body[property] = Value::Null;
            let answer = send(&sandbox, &operation.method, &operation.path, &body).await;
            if *allows_null {
                continue;
            }
            assert_eq!(
                answer["code"],
                json!(aurpay_api::sandbox::codes::BAD_REQUEST),
                "{} with {property}: null: {answer}",
                operation.id
            );
            assert!(
                answer["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains(property.as_str()),
                "{} with {property}: null names it: {answer}",
                operation.id
            );
            refused += 1;
        }
    }
    assert!(refused >= 20, "{refused} properties checked");
}

#[tokio::test]
async fn head_on_every_get_operation_answers_like_get_without_a_body() {
    let spec = aurpay_tests::spec();
    let sandbox = Sandbox::builder().examples().start().await.unwrap();
    let http = reqwest::Client::new();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_mapping().unwrap() {
        let Some(operation) = item.get("get") else {
            continue;
        };
        let mut url = format!(
            "{}{}",
            sandbox.base_url(),
            example_path(&spec, path.as_str().unwrap(), operation)
        );
        let query: Vec<String> = operation["parameters"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|p| resolve(&spec, p))
            .filter(|p| p["in"].as_str() == Some("query") && !p["example"].is_null())
            .map(|p| {
                let value = serde_yaml::to_string(&p["example"]).unwrap();
                format!(
                    "{}={}",
                    p["name"].as_str().unwrap(),
                    value.trim().trim_matches('\'')
                )
            })
            .collect();
        if !query.is_empty() {
            url = format!("{url}?{}", query.join("&"));
        }
        let auth = |request: reqwest::RequestBuilder| {
            request.header("API-Key", sandbox.config().api_key.as_str())
        };
        let get = auth(http.get(&url)).send().await.unwrap();
        let get_status = get.status();
        let get_type = get.headers().get("content-type").cloned();
        let get_body = get.bytes().await.unwrap();
        let head = auth(http.head(&url)).send().await.unwrap();
        assert_eq!(head.status(), get_status, "HEAD {url}");
        assert_eq!(
            head.headers().get("content-type").cloned(),
            get_type,
            "HEAD {url}"
        );
        assert!(!get_body.is_empty());
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {url} sent a body"
        );
        checked += 1;
    }
    assert!(checked >= 8, "{checked} GET operations");
}

fn client(sandbox: &Sandbox, timeout: Duration) -> Client {
    Client::builder()
        .base_url(sandbox.base_url())
        .credentials(Credentials::api_key(sandbox.config().api_key.as_str()).unwrap())
        .timeout(timeout)
        .build()
        .unwrap()
}

async fn orders_priced(client: &Client, price: i64) -> usize {
    let orders: Vec<_> = client.get_orders().items(50).try_collect().await.unwrap();
    orders
        .iter()
        .filter(|o| o.fiat_price() == Some(&Amount::from(price)))
        .count()
}

async fn create(client: &Client, price: i64) -> Result<types::BlnOrder, aurpay_api::Error> {
    client
        .create_bln_order()
        .body(
            types::BlnOrderRequest::builder()
                .price(Amount::from(price))
                .currency("USD"),
        )
        .call()
        .await
}

#[tokio::test]
async fn a_latency_fault_processes_the_request_though_the_client_gave_up() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    // The answer comes 10 s late; the client waits 300 ms.
    sandbox.inject(
        Operation::CREATE_BLN_ORDER,
        Fault::Latency(Duration::from_secs(10)),
        Repeat::Once,
    );
    let impatient = client(&sandbox, Duration::from_millis(300));
    let error = create(&impatient, 41).await.unwrap_err();
    assert_eq!(error.outcome(), Outcome::Unknown, "{error}");
    // Processed before the answer was held back: it is listed now.
    let reader = client(&sandbox, Duration::from_secs(5));
    assert_eq!(orders_priced(&reader, 41).await, 1);
    assert_eq!(sandbox.calls(Operation::CREATE_BLN_ORDER), 1);
}

#[tokio::test]
async fn a_stall_fault_leaves_nothing_behind_when_the_client_gives_up() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let stall = Duration::from_millis(1_500);
    sandbox.inject(
        Operation::CREATE_BLN_ORDER,
        Fault::Stall(stall),
        Repeat::Once,
    );
    let impatient = client(&sandbox, Duration::from_millis(300));
    let sent = std::time::Instant::now();
    let error = create(&impatient, 42).await.unwrap_err();
    assert_eq!(error.outcome(), Outcome::Unknown, "{error}");
    assert_eq!(sandbox.calls(Operation::CREATE_BLN_ORDER), 1);
    // real time: nothing to wait on for "never processed"; the stall
    // must run out (as network faults do) before its absence means anything.
    tokio::time::sleep((stall + Duration::from_millis(500)).saturating_sub(sent.elapsed())).await;
    let reader = client(&sandbox, Duration::from_secs(5));
    assert_eq!(
        orders_priced(&reader, 42).await,
        0,
        "a stalled request was processed"
    );
    // A patient client gets its answer after the stall.
    sandbox.inject(
        Operation::CREATE_BLN_ORDER,
        Fault::Stall(Duration::from_millis(200)),
        Repeat::Once,
    );
    create(&reader, 43).await.unwrap();
    assert_eq!(orders_priced(&reader, 43).await, 1);
}
