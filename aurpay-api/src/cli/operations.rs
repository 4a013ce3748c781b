//! Every operation as a subcommand: the generic half. `generated_cli.rs`
//! holds, per operation, a [`Command`] (name, help, example, flags) and the
//! arm of `send` that fills the typed builder; this module reads flag
//! values and the JSON body for the generated code, checks the request
//! against the spec's schemas, sends through [`Call`], prints the answer,
//! and journals the callback URLs of the orders it creates (`subcommand.rs`
//! turns a `Command` into its clap subcommand).

use std::fmt::Display;
use std::io::Read as _;
use std::str::FromStr;

use clap::ArgMatches;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::journal::{Journal, KnownOrder};
use super::output::{self, Format};
use super::{Failure, Settings};
use crate::intent::spec::ResultId;
use crate::operation::sealed::Token;
use crate::operation::{Call, Operation, Paginated};

/// Where a flag's value goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    Path,
    Query,
    Body,
}

/// One flag: a parameter or a body property.
#[derive(Debug)]
pub(crate) struct Arg {
    /// The spec's name, also the clap id.
    pub(crate) name: &'static str,
    /// The flag, without `--`.
    pub(crate) flag: &'static str,
    pub(crate) place: Place,
    pub(crate) required: bool,
    pub(crate) help: &'static str,
    pub(crate) value_name: &'static str,
    /// A boolean: `--flag` alone means true.
    pub(crate) boolean: bool,
    /// A password: never echoed.
    pub(crate) secret: bool,
    /// A parameter's schema (JSON, from the spec): checked before sending.
    pub(crate) schema: &'static str,
}

/// The request fields an order's callbacks are configured by.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallbackFields {
    pub(crate) paid: &'static str,
    pub(crate) timeout: &'static str,
    pub(crate) post_when: Option<&'static str>,
}

/// One operation as a subcommand.
#[derive(Debug)]
pub(crate) struct Command {
    pub(crate) operation: &'static Operation,
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) example: &'static str,
    pub(crate) args: &'static [Arg],
    /// The body's schema name, for an operation with a body.
    pub(crate) body: Option<&'static str>,
    /// The body's schema (JSON, from the spec, `$ref`s inlined): the body
    /// is checked against it before sending, as the sandbox checks it.
    pub(crate) body_schema: Option<&'static str>,
    /// For an order-creating operation: where its callbacks are.
    pub(crate) callbacks: Option<CallbackFields>,
    /// The fields a table shows first: the required ones of what the
    /// answer is or lists (identity, status, principal amount).
    pub(crate) key_fields: &'static [&'static str],
}

/// The largest `--body` read.
const MAX_BODY_BYTES: u64 = 1024 * 1024;
/// Items per page with `--paginate`, unless `--page-size`.
pub(crate) const DEFAULT_PAGE_SIZE: u64 = 50;

/// A successful command (its output is printed).
#[derive(Debug)]
pub(crate) struct Answer;

/// One run of an operation's subcommand: its flags, for the generated
/// code to read, and how to send and print.
pub(crate) struct Input<'a> {
    pub(crate) command: &'static Command,
    pub(crate) matches: &'a ArgMatches,
    pub(crate) settings: &'a Settings,
}

