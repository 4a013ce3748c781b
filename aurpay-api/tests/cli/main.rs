//! The `aurpay` command, the built binary (`CARGO_BIN_EXE_aurpay`, feature
//! `cli`), run as a process (`process`): every operation subcommand against
//! the sandbox (`operations`), `aurpay sandbox` and its controls
//! (`sandbox`), `listen` and `callback replay` (`listen`), `callback
//! verify` and `send` (`verify`), and the command in a real terminal under
//! tmux (`terminal`, `#[ignore]`d: it needs tmux).

#[path = "../support/mod.rs"]
mod support;

mod listen;
mod operations;
mod process;
mod sandbox;
mod terminal;
mod verify;
