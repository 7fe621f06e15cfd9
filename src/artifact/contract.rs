//! A contract file as the rules see it: the YAML tree, schema findings, the
//! typed model, and every embedded query parsed once with exact spans.

use std::ops::Range;

use crate::artifact::query::{Parsed, QueryRef};
use crate::artifact::Scalar;
use crate::contracts::{placeholder_grafana, placeholder_source, ContractDoc, Kind};
use crate::source::Span;
use crate::syntax::yaml::Node;
use crate::syntax::{logql, promql};

/// Where a query sits in its contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExprRole {
    Alert { alert: usize },
    Recording { metric: usize, recording: usize },
    PanelTarget { panel: usize, target: usize },
    Variable { variable: usize },
}

#[derive(Debug)]
pub struct ContractExpr {
    pub scalar: Scalar,
    pub role: ExprRole,
    /// The bytes of `scalar.value` that were parsed (all of it, or the inner
    /// query of `label_values(...)`).
    pub range: Range<usize>,
    pub parsed: Parsed,
}

impl ContractExpr {
    /// File span of a range of the parsed text.
    pub fn span(&self, text: &str, r: Range<usize>) -> Span {
        let at = self.range.start;
        self.scalar.sub_span(text, r.start + at..r.end + at)
    }
    pub fn is_logs(&self) -> bool {
        matches!(self.parsed, Parsed::Loki(_))
    }
}

#[derive(Debug)]
pub struct ContractArtifact {
    pub doc: ContractDoc,
    pub exprs: Vec<ContractExpr>,
}

fn items<'a>(node: &'a Node, key: &str) -> &'a [Node] {
    node.get(key).and_then(Node::as_seq).unwrap_or(&[])
}

fn prom(scalar: Scalar, role: ExprRole, offset: usize, text: &str) -> ContractExpr {
    let t = placeholder_grafana(&placeholder_source(text));
    ContractExpr {
        scalar,
        role,
        range: offset..offset + text.len(),
        parsed: Parsed::Prom(promql::analyze(&t)),
    }
}

fn loki(scalar: Scalar, role: ExprRole, offset: usize, text: &str) -> ContractExpr {
    let t = placeholder_grafana(text);
    ContractExpr {
        scalar,
        role,
        range: offset..offset + text.len(),
        parsed: Parsed::Loki(logql::parse(&t)),
    }
}

/// The query inside `label_values(QUERY, label)` (offset, text), if any.
pub fn label_values_inner(q: &str) -> Option<(usize, &str)> {
    let start = q.find("label_values(")? + "label_values(".len();
    let body = &q[start..];
    // the last comma at depth 0 separates the label
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut split = None;
    for (i, c) in body.char_indices() {
        match quote {
            Some(qc) => {
                if c == qc {
                    quote = None;
                }
            }
            None => match c {
                '"' | '`' | '\'' => quote = Some(c),
                '(' | '{' | '[' => depth += 1,
                ')' | '}' | ']' => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                }
                ',' if depth == 0 => split = Some(i),
                _ => {}
            },
        }
    }
    let end = split?;
    let inner = &body[..end];
    let lead = inner.len() - inner.trim_start().len();
    Some((start + lead, inner.trim()))
}

/// The label argument of `label_values(QUERY, label)` (offset, name).
pub fn label_values_label(q: &str) -> Option<(usize, &str)> {
    let (off, inner) = label_values_inner(q)?;
    let after = off + inner.len();
    let rest = &q[after..];
    let comma = rest.find(',')?;
    let label_start = after + comma + 1;
    let tail = &q[label_start..];
    let lead = tail.len() - tail.trim_start().len();
    let name_len = tail
        .trim_start()
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(tail.trim_start().len());
    Some((
        label_start + lead,
        &q[label_start + lead..label_start + lead + name_len],
    ))
}

impl ContractArtifact {
    pub fn build(root: &Node) -> ContractArtifact {
        ContractArtifact::from_doc(ContractDoc::build(root))
    }

