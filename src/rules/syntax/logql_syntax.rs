//! LogQL parse errors in Loki rule expressions.

use crate::artifact::rule_file::Parsed;
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
        match artifact {
            Artifact::Rules(rf) => {
                for (_, rule) in rf.rules() {
                    let Some(expr) = &rule.expr else { continue };
                    if let Parsed::Loki(Err(e)) = &expr.parsed {
                        let span = expr.scalar.sub_span(&cx.file.text, e.span.clone());
                        report(cx, span, &e.message);
                    }
                }
            }
            Artifact::Contract(c) => {
                for expr in &c.exprs {
                    if let Parsed::Loki(Err(e)) = &expr.parsed {
                        let span = expr.span(&cx.file.text, e.span.clone());
                        report(cx, span, &e.message);
                    }
                }
            }
            Artifact::Dashboard(d) => crate::rules::dashboards::queries::logql_syntax(cx, d, &META),
            _ => {}
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
