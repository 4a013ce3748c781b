//! Repository automation, run as `cargo xtask <command>` (alias in
//! `.cargo/config.toml`).
//!
//! * `cargo xtask regen` writes `aurpay-api/src/generated*.rs` from
//!   `spec/aurpay.yaml`.
//! * `cargo xtask regen --check` writes nothing; it exits non-zero and prints
//!   a diff when the checked-in files are stale.
//!
//! Both print what the regeneration changes in the public surface (added,
//! removed and changed items, retry-safety flips) and whether that breaks
//! users, and the surface fingerprint CHANGELOG.md must record.

use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask regen [--check]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["regen"] => regen(false),
        ["regen", "--check"] => regen(true),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn regen(check: bool) -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root");
    // Work from the root so that paths in messages read `spec/aurpay.yaml`.
    if let Err(e) = std::env::set_current_dir(root) {
        eprintln!("error: cannot enter {}: {e}", root.display());
        return ExitCode::FAILURE;
    }
    let root = Path::new("");
    let generated = match aurpay_codegen::generate(Path::new("spec/aurpay.yaml")) {
        Ok(generated) => generated,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stale = aurpay_codegen::stale_files(&generated, root);
    report_surface_change(&aurpay_codegen::Generated::read_from(root), &generated);
    if check {
        for file in &stale {
            print!("{}", file.diff);
        }
        if !stale.is_empty() {
            eprintln!(
                "error: {} generated file(s) out of date relative to spec/aurpay.yaml; run `cargo xtask regen`",
                stale.len()
            );
            return ExitCode::FAILURE;
        }
        println!("generated code is up to date with spec/aurpay.yaml");
        return ExitCode::SUCCESS;
    }
    for (name, contents) in generated.files() {
        let path = root.join(name);
        if !stale.iter().any(|s| s.path == path) {
            println!("up to date: {}", path.display());
        } else if let Err(e) = std::fs::write(&path, contents) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        } else {
            println!("wrote: {}", path.display());
        }
    }
    ExitCode::SUCCESS
}

/// Prints what the new generation changes in the public surface.
fn report_surface_change(old: &aurpay_codegen::Generated, new: &aurpay_codegen::Generated) {
    let (Ok(old_surface), Ok(new_surface)) =
        (aurpay_codegen::surface(old), aurpay_codegen::surface(new))
    else {
        println!("public surface: cannot be compared (checked-in code does not parse)");
        return;
    };
    let change = aurpay_codegen::compare_surfaces(&old_surface, &new_surface);
    print!("{change}");
    if !change.is_empty() {
        println!(
            "next: describe this in CHANGELOG.md (Unreleased) for users, set its surface fingerprint to {}, and review the snapshot with `cargo insta review`",
            aurpay_codegen::fingerprint(&new_surface)
        );
    }
}
