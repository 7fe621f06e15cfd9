//! Stream contracts agree with themselves and with the policy.

use crate::artifact::contract::ContractArtifact;
use crate::contracts::Kind;
use crate::rules::{Ctx, Rule};
use crate::syntax::yaml::Node;

crate::declare_rule! {
    pub struct StreamContract {
        code: "OL812",
        name: "stream-contract",
        family: Contracts,
        severity: Error,
        fix: None,
        summary: "Stream contract sanity: label lists disjoint, routing label allowed, classes match the policy",
    }
}

fn list(node: &Node, path: &[&str]) -> Vec<(String, crate::source::Span)> {
    let mut n = Some(node);
    for p in path {
        n = n.and_then(|x| x.get(p));
    }
    n.and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|i| i.as_str().map(|s| (s.to_string(), i.span.clone())))
        .collect()
}

impl Rule for StreamContract {
    fn check_contract(&self, cx: &mut Ctx<'_>, c: &ContractArtifact) {
        if c.doc.kind != Some(Kind::Streams) {
            return;
        }
        let root = &c.doc.root;
        let allowed = list(root, &["labels", "allowed"]);
        let forbidden = list(root, &["labels", "forbidden"]);
        for (name, span) in &allowed {
            if forbidden.iter().any(|(f, _)| f == name) {
                cx.report(&META, span.clone(), format!("label `{name}` is both allowed and forbidden"))
                    .label("in both lists")
                    .help("a label is either a stream label (allowed) or a field extracted at query time (forbidden)");
            } else if cx.policy.is_forbidden_label(name) {
                cx.report(&META, span.clone(), format!("label `{name}` is forbidden by the policy but allowed as a stream label here"))
                    .label("policy-forbidden")
                    .help("remove it from `labels.allowed`; extract it at query time with `| json`");
            }
        }
        let routing = root.entry("routingLabel");
        if let Some((_, v)) = routing {
            let r = v.as_str().unwrap_or("");
            if !allowed.iter().any(|(a, _)| a == r) {
                cx.report(
                    &META,
                    v.span.clone(),
                    format!("routing label `{r}` is not in `labels.allowed`"),
                )
                .label("routing label")
                .help(
                    "every stream is told apart by this label: it must be an allowed stream label",
                );
            }
            let policy_label = &cx.policy.streams.routing_label;
            if !policy_label.is_empty() && policy_label != r {
                cx.report(&META, v.span.clone(), format!("routing label `{r}` differs from the policy's `streams.routing_label` (`{policy_label}`)"))
                    .label("routing label");
            }
        }
        let streams = &cx.policy.streams;
        for s in root.get("streams").and_then(Node::as_seq).unwrap_or(&[]) {
            let (Some(id), Some(class)) = (s.get_str("id"), s.get_str("class")) else {
                continue;
            };
            let in_audit = streams.audit.iter().any(|x| x == id);
            let in_oper = streams.operational.iter().any(|x| x == id);
            let in_bg = streams.break_glass.iter().any(|x| x == id);
            let expected = match class {
                "audit" => in_audit,
                "operational" => in_oper,
                "break-glass" => in_bg,
                _ => true,
            };
            if !expected {
                let span = s
                    .entry("class")
                    .map(|(_, v)| v.span.clone())
                    .unwrap_or(s.span.clone());
                let key = match class {
                    "audit" => "streams.audit",
                    "operational" => "streams.operational",
                    _ => "streams.break_glass",
                };
                cx.report(&META, span, format!("stream `{id}` has class `{class}` but the policy does not list it under `{key}`"))
                    .label("class")
                    .help("the policy decides how queries on this stream are checked; keep contract and policy in step");
            }
        }
    }
}
