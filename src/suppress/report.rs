//! Matching inline suppressions against findings, and the findings about
//! suppressions themselves (`unused-suppression`,
//! `suppression-without-reason`).

use crate::diag::Diagnostic;
use crate::policy::Policy;
use crate::rules::{self, finding, meta};
use crate::source::FileRef;

use super::inline::Suppression;

/// Suppressions of one file awaiting the repository-wide phase.
#[derive(Debug)]
pub struct Pending {
    pub file: FileRef,
    pub rel: String,
    pub list: Vec<Suppression>,
}

/// Mark each finding that a suppression of the same file covers (the first
/// that matches), and the suppression as used.
pub fn apply_suppressions(diags: &mut [Diagnostic], sups: &mut [Suppression]) {
    for d in diags.iter_mut() {
        for s in sups.iter_mut() {
            if s.matches(d) {
                s.used = true;
                d.suppressed = Some(
                    s.reason
                        .clone()
                        .unwrap_or_else(|| "suppressed inline".into()),
                );
                break;
            }
        }
    }
}

/// Report the unused, unknown and reason-less suppressions of one file.
pub fn report_suppressions(
    sups: &[Suppression],
    file: &FileRef,
    rel: &str,
    policy: &Policy,
    diags: &mut Vec<Diagnostic>,
) {
    let unused = &meta::unused_suppression::META;
    let no_reason = &meta::suppression_without_reason::META;
    for s in sups {
        let at = |rule, message: String| finding(policy, rule, rel, file, s.span.clone(), message);
        if s.rules.is_empty() {
            let msg = s.reason.clone().unwrap_or_default();
            if let Some(mut d) = at(unused, format!("o11ylint comment not understood: {msg}")) {
                d.help("write `# o11ylint: disable=RULE[,RULE] -- reason` or `# o11ylint: disable-file=RULE -- reason`");
                diags.push(d);
            }
            continue;
        }
        let unknown: Vec<&String> = s
            .rules
            .iter()
            .filter(|r| r.as_str() != "all" && rules::find(r).is_none())
            .collect();
        if !unknown.is_empty() {
            let names: Vec<&str> = rules::registry().iter().map(|r| r.meta().name).collect();
            if let Some(mut d) = at(
                unused,
                format!("suppression names unknown rule `{}`", unknown[0]),
            ) {
                if let Some(c) = crate::source::suggest::closest(unknown[0], names) {
                    d.help(format!("did you mean `{c}`?"));
                }
                diags.push(d);
            }
        } else if !s.used {
            if let Some(mut d) = at(
                unused,
                format!(
                    "suppression of `{}` matches no diagnostic",
                    s.rules.join(",")
                ),
            ) {
                d.label("unused").help(
                    "remove the comment, or move it to the line before the rule it is meant for",
                );
                diags.push(d);
            }
        }
        if s.reason.is_none() {
            if let Some(mut d) = at(no_reason, "suppression without a reason".into()) {
                d.help("say why after ` -- `, e.g. `# o11ylint: disable=forbidden-label -- migration, see TICKET-42`");
                diags.push(d);
            }
        }
    }
}
