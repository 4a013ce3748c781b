//! What every subcommand shares: the global flags (`--base-url`,
//! `--output`, `--journal`) and the environment (credentials as
//! [`Client::from_env`] reads them, the merchant's callback credentials).
//! Secrets come from the environment only: a flag would leave them in the
//! shell's history and in `ps`.

use std::path::PathBuf;
use std::sync::Arc;

use clap::ArgMatches;

use super::Failure;
use super::output::Format;
use crate::callback::{CallbackSigner, CallbackVerifier};
use crate::clock::{Clock, SystemClock};
use crate::{Client, Credentials};

/// The flags every subcommand takes.
pub(crate) fn global_args() -> Vec<clap::Arg> {
    vec![
        clap::Arg::new("base_url")
            .long("base-url")
            .global(true)
            .help_heading("Global options")
            .value_name("URL")
            .help(
                "The API's base URL [env: AURPAY_BASE_URL; default: https://dashboard.aurpay.net]",
            ),
        clap::Arg::new("output")
            .long("output")
            .short('o')
            .global(true)
            .help_heading("Global options")
            .value_name("FORMAT")
            .value_parser(["json", "table"])
            .help("How answers are printed: json (exact amounts; the default) or table"),
        clap::Arg::new("journal")
            .long("journal")
            .global(true)
            .help_heading("Global options")
            .value_name("PATH")
            .help(
                "The journal of created orders' callback URLs and of delivered callbacks \
                 [env: AURPAY_JOURNAL; default: $XDG_STATE_HOME/aurpay/journal.jsonl]",
            ),
    ]
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The global settings of one run.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) format: Format,
    pub(crate) journal: PathBuf,
    base_url: Option<String>,
    /// The clock of everything time-dependent the command does.
    pub(crate) clock: Arc<dyn Clock>,
}

impl Settings {
    pub(crate) fn from_matches(matches: &ArgMatches) -> Result<Settings, Failure> {
        // Global flags are read from the deepest subcommand that has them.
        let mut deepest = matches;
        while let Some((_, sub)) = deepest.subcommand() {
            deepest = sub;
        }
        let flag = |id: &str| {
            deepest
                .try_get_one::<String>(id)
                .ok()
                .flatten()
                .or_else(|| matches.get_one::<String>(id))
                .cloned()
        };
        let format = match flag("output").as_deref() {
            Some("table") => Format::Table(&[]),
            _ => Format::Json,
        };
        Ok(Settings {
            format,
            journal: flag("journal")
                .map(PathBuf::from)
                .unwrap_or_else(|| super::journal::default_path(env)),
            base_url: flag("base_url").or_else(|| env("AURPAY_BASE_URL")),
            clock: Arc::new(SystemClock),
        })
    }

    /// The API base URL, as the client normalises it: the journal's key.
    pub(crate) fn api(&self) -> String {
        self.base_url
            .as_deref()
            .unwrap_or(crate::DEFAULT_BASE_URL)
            .trim()
            .trim_end_matches('/')
            .to_owned()
    }

    /// A client for the configured API: credentials as
    /// [`Credentials::from_env`] reads them; none when none are set and
    /// `authenticated` is false.
    pub(crate) fn client(&self, authenticated: bool) -> Result<Client, Failure> {
        let none_set = ["AURPAY_API_KEY", "AURPAY_API_TOKEN", "AURPAY_API_SECRET"]
            .iter()
            .all(|name| env(name).is_none());
        let mut builder = Client::builder()
            .base_url(self.api())
            .user_agent(concat!("aurpay-cli/", env!("CARGO_PKG_VERSION")))
            .clock(Arc::clone(&self.clock));
        if authenticated || !none_set {
            builder = builder.credentials(Credentials::from_env()?);
        }
        Ok(builder.build()?)
    }

    /// A client for a sandbox's controls: the credentials of the
    /// environment, else the sandbox's default API key (the controls check
    /// none, but every request the SDK sends carries some).
    pub(crate) fn sandbox_client(&self) -> Result<Client, Failure> {
        let credentials = match Credentials::from_env() {
            Ok(credentials) => credentials,
            Err(_) => Credentials::api_key(crate::sandbox::SandboxConfig::default().api_key)?,
        };
        Ok(Client::builder()
            .base_url(self.api())
            .user_agent(concat!("aurpay-cli/", env!("CARGO_PKG_VERSION")))
            .clock(Arc::clone(&self.clock))
            .credentials(credentials)
            .build()?)
    }

    fn callback_credentials(&self) -> Result<(String, String), Failure> {
        match (env("AURPAY_CALLBACK_TOKEN"), env("AURPAY_CALLBACK_SECRET")) {
            (Some(token), Some(secret)) => Ok((token, secret)),
            _ => Err(Failure::usage(
                "set AURPAY_CALLBACK_TOKEN and AURPAY_CALLBACK_SECRET (dashboard > Integration > Callback)",
            )),
        }
    }

    /// Signs callbacks as Aurpay does, with the merchant's callback
    /// credentials.
    pub(crate) fn callback_signer(&self) -> Result<CallbackSigner, Failure> {
        let (token, secret) = self.callback_credentials()?;
        Ok(CallbackSigner::new(token, secret))
    }

    /// Verifies callbacks with the merchant's callback credentials.
    pub(crate) fn callback_verifier(&self) -> Result<CallbackVerifier, Failure> {
        let (token, secret) = self.callback_credentials()?;
        Ok(CallbackVerifier::new(token, secret)?.clock(Arc::clone(&self.clock)))
    }
}
