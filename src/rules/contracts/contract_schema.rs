//! Contract files match their JSON Schema.

use crate::artifact::Artifact;
use crate::contracts::KINDS;
use crate::rules::{Ctx, Rule, RuleMeta};
use crate::source::suggest::closest;
use crate::source::Span;

crate::rule_meta!(
    "OL810",
    "contract-schema",
    Contracts,
    Error,
    "A contract that does not match its schema: unknown keys, wrong types, missing fields"
);

pub struct ContractSchema;

impl Rule for ContractSchema {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Ctx<'_>, artifact: &Artifact) {
        let Artifact::Contract(c) = artifact else {
            return;
        };
        if c.doc.kind.is_none() {
            let kinds: Vec<&str> = KINDS.iter().map(|k| k.kind_field()).collect();
            let span = c
                .doc
                .root
                .entry("kind")
                .map(|(_, v)| v.span.clone())
                .unwrap_or_else(|| Span::empty(c.doc.root.span.start));
            let d = cx.report(
                &META,
                span,
                format!("unknown contract kind `{}`", c.doc.kind_field),
            );
            d.label("kind");
            match closest(&c.doc.kind_field, kinds.iter().copied()) {
                Some(k) => d.help(format!("did you mean `{k}`?")),
                None => d.help(format!("contract kinds are: {}", kinds.join(", "))),
            };
            return;
        }
        for e in &c.doc.schema_errors {
            let d = cx.report(&META, e.span.clone(), e.message.clone());
            if let Some(h) = &e.help {
                d.help(h.clone());
            }
        }
    }
}