impl Input<'_> {
    fn arg(&self, name: &str) -> Option<&'static Arg> {
        self.command.args.iter().find(|a| a.name == name)
    }

    /// The value of flag `name`, parsed as the builder takes it; a
    /// parameter's value is checked against its schema too.
    pub(crate) fn value<T>(&self, name: &str) -> Result<Option<T>, Failure>
    where
        T: FromStr + Serialize,
        T::Err: Display,
    {
        let Some(text) = self.matches.get_one::<String>(name) else {
            return Ok(None);
        };
        let arg = self.arg(name);
        if arg.is_some_and(|a| a.secret) {
            crate::redact::register(text);
        }
        let flag = arg.map_or(name, |a| a.flag);
        let value: T = text
            .parse()
            .map_err(|e| Failure::usage(format!("--{flag}: {e}")))?;
        if let Some(schema) = arg.map(|a| a.schema).filter(|s| !s.is_empty()) {
            check(schema, &value, &format!("--{flag}"))?;
        }
        Ok(Some(value))
    }

    /// Checks the body the flags and `--body` made against the spec's
    /// schema (types, required fields, bounds): nothing Aurpay would refuse
    /// for its shape is sent.
    pub(crate) fn check_body<B: Serialize>(&self, body: &B) -> Result<(), Failure> {
        match self.command.body_schema {
            Some(schema) => check(schema, body, "body"),
            None => Ok(()),
        }
    }

    /// The `--body` JSON as the body type: a JSON object with only the
    /// body's properties, each once; `None` without `--body`.
    pub(crate) fn body<T: DeserializeOwned>(&self) -> Result<Option<T>, Failure> {
        let Some(source) = self.matches.get_one::<String>("body") else {
            return Ok(None);
        };
        let schema = self.command.body.unwrap_or("body");
        let text = read_body(source)?;
        let fields = output::object_fields(&text)
            .ok_or_else(|| Failure::usage(format!("--body: not a JSON object ({schema})")))?;
        let mut seen = std::collections::HashSet::new();
        for (name, value) in &fields {
            let known = self
                .command
                .args
                .iter()
                .find(|a| a.place == Place::Body && a.name == name);
            let Some(known) = known else {
                let names: Vec<&str> = self
                    .command
                    .args
                    .iter()
                    .filter(|a| a.place == Place::Body)
                    .map(|a| a.name)
                    .collect();
                return Err(Failure::usage(format!(
                    "--body: {schema} has no field `{name}` (it has: {})",
                    names.join(", ")
                )));
            };
            if !seen.insert(name.as_str()) {
                return Err(Failure::usage(format!("--body: `{name}` appears twice")));
            }
            if known.secret
                && let Ok(secret) = serde_json::from_str::<String>(value.get())
            {
                crate::redact::register(&secret);
            }
        }
        serde_json::from_str(&text).map(Some).map_err(|e| {
            Failure::usage(format!(
                "--body: not a valid {schema} (line {}, column {}): {}",
                e.line(),
                e.column(),
                crate::redact::text(&e.to_string())
            ))
        })
    }

    /// The client to send with: credentials from the environment (none
    /// needed for an operation that is not authenticated).
    pub(crate) fn client(&self) -> Result<crate::Client, Failure> {
        self.settings.client(self.command.operation.authenticated)
    }

    fn format(&self) -> Format {
        match self.settings.format {
            Format::Table(_) => Format::Table(self.command.key_fields),
            json => json,
        }
    }

    /// Sends the request once through the SDK's policy (reads retried,
    /// money calls never), prints `data`, and journals the callback URLs
    /// of an order it created.
    pub(crate) async fn send<C>(&self, request: C) -> Result<Answer, Failure>
    where
        C: Call,
        C::Data: Serialize,
    {
        let sent = match self.command.callbacks {
            Some(_) => request.request(Token(())).ok(),
            None => None,
        };
        let data = Call::send_call(request, Token(())).await?;
        let text = serde_json::to_string_pretty(&data)
            .map_err(|e| Failure::failed(format!("cannot print the answer: {e}")))?;
        output::print_data(&text, self.format())?;
        if let (Some(fields), Some(sent)) = (self.command.callbacks, sent)
            && let Err(e) = self.record_order(fields, sent.body.as_deref(), &text)
        {
            // The order exists: its id is printed; only `listen` loses it.
            eprintln!("warning: {e}");
        }
        Ok(Answer)
    }

    /// A paged list: one page, or with `--paginate` every item of every
    /// page, printed as they arrive.
    pub(crate) async fn send_paged<P>(&self, request: P) -> Result<Answer, Failure>
    where
        P: Paginated,
        P::Data: Serialize,
        P::Item: Serialize,
    {
        if !self.matches.get_flag("paginate") {
            return self.send(request).await;
        }
        let size = self
            .matches
            .get_one::<u64>("page_size")
            .copied()
            .unwrap_or(DEFAULT_PAGE_SIZE);
        output::print_items(crate::call::items(request, size), self.format()).await?;
        Ok(Answer)
    }

    /// Journals the created order's callback URLs (Aurpay's API does not
    /// report them; `aurpay listen` needs them).
    fn record_order(
        &self,
        fields: CallbackFields,
        body: Option<&str>,
        data: &str,
    ) -> Result<(), Failure> {
        let body: serde_json::Value = body
            .and_then(|b| serde_json::from_str(b).ok())
            .unwrap_or_default();
        let url = |field: &str| body.get(field).and_then(|v| v.as_str()).map(str::to_owned);
        let (paid_url, timeout_url) = (url(fields.paid), url(fields.timeout));
        if paid_url.is_none() && timeout_url.is_none() {
            return Ok(());
        }
        let post = fields
            .post_when
            .and_then(|field| body.get(field)?.as_bool())
            .unwrap_or(false);
        let data: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
        let named = |field: &str| data.get(field)?.as_str().map(str::to_owned);
        let order_id = match self.command.operation.intent.and_then(|i| i.result) {
            Some(ResultId::OrderId(field)) => named(field),
            Some(ResultId::PayUrl(field)) => {
                named(field).and_then(|url| crate::checkout::order_id_from_pay_url(&url).map(str::to_owned))
            }
            _ => None,
        }
        .ok_or_else(|| {
            Failure::failed(
                "the answer names no order id: `aurpay callback register` the order for `aurpay listen`",
            )
        })?;
        let mut journal = Journal::open(&self.settings.journal, &self.settings.api())?;
        journal.record_order(
            self.settings.clock.now(),
            KnownOrder {
                order_id,
                paid_url,
                timeout_url,
                post,
            },
        )
    }
}

/// `value`, as it will be sent, against `schema`.
fn check<T: Serialize>(schema: &str, value: &T, place: &str) -> Result<(), Failure> {
    let schema: serde_json::Value = serde_json::from_str(schema)
        .map_err(|e| Failure::failed(format!("the spec's schema for {place}: {e}")))?;
    // Through `Value` only to be checked: what is sent is serialized from
    // the typed value, digits intact.
    let value =
        serde_json::to_value(value).map_err(|e| Failure::failed(format!("{place}: {e}")))?;
    crate::sandbox::schema::validate(&schema, &value, place).map_err(|reason| {
        Failure::usage(format!(
            "{} (nothing was sent)",
            crate::redact::text(&reason)
        ))
    })
}

/// `--body` text: `-` is stdin, `@PATH` a file, anything else the JSON
/// itself; at most [`MAX_BODY_BYTES`].
fn read_body(source: &str) -> Result<String, Failure> {
    let too_large = || Failure::usage(format!("--body: more than {MAX_BODY_BYTES} bytes"));
    let mut text = String::new();
    let read = match source {
        "-" => std::io::stdin()
            .take(MAX_BODY_BYTES + 1)
            .read_to_string(&mut text),
        path if path.starts_with('@') => std::fs::File::open(&path[1..])
            .and_then(|f| f.take(MAX_BODY_BYTES + 1).read_to_string(&mut text)),
        inline => {
            text = inline.to_owned();
            Ok(text.len())
        }
    };
    read.map_err(|e| Failure::usage(format!("--body {source}: {e}")))?;
    if text.len() as u64 > MAX_BODY_BYTES {
        return Err(too_large());
    }
    Ok(text)
}
