//! The `aurpay` command: `cargo install aurpay-api --features cli`. All of
//! it is the library's `cli` module; see `aurpay --help`.

fn main() -> std::process::ExitCode {
    aurpay_api::cli::main()
}
