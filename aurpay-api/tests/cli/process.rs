//! Running the built `aurpay` binary from a test: with a clean environment
//! (only what the test gives, and a journal of its own), bounded in time,
//! and a running one's output read line by line as it comes.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use aurpay_api::sandbox::Sandbox;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

/// The longest a command that should finish may take.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

pub const BIN: &str = env!("CARGO_BIN_EXE_aurpay");

/// A finished command.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// The arguments of `aurpay get-payment-info` (Create Direct Order) for
/// `price` USD in `currency` on `chain`; a test adds more.
pub fn payment_info<'a>(chain: &'a str, currency: &'a str, price: &'a str) -> Vec<&'a str> {
    vec![
        "get-payment-info",
        "--chain",
        chain,
        "--currency",
        currency,
        "--vs-currency",
        "USD",
        "--vs-price",
        price,
    ]
}

/// A directory of the test's own, empty.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aurpay-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The environment a command runs with.
#[derive(Clone, Debug, Default)]
pub struct Env(pub Vec<(String, String)>);

impl Env {
    pub fn with(mut self, name: &str, value: &str) -> Env {
        self.0.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The sandbox's URL and its API key, and a journal under `dir`.
    pub fn api_key(sandbox: &Sandbox, dir: &std::path::Path) -> Env {
        Env::default()
            .with("AURPAY_BASE_URL", &sandbox.base_url())
            .with("AURPAY_API_KEY", &sandbox.config().api_key)
            .with(
                "AURPAY_JOURNAL",
                dir.join("journal.jsonl").to_str().unwrap(),
            )
    }

    /// The sandbox's URL and its signature credentials (`algorithm`, or
    /// the default), and a journal under `dir`.
    pub fn signature(sandbox: &Sandbox, dir: &std::path::Path, algorithm: Option<&str>) -> Env {
        let env = Env::default()
            .with("AURPAY_BASE_URL", &sandbox.base_url())
            .with("AURPAY_API_TOKEN", &sandbox.config().api_token)
            .with("AURPAY_API_SECRET", &sandbox.config().api_secret)
            .with(
                "AURPAY_JOURNAL",
                dir.join("journal.jsonl").to_str().unwrap(),
            );
        match algorithm {
            Some(algorithm) => env.with("AURPAY_SIGNATURE_ALGORITHM", algorithm),
            None => env,
        }
    }

    /// The sandbox's callback credentials too.
    pub fn callbacks(self, sandbox: &Sandbox) -> Env {
        self.with("AURPAY_CALLBACK_TOKEN", &sandbox.config().callback_token)
            .with("AURPAY_CALLBACK_SECRET", &sandbox.config().callback_secret)
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(BIN);
        command.args(args).env_clear().kill_on_drop(true);
        for (name, value) in &self.0 {
            command.env(name, value);
        }
        command
    }

    /// Runs `aurpay args..` to the end (at most [`COMMAND_TIMEOUT`]).
    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None).await
    }

    pub async fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut command = self.command(args);
        command
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("the aurpay binary starts");
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            use tokio::io::AsyncWriteExt;
            pipe.write_all(text.as_bytes()).await.expect("stdin");
        }
        let output = tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("aurpay {args:?} did not finish in {COMMAND_TIMEOUT:?}"))
            .expect("output");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Starts `aurpay args..` and hands its stdout and stderr lines over as
    /// they come.
    pub fn spawn(&self, args: &[&str]) -> Running {
        let mut command = self.command(args);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("the aurpay binary starts");
        let (sender, lines) = mpsc::unbounded_channel();
        for (stream, prefix) in [
            (
                child
                    .stdout
                    .take()
                    .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
                "",
            ),
            (
                child
                    .stderr
                    .take()
                    .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
                "stderr: ",
            ),
        ] {
            let sender = sender.clone();
            let Some(stream) = stream else { continue };
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream).lines();
                while let Ok(Some(line)) = reader.next_line().await {
                    if sender.send(format!("{prefix}{line}")).is_err() {
                        return;
                    }
                }
            });
        }
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }
}

/// A command still running.
pub struct Running {
    pub child: tokio::process::Child,
    lines: mpsc::UnboundedReceiver<String>,
    /// Every line so far.
    pub seen: Vec<String>,
}

impl Running {
    /// Waits (at most `timeout`) until `count` lines so far match `matches`;
    /// those lines.
    pub async fn wait_for_lines(
        &mut self,
        count: usize,
        timeout: Duration,
        matches: impl Fn(&str) -> bool,
    ) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let found: Vec<String> = self.seen.iter().filter(|l| matches(l)).cloned().collect();
            if found.len() >= count {
                return found;
            }
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(line)) => self.seen.push(line),
                Ok(None) | Err(_) => panic!(
                    "{} of {count} expected lines in {timeout:?}; output so far:\n{}",
                    found.len(),
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Stops it (SIGKILL) and collects what it printed meanwhile.
    pub async fn kill(mut self) -> Vec<String> {
        let _ = self.child.kill().await;
        while let Ok(Some(line)) =
            tokio::time::timeout(Duration::from_secs(5), self.lines.recv()).await
        {
            self.seen.push(line);
        }
        self.seen
    }

    /// Waits for it to exit by itself (at most `timeout`); its exit code and
    /// every line.
    pub async fn finish(mut self, timeout: Duration) -> (i32, Vec<String>) {
        let status = tokio::time::timeout(timeout, self.child.wait())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "did not exit in {timeout:?}; output:\n{}",
                    self.seen.join("\n")
                )
            })
            .expect("exit status");
        while let Ok(Some(line)) =
            tokio::time::timeout(Duration::from_secs(5), self.lines.recv()).await
        {
            self.seen.push(line);
        }
        (status.code().unwrap_or(-1), self.seen)
    }
}

/// The `Example:` of a subcommand's `--help`, as words (the example is
/// written for a POSIX shell: single quotes and `\` line continuations).
pub fn example_words(help: &str) -> Vec<String> {
    let start = help.find("Example:\n").expect("an example in --help") + "Example:\n".len();
    let block: String = help[start..]
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(|line| line.trim().trim_end_matches('\\').trim().to_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in block.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            c => word.push(c),
        }
    }
    if any || !word.is_empty() {
        words.push(word);
    }
    words
}
