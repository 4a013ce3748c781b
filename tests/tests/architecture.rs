//! ARCHITECTURE.md stays true: every file or directory it names exists.
//!
//! A name is a backticked token that looks like a path (it has a `/`, or
//! ends in a file extension). It is looked up from the repository root,
//! then from the directories of the section it is in: a heading that
//! names directories (`### \`aurpay-api/src/processor/\``) makes them the
//! bases for the lines below it, until the next heading of the same or a
//! higher level; a base's siblings (`../name`) may be named plainly too.

use std::path::{Path, PathBuf};

use aurpay_tests::workspace_root;

const EXTENSIONS: [&str; 14] = [
    ".rs", ".md", ".yaml", ".yml", ".json", ".toml", ".sh", ".py", ".ts", ".mjs", ".php", ".go",
    ".txt", ".html",
];

/// The backticked spans of a line.
fn backticked(line: &str) -> Vec<&str> {
    line.split('`').skip(1).step_by(2).collect()
}

/// Whether a span names a path (not code, a URL, a pattern or a command).
fn is_path(span: &str) -> bool {
    let looks_like_file = span.contains('/') || EXTENSIONS.iter().any(|e| span.ends_with(e));
    let is_code_or_pattern = span.contains(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '{' | '}' | '*' | '<' | '>' | '$' | '(' | ')' | '=' | '?' | '"' | '\'' | '|'
            )
    }) || span.contains("::")
        || span.contains("://")
        || span.starts_with('/')
        || span.starts_with('-')
        || span.starts_with('.')
            && !span.starts_with("./")
            && !span.starts_with(".ci")
            && !span.starts_with(".cargo")
            && !span.starts_with(".redocly")
            && !span.starts_with(".spectral");
    looks_like_file && !is_code_or_pattern
}

/// A heading's level and the directories it names.
fn heading(line: &str) -> Option<(usize, Vec<String>)> {
    let level = line.chars().take_while(|c| *c == '#').count();
    if level == 0 || !line[level..].starts_with(' ') {
        return None;
    }
    let directories = backticked(line)
        .into_iter()
        .filter(|span| span.ends_with('/') && is_path(span))
        .map(str::to_owned)
        .collect();
    Some((level, directories))
}

#[test]
fn every_path_architecture_md_names_exists() {
    let root = workspace_root();
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    // The directories of the headings above the current line, by level.
    let mut bases: Vec<(usize, PathBuf)> = Vec::new();
    let mut missing = Vec::new();
    let mut checked = 0;
    let mut in_code_block = false;
    for (number, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_code_block = !in_code_block;
            continue;
        }
        if in_code_block {
            continue;
        }
        if let Some((level, directories)) = heading(line) {
            bases.retain(|(l, _)| *l < level);
            for directory in directories {
                let directory = root.join(&directory);
                assert!(
                    directory.is_dir(),
                    "line {}: the heading names {}, not a directory",
                    number + 1,
                    directory.display()
                );
                bases.push((level, directory));
            }
        }
        for span in backticked(line).into_iter().filter(|s| is_path(s)) {
            checked += 1;
            let relative = Path::new(span.trim_end_matches('/'));
            let found = root.join(relative).exists()
                || bases.iter().any(|(_, base)| {
                    base.join(relative).exists()
                        || base
                            .parent()
                            .is_some_and(|parent| parent.join(relative).exists())
                });
            if !found {
                missing.push(format!("line {}: `{span}`", number + 1));
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} paths found: is the pattern right?"
    );
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_path_check_catches_a_missing_file() {
    // The checker itself: a made-up path is a path, and does not exist.
    assert!(is_path("aurpay-api/src/no_such_room.rs"));
    assert!(
        !workspace_root()
            .join("aurpay-api/src/no_such_room.rs")
            .exists()
    );
    assert!(!is_path("Client::builder()"));
    assert!(!is_path("https://dashboard.aurpay.net"));
    assert_eq!(
        heading("### `aurpay-api/src/call/` and `aurpay-api/src/error/`"),
        Some((
            3,
            vec![
                "aurpay-api/src/call/".to_owned(),
                "aurpay-api/src/error/".to_owned()
            ]
        ))
    );
}
