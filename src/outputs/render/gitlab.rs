//! `--format gitlab`: GitLab Code Quality report (a JSON array of issues with
//! `description`, `check_name`, `fingerprint`, `severity` and
//! `location.path` / `location.lines.begin`), shown in merge requests when a
//! job publishes it as `artifacts:reports:codequality`. Suppressed findings
//! are left out.
//!
//! The fingerprint is a stable 128-bit FNV-1a hash (hex) of the rule code,
//! path, message and line, so the same finding keeps its identity between
//! pipelines; identical findings on one line get an occurrence number mixed
//! in so that no two issues of a report share a fingerprint.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::diag::{Diagnostic, Severity};

/// GitLab's scale is info, minor, major, critical, blocker.
pub fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

fn fnv1a64(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = seed;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Stable fingerprint of (code, path, message, line, occurrence).
pub fn fingerprint(
    code: &str,
    path: &str,
    message: &str,
    line: usize,
    occurrence: usize,
) -> String {
    let mut key = Vec::new();
    for part in [code, path, message] {
        key.extend_from_slice(part.as_bytes());
        key.push(0);
    }
    key.extend_from_slice(line.to_string().as_bytes());
    if occurrence > 0 {
        key.push(0);
        key.extend_from_slice(occurrence.to_string().as_bytes());
    }
    let a = fnv1a64(0xcbf2_9ce4_8422_2325, &key);
    let b = fnv1a64(0x8422_2325_cbf2_9ce4, &key);
    format!("{a:016x}{b:016x}")
}

pub fn to_value(diags: &[Diagnostic]) -> Value {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let issues: Vec<Value> = diags
        .iter()
        .filter(|d| d.suppressed.is_none())
        .map(|d| {
            let line = d.primary.start().line;
            let base = fingerprint(d.code, d.file(), &d.message, line, 0);
            let n = seen.entry(base.clone()).or_insert(0);
            let fp = if *n == 0 {
                base
            } else {
                fingerprint(d.code, d.file(), &d.message, line, *n)
            };
            *n += 1;
            let mut description = format!("[{} {}] {}", d.code, d.name, d.message);
            if let Some(h) = &d.help {
                description.push_str(" (help: ");
                description.push_str(h);
                description.push(')');
            }
            json!({
                "description": description,
                "check_name": format!("{} {}", d.code, d.name),
                "fingerprint": fp,
                "severity": severity(d.severity),
                "location": {"path": d.file(), "lines": {"begin": line}},
            })
        })
        .collect();
    Value::Array(issues)
}

pub fn render(diags: &[Diagnostic]) -> String {
    let mut s = serde_json::to_string_pretty(&to_value(diags)).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        let a = fingerprint("OL200", "a.yaml", "m", 3, 0);
        assert_eq!(a, fingerprint("OL200", "a.yaml", "m", 3, 0));
        assert_eq!(a.len(), 32);
        assert_ne!(a, fingerprint("OL200", "a.yaml", "m", 4, 0));
        assert_ne!(a, fingerprint("OL200", "a.yaml", "m", 3, 1));
        assert_ne!(a, fingerprint("OL201", "a.yaml", "m", 3, 0));
    }
}
