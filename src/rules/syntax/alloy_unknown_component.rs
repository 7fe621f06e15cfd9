//! A reference to a component that no block defines:
//! `forward_to = [loki.write.nope.receiver]` without `loki.write "nope"`.

use crate::syntax::alloy::Config;
use std::collections::{BTreeSet, HashMap, HashSet};

use crate::rules::{Ctx, Rule};
use crate::source::suggest::{closest, levenshtein};
use crate::source::Span;
use crate::syntax::alloy::{self, Block, Reference};

crate::declare_rule! {
    pub struct AlloyUnknownComponent {
        code: "OL107",
        name: "alloy-unknown-component",
        family: Syntax,
        severity: Error,
        fix: None,
        summary: "An Alloy reference to a component no block defines",
    }
}

/// First name fragments of Alloy's component namespaces: a reference starting
/// with one of them (or with the first fragment of a block of the file) names
/// a component. Standard-library names (`sys.env`, `constants.hostname`,
/// `string.format`, ...) start otherwise and are not checked.
const NAMESPACES: &[&str] = &[
    "beyla",
    "database_observability",
    "discovery",
    "faro",
    "local",
    "loki",
    "mimir",
    "otelcol",
    "prometheus",
    "pyroscope",
    "remote",
];

impl Rule for AlloyUnknownComponent {
    fn check_alloy(&self, cx: &mut Ctx<'_>, cfg: &Config) {
        // with a syntax error, blocks may be missing from the parse
        if !cfg.errors.is_empty() {
            return;
        }
        let map = cfg.component_map();
        let mut heads: HashSet<&str> = NAMESPACES.iter().copied().collect();
        for b in map.values() {
            if let Some(first) = b.name.first() {
                heads.insert(first.name.as_str());
            }
        }
        let mut unresolved: Vec<Reference> = Vec::new();
        for (_, attr) in cfg.attributes() {
            for r in attr.value.references() {
                let known_head = r
                    .path
                    .first()
                    .is_some_and(|h| heads.contains(h.name.as_str()));
                if r.path.len() >= 2 && known_head && alloy::resolve(&map, &r.path).is_none() {
                    unresolved.push(r);
                }
            }
        }
        if unresolved.is_empty() {
            return;
        }
        // Alloy loads every *.alloy file of a directory as one configuration
        let siblings = cx.repo.alloy_ids_beside(cx.rel);
        for r in unresolved {
            if resolves_in(&siblings, &r) {
                continue;
            }
            report(cx, &map, &r);
        }
    }
}

fn resolves_in(ids: &HashSet<String>, r: &Reference) -> bool {
    (1..r.path.len()).any(|k| {
        let ty: Vec<&str> = r.path[..k].iter().map(|i| i.name.as_str()).collect();
        ids.contains(&format!("{}.{}", ty.join("."), r.path[k].name))
    })
}

fn report(cx: &mut Ctx<'_>, map: &HashMap<String, &Block>, r: &Reference) {
    let dotted = r.dotted();
    // the longest prefix that is the name of a defined component type
    let types: BTreeSet<String> = map.values().map(|b| b.name()).collect();
    let typed = (1..r.path.len()).rev().find_map(|k| {
        let ty: Vec<&str> = r.path[..k].iter().map(|i| i.name.as_str()).collect();
        let ty = ty.join(".");
        types.contains(&ty).then(|| (ty, &r.path[k]))
    });
    if let Some((ty, label)) = typed {
        let mut labels: Vec<&str> = map
            .values()
            .filter(|b| b.name() == ty)
            .filter_map(|b| b.label.as_ref().map(|l| l.value.as_str()))
            .collect();
        labels.sort_unstable();
        let help = match closest(&label.name, labels.iter().copied()) {
            Some(c) => format!("did you mean `{ty}.{c}`?"),
            None => format!(
                "the `{ty}` components of this file are: {}",
                labels
                    .iter()
                    .map(|l| format!("`{ty}.{l}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        cx.report(
            &META,
            Span::new(label.span.start, label.span.end),
            format!(
                "unknown component `{ty}.{}`: no `{ty} \"{}\"` block is defined",
                label.name, label.name
            ),
        )
        .label("not defined")
        .help(help);
        return;
    }
    // no known type: compare with every id over the same number of fragments
    let mut best: Option<(usize, String)> = None;
    for id in map.keys() {
        let n = id.split('.').count();
        if n > r.path.len() {
            continue;
        }
        let prefix: Vec<&str> = r.path[..n].iter().map(|i| i.name.as_str()).collect();
        let prefix = prefix.join(".");
        let d = levenshtein(&prefix, id);
        let limit = (id.chars().count() / 3).max(1);
        if d <= limit
            && best
                .as_ref()
                .is_none_or(|(bd, b)| d < *bd || (d == *bd && id < b))
        {
            best = Some((d, id.clone()));
        }
    }
    let help = match best {
        Some((_, id)) => format!("did you mean `{id}`?"),
        None => "define the component in this directory's Alloy files, or fix the reference".into(),
    };
    cx.report(
        &META,
        Span::new(r.span.start, r.span.end),
        format!("`{dotted}` refers to a component that is not defined"),
    )
    .label("unknown component")
    .help(help);
}
