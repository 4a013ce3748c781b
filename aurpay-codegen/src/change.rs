//! What a regeneration changes in the public surface, and whether users
//! must change their code: the report `cargo xtask regen` prints, so that a
//! maintainer sees what a docs update breaks before it ships.

use std::collections::BTreeMap;
use std::fmt;

/// The difference between two surfaces (see [`crate::surface`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SurfaceChange {
    /// Items only in the new surface.
    pub added: Vec<String>,
    /// Items only in the old surface.
    pub removed: Vec<String>,
    /// Items in both whose signature changed: (old line, new line).
    pub changed: Vec<(String, String)>,
    /// Operations whose retry safety flipped (a GET that became a POST, a
    /// call that now moves money, ...), one sentence each.
    pub retry_flips: Vec<String>,
    /// Why the change breaks users, one reason per breaking item.
    pub breaking: Vec<String>,
}

/// The part of a surface line that names the item, so that a changed
/// signature pairs with its old version: `fn X::y`, `struct T { field`,
/// `op id`; other lines are their own key.
fn key(line: &str) -> String {
    if let Some(rest) = line.strip_prefix("fn ") {
        return format!("fn {}", rest.split('(').next().unwrap_or(rest));
    }
    if line.starts_with("struct ")
        && let Some((head, _)) = line.split_once(": ")
        && head.contains(" { ")
    {
        return head.to_owned();
    }
    if let Some(rest) = line.strip_prefix("op ") {
        return format!("op {}", rest.split(':').next().unwrap_or(rest));
    }
    line.to_owned()
}

/// `key=value` fields of an `op` line, and its method.
fn op_facts(line: &str) -> (String, BTreeMap<String, String>) {
    let after = line.split_once(": ").map_or("", |(_, rest)| rest);
    let method = after.split(' ').next().unwrap_or_default().to_owned();
    let facts = after
        .split(' ')
        .filter_map(|part| part.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    (method, facts)
}

/// Whether the SDK may retry the operation after it was sent (the rule of
/// `Operation::is_idempotent`).
fn retried(line: &str) -> bool {
    let (method, facts) = op_facts(line);
    matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS")
        && facts.get("moves_money").map(String::as_str) == Some("false")
}

fn describe_retry(retried: bool) -> &'static str {
    if retried {
        "retried on transient failures"
    } else {
        "sent at most once (never retried after it may have arrived)"
    }
}

/// Compares two surfaces.
pub fn compare(old: &[String], new: &[String]) -> SurfaceChange {
    let index = |lines: &[String]| -> BTreeMap<String, Vec<String>> {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for line in lines {
            map.entry(key(line)).or_default().push(line.clone());
        }
        map
    };
    let (old_index, new_index) = (index(old), index(new));
    let mut change = SurfaceChange::default();
    for (k, old_lines) in &old_index {
        match new_index.get(k) {
            None => {
                for line in old_lines {
                    change.removed.push(line.clone());
                    change.breaking.push(format!("removed: {line}"));
                }
            }
            Some(new_lines) if new_lines != old_lines => {
                let (before, after) = (old_lines.join(" | "), new_lines.join(" | "));
                if k.starts_with("op ") {
                    let (old_method, old_facts) = op_facts(&before);
                    let (new_method, new_facts) = op_facts(&after);
                    let moved = old_method != new_method
                        || before.split(' ').nth(3) != after.split(' ').nth(3);
                    let relevant = ["body", "authenticated", "moves_money", "paginated"];
                    if moved
                        || relevant
                            .iter()
                            .any(|f| old_facts.get(*f) != new_facts.get(*f))
                    {
                        change
                            .breaking
                            .push(format!("changed: {before} -> {after}"));
                    }
                    if retried(&before) != retried(&after) {
                        change.retry_flips.push(format!(
                            "{}: was {}, now {}",
                            k.trim_start_matches("op "),
                            describe_retry(retried(&before)),
                            describe_retry(retried(&after))
                        ));
                    }
                } else {
                    change
                        .breaking
                        .push(format!("changed: {before} -> {after}"));
                }
                change.changed.push((before, after));
            }
            Some(_) => {}
        }
    }
    for (k, new_lines) in &new_index {
        if old_index.contains_key(k) {
            continue;
        }
        for line in new_lines {
            change.added.push(line.clone());
            // A new required field of a request type: existing builders
            // compile but fail until it is set.
            if let Some((head, ty)) = line.split_once(": ")
                && head.starts_with("struct types::")
                && head.contains("Request {")
                && !ty.starts_with("Option<")
            {
                change
                    .breaking
                    .push(format!("new required request field: {line}"));
            }
        }
    }
    change
}

