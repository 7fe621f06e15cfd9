//! `forbidden-label` on contracts (their expressions are checked with every
//! other query): metric dimensions, alert labels and templates, dashboard
//! legends and variables.

use super::forbidden_label::{legend_labels, template_refs, META};
use crate::artifact::contract::{label_values_label, ContractArtifact};
use crate::artifact::Scalar;
use crate::contracts::Kind;
use crate::rules::Ctx;
use crate::syntax::yaml::Node;

fn seq<'a>(n: &'a Node, key: &str) -> &'a [Node] {
    n.get(key).and_then(Node::as_seq).unwrap_or(&[])
}

pub fn check(cx: &mut Ctx<'_>, c: &ContractArtifact) {
    let root = &c.doc.root;
    match c.kind() {
        Some(Kind::Metrics) => {
            for m in seq(root, "metrics") {
                let metric = m.get_str("name").unwrap_or("");
                for l in seq(m, "labels") {
                    if let Some(name) = l.as_str() {
                        if cx.policy.is_forbidden_label(name) {
                            cx.report(&META, l.span.clone(), format!("metric `{metric}` declares forbidden dimension `{name}`"))
                                .label("forbidden label")
                                .help("drop the label from the contract and aggregate it away in the recording rules");
                        }
                    }
                }
            }
        }
        Some(Kind::Alerts) => {
            for a in c.alerts() {
                for (k, _) in a.get("labels").and_then(Node::as_map).unwrap_or(&[]) {
                    if let Some(name) = k.as_str() {
                        if cx.policy.is_forbidden_label(name) {
                            cx.report(&META, k.span.clone(), format!("alert label `{name}` is forbidden by policy"))
                                .label("forbidden label")
                                .help("high-cardinality values belong in the log line or an annotation, not in alert labels");
                        }
                    }
                }
            }
            for (key, value) in c.alert_templates() {
                template_refs(cx, &key, &value);
            }
        }
        Some(Kind::Dashboard) => {
            for p in seq(root, "panels") {
                for t in seq(p, "targets") {
                    let Some(legend) = t.get("legend").and_then(Scalar::from_node) else {
                        continue;
                    };
                    for (name, r) in legend_labels(&legend.value) {
                        if cx.policy.is_forbidden_label(&name) {
                            let span = legend.sub_span(&cx.file.text, r);
                            cx.report(&META, span, format!("legend shows forbidden label `{name}`"))
                                .label("legend")
                                .help("a legend can only show a label the query keeps; group by low-cardinality labels");
                        }
                    }
                }
            }
            for v in seq(root, "variables") {
                let Some(q) = v.get("query").and_then(Scalar::from_node) else {
                    continue;
                };
                if let Some((at, name)) = label_values_label(&q.value) {
                    if cx.policy.is_forbidden_label(name) {
                        let span = q.sub_span(&cx.file.text, at..at + name.len());
                        cx.report(&META, span, format!("variable enumerates forbidden label `{name}`"))
                            .label("label_values")
                            .help("a variable over a high-cardinality label lists every value; filter with a text box variable instead");
                    }
                }
            }
        }
        _ => {}
    }
}
