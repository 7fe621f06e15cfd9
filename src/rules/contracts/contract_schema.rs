//! Contract files match their JSON Schema.

use crate::artifact::contract::ContractArtifact;
use crate::contracts::KINDS;
use crate::rules::{Ctx, Rule};
use crate::source::suggest::closest;
use crate::source::Span;

crate::declare_rule! {
    pub struct ContractSchema {
        code: "OL810",
        name: "contract-schema",
        family: Contracts,
        severity: Error,
        fix: None,
        summary: "A contract that does not match its schema: unknown keys, wrong types, missing fields",
    }
}

impl Rule for ContractSchema {
    fn check_contract(&self, cx: &mut Ctx<'_>, c: &ContractArtifact) {
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
