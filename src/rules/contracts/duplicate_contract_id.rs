//! Contract ids are unique across the repository.

use std::collections::BTreeMap;

use crate::rules::{finding, ContractId, RepoCtx, Rule};

crate::declare_rule! {
    pub struct DuplicateContractId {
        code: "OL811",
        name: "duplicate-contract-id",
        family: Contracts,
        severity: Error,
        fix: None,
        summary: "A metric name, alert name, stream id or dashboard uid declared twice",
    }
}

impl Rule for DuplicateContractId {
    fn check_repo(&self, cx: &mut RepoCtx<'_>) {
        let mut seen: BTreeMap<(&str, &str), &ContractId> = BTreeMap::new();
        let mut ids: Vec<&ContractId> = cx.facts.contract_ids.iter().collect();
        ids.sort_by(|a, b| (&a.file.display, a.span.start).cmp(&(&b.file.display, b.span.start)));
        for id in ids {
            let key = (id.kind, id.id.as_str());
            match seen.get(&key) {
                None => {
                    seen.insert(key, id);
                }
                Some(first) => {
                    let Some(mut d) = finding(
                        cx.policy,
                        &META,
                        &id.file.display,
                        &id.file,
                        id.span.clone(),
                        format!("{} `{}` is declared twice", id.kind, id.id),
                    ) else {
                        continue;
                    };
                    d.label("duplicate")
                        .related(&first.file, first.span.clone(), "first declared here")
                        .help("ids name generated rules, files and panels: each must be unique");
                    cx.diags.push(d);
                }
            }
        }
    }
}
