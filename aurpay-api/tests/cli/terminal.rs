//! The `aurpay` command as a person sees it, in a real terminal: tmux runs
//! a shell, the test types commands with `send-keys` and reads the screen
//! with `capture-pane`, waiting for each expected text (bounded) instead
//! of sleeping: the help, a table, JSON with exact amounts, and an error
//! with its outcome and exit code.

use std::process::Command;
use std::time::{Duration, Instant};

use aurpay_api::sandbox::Sandbox;

const BIN: &str = env!("CARGO_BIN_EXE_aurpay");

/// A tmux server of the test's own (its own socket), killed when dropped.
struct Terminal {
    socket: String,
}

impl Terminal {
    fn tmux(&self, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs (apt-get install tmux)");
        assert!(
            output.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn start(env: &[(&str, String)]) -> Terminal {
        let terminal = Terminal {
            socket: format!("aurpay-test-{}", std::process::id()),
        };
        let dir = std::path::Path::new(BIN)
            .parent()
            .unwrap()
            .display()
            .to_string();
        let mut shell = format!("env -i PATH={dir}:/usr/bin:/bin TERM=xterm-256color PS1='$ '");
        for (name, value) in env {
            shell.push_str(&format!(" {name}={value}"));
        }
        shell.push_str(" bash --norc --noprofile");
        terminal.tmux(&[
            "new-session",
            "-d",
            "-s",
            "aurpay",
            "-x",
            "110",
            "-y",
            "60",
            &shell,
        ]);
        terminal
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-t", "aurpay", "-S", "-200"])
    }

    /// Types `line` and Enter.
    fn type_line(&self, line: &str) {
        self.tmux(&["send-keys", "-t", "aurpay", "-l", line]);
        self.tmux(&["send-keys", "-t", "aurpay", "Enter"]);
    }

    /// Waits until the screen shows `text` (at most 20 s, looking every
    /// 50 ms); the screen.
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {text:?}:\n{screen}"
            );
            // real time: tmux tells nothing when the screen changes, so
            // looking again is the only way (bounded by the deadline above).
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn clear(&self) {
        self.type_line("clear");
        self.tmux(&["clear-history", "-t", "aurpay"]);
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs tmux: apt-get install tmux"]
async fn what_a_person_sees_in_a_terminal() {
    let sandbox = Sandbox::builder().examples().start().await.unwrap();
    sandbox
        .report_amount(
            "20240806071926377966",
            "0.000000000000000000000000001".parse().unwrap(),
        )
        .unwrap();
    let journal =
        std::env::temp_dir().join(format!("aurpay-terminal-{}.jsonl", std::process::id()));
    let env = [
        ("AURPAY_BASE_URL", sandbox.base_url()),
        ("AURPAY_API_KEY", sandbox.config().api_key.clone()),
        ("AURPAY_JOURNAL", journal.display().to_string()),
    ];
    let terminal = tokio::task::spawn_blocking(move || {
        let terminal = Terminal::start(&env);
        terminal.wait_for("$ ");

        terminal.type_line("aurpay --help");
        let help = terminal.wait_for("Start here:");
        assert!(
            help.contains("get-payment-info") && help.contains("[moves money: never retried]"),
            "{help}"
        );
        assert!(
            help.contains("listen") && help.contains("sandbox"),
            "{help}"
        );

        terminal.clear();
        terminal.type_line("aurpay get-orders --output table");
        let table = terminal.wait_for("max_page=1");
        let header = table
            .lines()
            .find(|l| l.starts_with("order_id"))
            .unwrap_or_else(|| panic!("a header row:\n{table}"));
        assert!(
            header.contains("status") && header.contains("amount"),
            "{header}"
        );
        assert!(
            table
                .lines()
                .any(|l| l.starts_with("20240806071926377966") && l.contains("SUCCESS")),
            "{table}"
        );

        terminal.clear();
        terminal.type_line("aurpay get-orders-details --order-id 20240806071926377966");
        let json = terminal.wait_for("\"status\": \"SUCCESS\"");
        assert!(
            json.contains("\"amount\": 0.000000000000000000000000001"),
            "exact digits:\n{json}"
        );

        terminal.clear();
        terminal.type_line(
            "aurpay get-orders-details --order-id 00000000000000000000; echo \"exit=$?\"",
        );
        let error = terminal.wait_for("exit=4");
        assert!(
            error.contains("error: get_orders_details: Aurpay error code 404"),
            "{error}"
        );
        assert!(
            error.contains("refused: Aurpay refused the request; nothing happened"),
            "{error}"
        );

        terminal.clear();
        terminal.type_line("aurpay get-payment-info --chain ETH; echo \"exit=$?\"");
        let usage = terminal.wait_for("exit=2");
        assert!(
            usage.contains("--currency <CRYPTO>"),
            "names what is missing:\n{usage}"
        );
        terminal
    })
    .await
    .unwrap();
    drop(terminal);
    let _ = std::fs::remove_file(journal);
}
