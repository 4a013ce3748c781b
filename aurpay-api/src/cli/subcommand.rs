//! An operation's clap subcommand, from its generated [`Command`]: the
//! spec's summary, description, provenance and retry safety as help, its
//! flags, `--body` and `--paginate`, and its example.

use clap::ArgAction;

use super::operations::{Command, DEFAULT_PAGE_SIZE, Place};

impl Command {
    fn about(&self) -> String {
        if self.operation.moves_money {
            format!("{} [moves money: never retried]", self.operation.summary)
        } else {
            self.operation.summary.to_owned()
        }
    }

    fn long_about(&self) -> String {
        let op = self.operation;
        let mut text = format!("{}.\n\n{}", op.summary, self.description);
        if op.moves_money {
            text.push_str(
                "\n\nMOVES MONEY: sent at most once and never retried. If the outcome is \
                 unknown (exit 5), Aurpay may have acted: look it up before trying again.",
            );
        } else {
            text.push_str("\n\nA read: retried on transient failures.");
        }
        if let Some(basis) = op.provenance.basis {
            text.push_str(&format!("\n\nINFERRED (not documented by Aurpay): {basis}"));
        }
        text.push_str(&format!("\n\nDocs: {}", op.provenance.source));
        text
    }

    /// The clap subcommand: flags from the spec, `--body` for a body,
    /// `--paginate` for a paged list.
    pub(crate) fn subcommand(&'static self) -> clap::Command {
        let mut command = clap::Command::new(self.name)
            .alias(self.operation.id)
            .about(self.about())
            .long_about(self.long_about())
            .after_help(format!("Example:\n{}", shell_lines(self.example)))
            .after_long_help(format!(
                "Example:\n{}\n\n{}",
                shell_lines(self.example),
                super::failure::EXIT_CODES
            ));
        for arg in self.args {
            let mut flag = clap::Arg::new(arg.name)
                .long(arg.flag)
                .value_name(arg.value_name)
                .help(arg.help);
            if arg.flag != arg.name {
                flag = flag.alias(arg.name);
            }
            if arg.boolean {
                flag = flag
                    .num_args(0..=1)
                    .default_missing_value("true")
                    .value_parser(["true", "false"]);
            }
            if arg.required {
                flag = match (arg.place, self.body) {
                    (Place::Body, Some(_)) => flag.required_unless_present("body"),
                    _ => flag.required(true),
                };
            }
            if arg.secret {
                flag = flag.hide_possible_values(true);
            }
            command = command.arg(flag);
        }
        if let Some(schema) = self.body {
            command = command.arg(
                clap::Arg::new("body")
                    .long("body")
                    .value_name("JSON|@FILE|-")
                    .help(format!(
                        "The request body ({schema}) as JSON: inline, @FILE, or - for stdin; \
                         flags override its fields"
                    )),
            );
        }
        if self.operation.paginated {
            command = command
                .arg(
                    clap::Arg::new("paginate")
                        .long("paginate")
                        .action(ArgAction::SetTrue)
                        .help("Every item of every page, from the first, as one list"),
                )
                .arg(
                    clap::Arg::new("page_size")
                        .long("page-size")
                        .value_name("N")
                        .requires("paginate")
                        .value_parser(clap::value_parser!(u64).range(1..=1000))
                        .help(format!(
                            "Items per page with --paginate [default: {DEFAULT_PAGE_SIZE}]"
                        )),
                );
        }
        command
    }
}

/// A command line as it is typed, in lines of at most 76 characters
/// continued with `\`, each flag starting a line where it can.
fn shell_lines(example: &str) -> String {
    let mut lines: Vec<String> = vec!["  ".to_owned()];
    let words: Vec<&str> = example.split(' ').collect();
    let mut index = 0;
    while index < words.len() {
        // A flag and its value stay together.
        let mut item = words[index].to_owned();
        if words[index].starts_with("--")
            && let Some(value) = words.get(index + 1).filter(|w| !w.starts_with("--"))
        {
            item = format!("{item} {value}");
            index += 1;
        }
        index += 1;
        let line = lines.last_mut().expect("one line at least");
        if line.trim().is_empty() {
            line.push_str(&item);
        } else if line.len() + 1 + item.len() <= 76 {
            line.push(' ');
            line.push_str(&item);
        } else {
            line.push_str(" \\");
            lines.push(format!("    {item}"));
        }
    }
    lines.join("\n")
}
