//! The flags `listen`, `callback replay` and `callback send` share: how a
//! callback is delivered and retried, and durations as people write them.

use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches};

use super::Failure;
use super::deliver::Policy;

/// `90s`, `10m`, `2h`, `500ms`, `1d`; a bare number is seconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, Failure> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| Failure::usage(format!("{text:?} is not a duration (e.g. 30s, 10m, 2h)")))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86_400.0,
        _ => {
            return Err(Failure::usage(format!(
                "{text:?}: the unit is ms, s, m, h or d"
            )));
        }
    };
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| Failure::usage(format!("{text:?} is not a duration")))
}

pub(crate) fn duration_arg(
    id: &'static str,
    flag: &'static str,
    default: &'static str,
    help: &'static str,
) -> Arg {
    Arg::new(id)
        .long(flag)
        .value_name("DURATION")
        .default_value(default)
        .help(help)
}

/// The delivery flags `listen`, `callback replay` and `callback send` share.
pub(crate) fn policy_args() -> Vec<Arg> {
    vec![
        Arg::new("attempts")
            .long("attempts")
            .value_name("N")
            .default_value("5")
            .value_parser(clap::value_parser!(u32).range(1..=20))
            .help("Attempts per callback; anything but 200 is retried"),
        duration_arg("backoff", "backoff", "1s", "The first wait between attempts; doubles, at most 60s"),
        duration_arg("timeout", "timeout", "10s", "How long one attempt may take"),
        Arg::new("sign_original")
            .long("sign-original")
            .action(ArgAction::SetTrue)
            .help("Sign the order's own callback URL, not the URL called (for a receiver that rebuilds URLs from its public base URL)"),
    ]
}

pub(crate) fn policy(matches: &ArgMatches) -> Result<Policy, Failure> {
    let duration =
        |id: &str| parse_duration(matches.get_one::<String>(id).map_or("", String::as_str));
    Ok(Policy {
        attempts: matches.get_one::<u32>("attempts").copied().unwrap_or(5),
        backoff: duration("backoff")?,
        max_backoff: Duration::from_secs(60),
        timeout: duration("timeout")?,
        sign_original: matches.get_flag("sign_original"),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::parse_duration;

    #[test]
    fn durations_have_units() {
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("1.5h").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5y").is_err());
    }
}
