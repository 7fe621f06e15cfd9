//! Forbidden labels promoted to Loki stream labels (or series labels) by an
//! Alloy configuration: `stage.labels`, `stage.static_labels`, relabel rules
//! writing a `target_label`, static `labels` of sources, `external_labels`,
//! and the labels of literal targets. `stage.structured_metadata` keeps
//! values out of the stream labels and is allowed.

use crate::rules::Ctx;
use crate::source::Span;
use crate::syntax::alloy::{Block, Config, Expr, Field, Stmt};

use super::forbidden_label::META;

const HELP: &str = "keep the value in the log line (or in `stage.structured_metadata`) and extract it at query time with `| json`";

/// Report every forbidden label the configuration promotes.
pub fn check(cx: &mut Ctx<'_>, cfg: &Config) {
    visit(cx, &cfg.body, None);
}

fn visit(cx: &mut Ctx<'_>, body: &[Stmt], component: Option<&Block>) {
    for s in body {
        let Stmt::Block(b) = s else { continue };
        let comp = if b.label.is_some() {
            Some(b)
        } else {
            component
        };
        check_block(cx, b, comp);
        visit(cx, &b.body, comp);
    }
}

fn report(cx: &mut Ctx<'_>, f_span: &std::ops::Range<usize>, message: String, label: &str) {
    cx.report(&META, Span::new(f_span.start, f_span.end), message)
        .label(label)
        .help(HELP);
}

fn object_keys(e: &Expr) -> &[Field] {
    e.as_object().unwrap_or(&[])
}

fn check_block(cx: &mut Ctx<'_>, b: &Block, comp: Option<&Block>) {
    let name = b.name();
    let comp_name = comp.map(Block::name).unwrap_or_default();
    let comp_id = comp.map(Block::id).unwrap_or_default();
    let values = b.attr("values").map(|a| &a.value);
    match name.as_str() {
        "stage.labels" | "stage.static_labels" => {
            for f in values.map(object_keys).unwrap_or(&[]) {
                if cx.policy.is_forbidden_label(&f.name.name) {
                    report(
                        cx,
                        &f.name.span,
                        format!(
                            "`{name}` promotes forbidden label `{}` to a Loki stream label",
                            f.name.name
                        ),
                        "stream label",
                    );
                }
            }
        }
        "rule" if comp_name.ends_with(".relabel") => {
            let action = b
                .attr("action")
                .and_then(|a| a.value.as_string())
                .map(|s| s.value.to_ascii_lowercase())
                .unwrap_or_else(|| "replace".into());
            let written = match action.as_str() {
                "replace" | "lowercase" | "uppercase" | "hashmod" => {
                    b.attr("target_label").and_then(|a| a.value.as_string())
                }
                // a static replacement names the label labelmap writes
                "labelmap" => b
                    .attr("replacement")
                    .and_then(|a| a.value.as_string())
                    .filter(|s| !s.value.contains('$')),
                _ => None,
            };
            if let Some(t) = written {
                if cx.policy.is_forbidden_label(&t.value) {
                    let kind = match comp_name.as_str() {
                        "loki.relabel" => "a Loki stream label",
                        "prometheus.relabel" => "a series label",
                        _ => "a target label (a stream or series label downstream)",
                    };
                    report(
                        cx,
                        &t.span,
                        format!(
                            "relabel rule of `{comp_id}` writes forbidden label `{}` as {kind}",
                            t.value
                        ),
                        "target label",
                    );
                }
            }
        }
        _ => {}
    }
    for a in b.attributes() {
        let what = match a.name.name.as_str() {
            "labels" if comp_name.starts_with("loki.source.") => "static source label",
            "external_labels" => "external label",
            "targets" | "path_targets" => "static target label",
            _ => continue,
        };
        let fields: Vec<&Field> = match a.value.as_array() {
            Some(items) if what == "static target label" => {
                items.iter().flat_map(|i| object_keys(i).iter()).collect()
            }
            _ => object_keys(&a.value).iter().collect(),
        };
        for f in fields {
            if f.name.name.starts_with("__") || !cx.policy.is_forbidden_label(&f.name.name) {
                continue;
            }
            report(
                cx,
                &f.name.span,
                format!(
                    "{what} `{}` of `{}` is forbidden by policy",
                    f.name.name,
                    if comp_id.is_empty() {
                        name.clone()
                    } else {
                        comp_id.clone()
                    }
                ),
                "forbidden label",
            );
        }
    }
}
