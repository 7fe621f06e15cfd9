//! Generated artifacts are exactly what the contracts produce.

use crate::contracts::generate::{self, Drift, Settings};
use crate::rules::{finding, RepoCtx, Rule};
use crate::source::{SourceFile, Span};

crate::declare_rule! {
    pub struct GeneratedDrift {
        code: "OL814",
        name: "generated-drift",
        family: Contracts,
        severity: Error,
        fix: None,
        summary: "A generated file that differs from what the contracts produce",
    }
}

impl Rule for GeneratedDrift {
    fn check_repo(&self, cx: &mut RepoCtx<'_>) {
        if !cx.whole_repo || !cx.repo.has_generated() {
            return;
        }
        let Ok(settings) = Settings::from_policy(cx.policy, None) else {
            return;
        };
        // Contracts that do not load are reported by contract-schema.
        let Ok(contracts) = cx.repo.contracts() else {
            return;
        };
        let Ok(outputs) = generate::generate(&contracts, &settings) else {
            return;
        };
        for drift in cx.repo.generated_drift(&outputs) {
            let rel = drift.path().to_string();
            if !cx.policy.rule_enabled(META.code, META.name, &rel) {
                continue;
            }
            // the text is only ever what `generate::check` read through the
            // guarded reader: never a link's target, a FIFO or a device
            let text = match &drift {
                Drift::Changed { have, .. } => have.clone(),
                _ => String::new(),
            };
            let (span, message, help) = match &drift {
                Drift::Changed { diff, .. } => {
                    let want = outputs.get(&rel).map(String::as_str).unwrap_or("");
                    let at = first_difference(&text, want);
                    let line_end = text[at..].find('\n').map(|i| at + i).unwrap_or(text.len());
                    (
                        Span::new(at, line_end),
                        format!("`{rel}` differs from what the contracts produce"),
                        format!("run `make generate` (o11ylint generate); do not edit generated files by hand\n{diff}"),
                    )
                }
                Drift::Missing { .. } => (
                    Span::empty(0),
                    format!("`{rel}` is missing: the contracts produce it"),
                    "run `make generate`".to_string(),
                ),
                Drift::NotRegular { why, .. } => (
                    Span::empty(0),
                    format!("`{rel}` {why}"),
                    "replace it by the regular file `make generate` writes".to_string(),
                ),
                Drift::Stale { .. } => (
                    Span::empty(0),
                    format!("`{rel}` is not produced by any contract (stale)"),
                    "delete it, or run `make generate`, which removes it".to_string(),
                ),
            };
            let file = SourceFile::new(rel.clone(), cx.repo.path_of(&rel), text);
            if let Some(mut d) = finding(cx.policy, &META, &rel, &file, span, message) {
                d.label("drift").help(help);
                cx.diags.push(d);
            }
        }
    }
}

/// Byte offset of the start of the first line that differs.
fn first_difference(have: &str, want: &str) -> usize {
    let mut off = 0;
    for (a, b) in have.split_inclusive('\n').zip(want.split_inclusive('\n')) {
        if a != b {
            return off;
        }
        off += a.len();
    }
    off.min(have.len())
}