    /// The artifact of a contract document already read (its queries parsed).
    pub fn from_doc(doc: ContractDoc) -> ContractArtifact {
        let root = &doc.root;
        let mut exprs = Vec::new();
        match doc.kind {
            Some(Kind::Alerts) => {
                for (i, a) in items(root, "alerts").iter().enumerate() {
                    let Some(s) = a.get("expr").and_then(Scalar::from_node) else {
                        continue;
                    };
                    let text = s.value.clone();
                    let role = ExprRole::Alert { alert: i };
                    exprs.push(if a.get_str("backend") == Some("loki") {
                        loki(s, role, 0, &text)
                    } else {
                        prom(s, role, 0, &text)
                    });
                }
            }
            Some(Kind::Metrics) => {
                for (mi, m) in items(root, "metrics").iter().enumerate() {
                    for (ri, r) in items(m, "recordings").iter().enumerate() {
                        let Some(s) = r.get("expr").and_then(Scalar::from_node) else {
                            continue;
                        };
                        let text = s.value.clone();
                        exprs.push(prom(
                            s,
                            ExprRole::Recording {
                                metric: mi,
                                recording: ri,
                            },
                            0,
                            &text,
                        ));
                    }
                }
            }
            Some(Kind::Dashboard) => {
                for (pi, p) in items(root, "panels").iter().enumerate() {
                    let logs = p.get_str("datasource") == Some("logs");
                    for (ti, t) in items(p, "targets").iter().enumerate() {
                        let Some(s) = t.get("expr").and_then(Scalar::from_node) else {
                            continue;
                        };
                        let text = s.value.clone();
                        let role = ExprRole::PanelTarget {
                            panel: pi,
                            target: ti,
                        };
                        exprs.push(if logs {
                            loki(s, role, 0, &text)
                        } else {
                            prom(s, role, 0, &text)
                        });
                    }
                }
                for (vi, v) in items(root, "variables").iter().enumerate() {
                    if v.get_str("type") != Some("query") {
                        continue;
                    }
                    let Some(s) = v.get("query").and_then(Scalar::from_node) else {
                        continue;
                    };
                    let Some((off, inner)) = label_values_inner(&s.value) else {
                        continue;
                    };
                    let inner = inner.to_string();
                    let role = ExprRole::Variable { variable: vi };
                    exprs.push(if v.get_str("datasource") == Some("logs") {
                        loki(s, role, off, &inner)
                    } else {
                        prom(s, role, off, &inner)
                    });
                }
            }
            _ => {}
        }
        ContractArtifact { doc, exprs }
    }

    pub fn kind(&self) -> Option<Kind> {
        self.doc.kind
    }

    /// Every expression of the contract (see [`QueryRef`]).
    pub fn queries(&self) -> impl Iterator<Item = QueryRef<'_>> {
        self.exprs.iter().map(QueryRef::contract)
    }

    /// The alert items of an alert contract.
    pub fn alerts(&self) -> &[Node] {
        if self.doc.kind == Some(Kind::Alerts) {
            items(&self.doc.root, "alerts")
        } else {
            &[]
        }
    }

    /// Texts Prometheus or Loki expand as Go templates: every alert's
    /// `summary`, `description` and label values, as (key, value).
    pub fn alert_templates(&self) -> Vec<(String, Scalar)> {
        let mut out = Vec::new();
        for a in self.alerts() {
            for key in ["summary", "description"] {
                if let Some(s) = a.get(key).and_then(Scalar::from_node) {
                    out.push((key.to_string(), s));
                }
            }
            for (k, v) in a.get("labels").and_then(Node::as_map).unwrap_or(&[]) {
                if let (Some(k), Some(v)) = (k.as_str(), Scalar::from_node(v)) {
                    out.push((format!("labels.{k}"), v));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_parts() {
        let q = "label_values(openbao:core_unsealed:max{job=~\"a,b\"}, cluster)";
        let (off, inner) = label_values_inner(q).unwrap();
        assert_eq!(inner, "openbao:core_unsealed:max{job=~\"a,b\"}");
        assert_eq!(&q[off..off + inner.len()], inner);
        let (loff, label) = label_values_label(q).unwrap();
        assert_eq!(label, "cluster");
        assert_eq!(&q[loff..loff + 7], "cluster");
        assert!(label_values_inner("label_values(cluster)").is_none());
    }
}
