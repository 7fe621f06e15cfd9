//! LogQL parse errors, in every host of a query (Loki rule files,
//! contracts, dashboards).

use crate::artifact::query::{Lang, Parsed};
use crate::artifact::Artifact;
use crate::rules::{Ctx, Rule};

crate::rule_meta!(
    "OL102",
    "logql-syntax",
    Syntax,
    Error,
    "LogQL that does not parse"
);

pub struct LogqlSyntax;

impl Rule for LogqlSyntax {
    fn meta(&self) -> &'static crate::rules::RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Ctx<'_>, artifact: &Artifact) {
        if let Artifact::Dashboard(d) = artifact {
            super::malformed_variables(cx, d, Lang::LogQL, &META);
        }
        for q in artifact.queries() {
            let Parsed::Loki(Err(e)) = q.parsed else {
                continue;
            };
            let span = q.span(&cx.file.text, e.span.clone());
            if !q.owner.in_dashboard() {
                report(cx, span, &e.message);
                continue;
            }
            if q.dashboard_query().is_some_and(|d| d.other_lang.is_some()) {
                continue; // datasource-language says it better
            }
            cx.report(
                &META,
                span,
                format!(
                    "invalid LogQL in {}: {}",
                    q.describe(),
                    strip_position(&e.message)
                ),
            )
            .label(super::error_label(&q, &e.span))
            .help("see the LogQL reference; `o11ylint explain logql-syntax`");
        }
    }
}

fn report(cx: &mut Ctx<'_>, span: crate::source::Span, message: &str) {
    cx.report(
        &META,
        span,
        format!("invalid LogQL: {}", strip_position(message)),
    )
    .label("here")
    .help("see the LogQL reference; `o11ylint explain logql-syntax`");
}

/// The parser's messages may end in a query-relative ` at L:C`; the
/// diagnostic's own position is file-relative, so drop it.
pub fn strip_position(message: &str) -> &str {
    match message.rfind(" at ") {
        Some(i)
            if message[i + 4..]
                .split(':')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())) =>
        {
            &message[..i]
        }
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_stripped() {
        assert_eq!(strip_position("unexpected `)` at 1:5"), "unexpected `)`");
        assert_eq!(strip_position("look at this"), "look at this");
    }
}