impl SurfaceChange {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// Whether users may have to change their code (a major version while
    /// 1.x, a minor one while 0.x).
    pub fn is_breaking(&self) -> bool {
        !self.breaking.is_empty() || !self.retry_flips.is_empty()
    }
}

impl fmt::Display for SurfaceChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "public surface: unchanged");
        }
        let verdict = if self.is_breaking() {
            "BREAKING"
        } else {
            "additive (not breaking)"
        };
        writeln!(
            f,
            "public surface: {verdict}: {} added, {} removed, {} changed",
            self.added.len(),
            self.removed.len(),
            self.changed.len()
        )?;
        for line in &self.removed {
            writeln!(f, "  - {line}")?;
        }
        for (before, after) in &self.changed {
            writeln!(f, "  ~ {before}\n    -> {after}")?;
        }
        for line in &self.added {
            writeln!(f, "  + {line}")?;
        }
        for flip in &self.retry_flips {
            writeln!(f, "  retry safety flipped: {flip}")?;
        }
        for reason in &self.breaking {
            writeln!(f, "  breaking: {reason}")?;
        }
        Ok(())
    }
}

/// A stable fingerprint of a surface (FNV-1a, 64 bits, hex), recorded in
/// CHANGELOG.md so that a surface change without a CHANGELOG edit fails the
/// tests.
pub fn fingerprint(surface: &[String]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for line in surface {
        for byte in line.bytes().chain(std::iter::once(b'\n')) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn classifies_additions_removals_changes_and_flips() {
        let old = lines(
            "fn Client::a() -> builder::A\nstruct types::X { f: Option<String> }\nop a: GET /a tag=T body=false authenticated=true moves_money=false paginated=false provenance=Confirmed",
        );
        let added = lines(
            "fn Client::a() -> builder::A\nfn Client::b() -> builder::B\nstruct types::X { f: Option<String> }\nstruct types::X { g: Option<i64> }\nop a: GET /a tag=T body=false authenticated=true moves_money=false paginated=false provenance=Inferred",
        );
        let change = compare(&old, &added);
        assert_eq!(change.added.len(), 2, "{change}");
        assert!(!change.is_breaking(), "{change}");

        let removed = lines(
            "fn Client::a() -> builder::A\nop a: POST /a tag=T body=false authenticated=true moves_money=false paginated=false provenance=Confirmed",
        );
        let change = compare(&old, &removed);
        assert!(change.is_breaking());
        assert_eq!(change.removed, ["struct types::X { f: Option<String> }"]);
        assert_eq!(change.retry_flips.len(), 1, "{change}");
        assert!(
            change
                .to_string()
                .contains("retry safety flipped: a: was retried")
        );

        let retyped = lines(
            "fn Client::a() -> builder::A\nstruct types::X { f: String }\nop a: GET /a tag=T body=false authenticated=true moves_money=false paginated=false provenance=Confirmed",
        );
        let change = compare(&old, &retyped);
        assert_eq!(change.changed.len(), 1);
        assert!(change.is_breaking());

        let required = lines(
            "fn Client::a() -> builder::A\nstruct types::X { f: Option<String> }\nstruct types::PayRequest { g: String }\nop a: GET /a tag=T body=false authenticated=true moves_money=false paginated=false provenance=Confirmed",
        );
        assert!(compare(&old, &required).is_breaking());
        assert_ne!(fingerprint(&old), fingerprint(&added));
        assert_eq!(fingerprint(&old), fingerprint(&old.clone()));
    }
}
