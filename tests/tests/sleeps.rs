//! No test sleeps to let time pass. Expiry, leases, callback windows and
//! back-off run on a `ManualClock` the tests move; waits are woken by
//! events. A real-time pause is left only where real time is what is
//! tested (a fault that holds an answer, a client timeout, a poll of a
//! process with no event to wait on), and then it says so: a comment with
//! `real time:` on the line or in the three lines above it.

use std::path::{Path, PathBuf};

use aurpay_tests::workspace_root;

/// The directories that hold test code.
const TEST_CODE: [&str; 3] = ["aurpay-api/tests", "tests/tests", "tests/src"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a test directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The lines of `text` that sleep without saying why real time is needed.
fn unexplained_sleeps(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        if !(code.contains("sleep(") || code.contains("sleep_until(")) {
            continue;
        }
        let explained = lines[index.saturating_sub(3)..=index]
            .iter()
            .any(|l| l.contains("real time:"));
        if !explained {
            found.push(index + 1);
        }
    }
    found
}

#[test]
fn every_real_time_pause_in_the_tests_says_why() {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in TEST_CODE {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 20, "only {} test files found", files.len());
    let this_file = Path::new(file!()).file_name().unwrap();
    let mut unexplained = Vec::new();
    for file in files.iter().filter(|f| f.file_name() != Some(this_file)) {
        let text = std::fs::read_to_string(file).unwrap();
        for line in unexplained_sleeps(&text) {
            unexplained.push(format!(
                "{}:{line}",
                file.strip_prefix(&root).unwrap().display()
            ));
        }
    }
    assert!(
        unexplained.is_empty(),
        "sleeps without a `real time:` reason (wait for an event or move a ManualClock instead):\n{}",
        unexplained.join("\n")
    );
}

#[test]
fn the_check_finds_an_unexplained_sleep() {
    let text = "async fn t() {\n    tokio::time::sleep(Duration::from_secs(2)).await;\n}\n";
    assert_eq!(unexplained_sleeps(text), vec![2]);
    let explained =
        "    // real time: the fault holds the answer 3 s\n    tokio::time::sleep(d).await;\n";
    assert!(unexplained_sleeps(explained).is_empty());
    assert!(unexplained_sleeps("    // not tokio::time::sleep(d) in a comment\n").is_empty());
}
