//! aurpay-codegen turns a bad spec, or a progenitor panic, into an error that
//! names the spec and the operation.

use std::path::Path;

use aurpay_tests::spec;

const SPEC: &str = "spec/aurpay.yaml";

fn with_edit(edit: impl FnOnce(&mut serde_yaml::Value)) -> String {
    let mut document = spec();
    edit(&mut document);
    serde_yaml::to_string(&document).expect("serialize spec")
}

/// The spec's first operation with query parameters, and its id: the tests
/// break it, whatever it is called.
fn target_id() -> String {
    let mut document = spec();
    operation_with_query(&mut document).0
}

fn operation_with_query(document: &mut serde_yaml::Value) -> (String, &mut serde_yaml::Mapping) {
    find_operation(document, |op| {
        op["parameters"]
            .as_sequence()
            .is_some_and(|p| !p.is_empty())
    })
}

fn target(document: &mut serde_yaml::Value) -> &mut serde_yaml::Mapping {
    operation_with_query(document).1
}

/// The first operation (in spec order) that `pick` accepts, with its id.
fn find_operation(
    document: &mut serde_yaml::Value,
    pick: impl Fn(&serde_yaml::Value) -> bool,
) -> (String, &mut serde_yaml::Mapping) {
    document["paths"]
        .as_mapping_mut()
        .expect("paths")
        .values_mut()
        .filter_map(|item| item.as_mapping_mut())
        .flat_map(|item| item.values_mut())
        .find(|op| pick(op))
        .and_then(|op| {
            let id = op["operationId"].as_str()?.to_owned();
            Some((id, op.as_mapping_mut()?))
        })
        .expect("the spec has an operation of the kind this test breaks")
}

#[test]
fn missing_provenance_names_the_operation() {
    let text = with_edit(|d| {
        target(d).remove("x-aurpay-provenance");
    });
    let error = aurpay_codegen::generate_from_str(&text, Path::new(SPEC)).unwrap_err();
    let message = error.to_string();
    assert!(message.contains(SPEC), "{message}");
    assert!(message.contains(&format!("`{}`", target_id())), "{message}");
    assert!(message.contains("x-aurpay-provenance"), "{message}");
}

#[test]
fn inferred_operation_without_basis_is_rejected() {
    let is_inferred =
        |op: &serde_yaml::Value| op["x-aurpay-provenance"]["status"].as_str() == Some("inferred");
    let inferred_id = find_operation(&mut spec(), is_inferred).0;
    let text = with_edit(|d| {
        let (_, op) = find_operation(d, is_inferred);
        op.get_mut("x-aurpay-provenance")
            .and_then(|p| p.as_mapping_mut())
            .unwrap()
            .remove("basis");
    });
    let message = aurpay_codegen::generate_from_str(&text, Path::new(SPEC))
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(&format!("`{inferred_id}`")) && message.contains("basis"),
        "{message}"
    );
}

#[test]
fn missing_money_flag_is_rejected() {
    let text = with_edit(|d| {
        target(d).remove("x-aurpay-moves-money");
    });
    let message = aurpay_codegen::generate_from_str(&text, Path::new(SPEC))
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(&format!("`{}`", target_id())) && message.contains("x-aurpay-moves-money"),
        "{message}"
    );
}

/// progenitor 0.15.1 panics (`unreachable!`) on an optional object query
/// parameter in builder style; the panic comes back as an error naming the
/// operation, not as a crash.
#[test]
fn progenitor_panic_becomes_an_error_naming_the_operation() {
    let text = with_edit(|d| {
        let params = target(d)
            .get_mut("parameters")
            .and_then(|p| p.as_sequence_mut())
            .unwrap();
        let filter: serde_yaml::Value = serde_yaml::from_str(
            "{name: filter, in: query, required: false, schema: {type: object, properties: {status: {type: string}}}}",
        )
        .unwrap();
        params.push(filter);
    });
    let error = aurpay_codegen::generate_from_str(&text, Path::new(SPEC)).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, aurpay_codegen::Error::Progenitor { .. }),
        "{message}"
    );
    assert!(message.contains(SPEC), "{message}");
    assert!(message.contains(&format!("`{}`", target_id())), "{message}");
    assert!(message.contains("panicked"), "{message}");
}

/// Generation from several threads at once, some panicking inside
/// progenitor and some not: each panic is reported to its own caller, the
/// good runs succeed, and a panic on an unrelated thread still reaches the
/// usual hook (the capture is per thread, installed once).
#[test]
fn parallel_generation_keeps_each_panic_with_its_caller() {
    let panicking = with_edit(|d| {
        let params = target(d)
            .get_mut("parameters")
            .and_then(|p| p.as_sequence_mut())
            .unwrap();
        params.push(
            serde_yaml::from_str(
                "{name: filter, in: query, required: false, schema: {type: object, properties: {status: {type: string}}}}",
            )
            .unwrap(),
        );
    });
    let good = serde_yaml::to_string(&spec()).unwrap();
    let runs: Vec<_> = (0..4)
        .map(|i| {
            let text = if i % 2 == 0 {
                panicking.clone()
            } else {
                good.clone()
            };
            std::thread::spawn(move || {
                (0..2)
                    .map(
                        |_| match aurpay_codegen::generate_from_str(&text, Path::new(SPEC)) {
                            Ok(_) => false,
                            Err(error) => {
                                // The panic's own message and location, not
                                // another thread's, nor the bare fallback.
                                let message = error.to_string();
                                assert!(
                                    message.contains(&format!("`{}`", target_id())),
                                    "{message}"
                                );
                                assert!(message.contains("panicked at "), "{message}");
                                true
                            }
                        },
                    )
                    .collect::<Vec<bool>>()
            })
        })
        .collect();
    let unrelated = std::thread::spawn(|| panic!("an unrelated panic"));
    assert!(unrelated.join().is_err(), "unrelated panics still unwind");
    for (i, run) in runs.into_iter().enumerate() {
        let failed = run.join().expect("no panic escapes generate_from_str");
        assert_eq!(failed, vec![i % 2 == 0; 2], "run {i}");
    }
}

#[test]
fn unparsable_spec_names_the_file() {
    let error = aurpay_codegen::generate_from_str("openapi: [", Path::new(SPEC)).unwrap_err();
    assert!(error.to_string().starts_with(SPEC), "{error}");
}
