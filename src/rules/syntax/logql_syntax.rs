//! LogQL parse errors, in every host of a query (Loki rule files,
//! contracts, dashboards).

use crate::artifact::dashboard::Dashboard;
use crate::artifact::query::{Lang, Parsed, QueryRef};
use crate::rules::{Ctx, Rule};

crate::declare_rule! {
    pub struct LogqlSyntax {
        code: "OL102",
        name: "logql-syntax",
        family: Syntax,
        severity: Error,
        fix: None,
        summary: "LogQL that does not parse",
    }
}

impl Rule for LogqlSyntax {
    fn check_dashboard(&self, cx: &mut Ctx<'_>, d: &Dashboard) {
        super::malformed_variables(cx, d, Lang::LogQL, &META);
    }

    fn check_query(&self, cx: &mut Ctx<'_>, q: &QueryRef<'_>) {
        let Parsed::Loki(Err(e)) = q.parsed else {
            return;
        };
        let span = q.span(&cx.file.text, e.span.clone());
        if !q.owner.in_dashboard() {
            report(cx, span, &e.message);
            return;
        }
        if q.dashboard_query().is_some_and(|d| d.other_lang.is_some()) {
            return; // datasource-language says it better
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
        .label(super::error_label(q, &e.span))
        .help("see the LogQL reference; `o11ylint explain logql-syntax`");
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
