//! Dashboard contracts: file name matches uid, panels on the 24-column grid
//! without overlap, variables defined and used, restricted folders.

use crate::artifact::contract::ContractArtifact;
use crate::contracts::{Kind, Typed};
use crate::rules::{Ctx, Rule};
use crate::source::Span;
use crate::syntax::yaml::Node;

crate::declare_rule! {
    pub struct DashboardContract {
        code: "OL813",
        name: "dashboard-contract",
        family: Contracts,
        severity: Error,
        fix: None,
        summary: "Dashboard contract sanity: uid and file name, grid, variables, restricted folder",
    }
}

const BUILTINS: &[&str] = &[
    "__rate_interval",
    "__interval",
    "__interval_ms",
    "__range",
    "__range_s",
    "__range_ms",
    "__auto",
    "__from",
    "__to",
    "__dashboard",
    "__name",
    "__org",
    "__user",
    "__timeFilter",
];

/// `$name` / `${name}` / `${name:fmt}` / `[[name]]` variable references in `s`.
pub fn variable_refs(s: &str) -> Vec<(String, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            if b.get(i + 1) == Some(&b'{') {
                let start = i + 2;
                let mut j = start;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                if j > start {
                    out.push((s[start..j].to_string(), i));
                }
                i = j;
                continue;
            }
            let start = i + 1;
            let mut j = start;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            // `$1` in label_replace replacements is not a variable
            if j > start && !b[start].is_ascii_digit() {
                out.push((s[start..j].to_string(), i));
            }
            i = j.max(i + 1);
            continue;
        }
        if b[i] == b'[' && b.get(i + 1) == Some(&b'[') {
            let start = i + 2;
            if let Some(end) = s[start..].find("]]") {
                out.push((s[start..start + end].to_string(), i));
                i = start + end + 2;
                continue;
            }
        }
        i += 1;
    }
    out
}

fn panels(root: &Node) -> &[Node] {
    root.get("panels").and_then(Node::as_seq).unwrap_or(&[])
}

impl Rule for DashboardContract {
    fn check_contract(&self, cx: &mut Ctx<'_>, c: &ContractArtifact) {
        if c.doc.kind != Some(Kind::Dashboard) {
            return;
        }
        let root = &c.doc.root;
        if let Some((_, uid)) = root.entry("uid") {
            let u = uid.as_str().unwrap_or("");
            let stem = cx
                .rel
                .rsplit('/')
                .next()
                .unwrap_or("")
                .trim_end_matches(".yaml")
                .trim_end_matches(".yml");
            if stem != u {
                cx.report(
                    &META,
                    uid.span.clone(),
                    format!("dashboard uid `{u}` does not match the file name `{stem}`"),
                )
                .label("uid")
                .help(format!(
                    "rename the file to `{u}.yaml` (generated/grafana/<uid>.json follows the uid)"
                ));
            }
        }
        let Some(Typed::Dashboard(d)) = &c.doc.typed else {
            return;
        };
        // grid
        let mut placed: Vec<(usize, &crate::contracts::GridPos)> = Vec::new();
        for (i, p) in d.panels.iter().enumerate() {
            let g = &p.grid_pos;
            let span = panels(root)
                .get(i)
                .and_then(|n| n.get("gridPos"))
                .map(|n| n.span.clone())
                .unwrap_or(Span::empty(root.span.start));
            if g.x.saturating_add(g.w) > 24 {
                cx.report(
                    &META,
                    span.clone(),
                    format!(
                        "panel `{}` ends at column {}, past the 24-column grid",
                        p.title,
                        g.x.saturating_add(g.w)
                    ),
                )
                .label("gridPos")
                .help("keep x + w <= 24");
            }
            for (j, o) in &placed {
                let overlap = g.x < o.x.saturating_add(o.w)
                    && o.x < g.x.saturating_add(g.w)
                    && g.y < o.y.saturating_add(o.h)
                    && o.y < g.y.saturating_add(g.h);
                if overlap {
                    let other = &d.panels[*j].title;
                    let other_span = panels(root)
                        .get(*j)
                        .and_then(|n| n.get("gridPos"))
                        .map(|n| n.span.clone())
                        .unwrap_or_default();
                    let file = cx.file.clone();
                    cx.report(
                        &META,
                        span.clone(),
                        format!("panel `{}` overlaps panel `{other}`", p.title),
                    )
                    .label("gridPos")
                    .related(&file, other_span, "overlapped panel");
                }
            }
            placed.push((i, g));
        }
        // variables: defined and used
        let defined: Vec<&str> = d.variables.iter().map(|v| v.name.as_str()).collect();
        let mut used: Vec<String> = Vec::new();
        let mut texts: Vec<(&Node, String)> = Vec::new();
        for p in panels(root) {
            for t in p.get("targets").and_then(Node::as_seq).unwrap_or(&[]) {
                for key in ["expr", "legend"] {
                    if let Some(n) = t.get(key) {
                        texts.push((n, n.as_str().unwrap_or("").to_string()));
                    }
                }
            }
        }
        for v in root.get("variables").and_then(Node::as_seq).unwrap_or(&[]) {
            if let Some(n) = v.get("query") {
                texts.push((n, n.as_str().unwrap_or("").to_string()));
            }
        }
        for (node, text) in &texts {
            for (name, at) in variable_refs(text) {
                if BUILTINS.contains(&name.as_str()) || name.starts_with("__") {
                    continue;
                }
                if !defined.contains(&name.as_str()) {
                    let span = crate::artifact::Scalar::from_node(node)
                        .map(|s| s.sub_span(&cx.file.text, at..at + name.len() + 1))
                        .unwrap_or(node.span.clone());
                    cx.report(
                        &META,
                        span,
                        format!("variable `${name}` is used but not defined"),
                    )
                    .label("undefined variable")
                    .help(format!("add `{name}` to `variables`, or fix the reference"));
                }
                used.push(name);
            }
        }
        for (i, v) in d.variables.iter().enumerate() {
            if !used.iter().any(|u| u == &v.name) {
                let span = root
                    .get("variables")
                    .and_then(Node::as_seq)
                    .and_then(|s| s.get(i))
                    .and_then(|n| n.entry("name"))
                    .map(|(_, n)| n.span.clone())
                    .unwrap_or_default();
                cx.report(
                    &META,
                    span,
                    format!("variable `{}` is defined but never used", v.name),
                )
                .label("unused variable")
                .help("remove it, or use it in a panel query");
            }
        }
        // restricted dashboards live in a restricted folder, and only they do
        let restricted_folder = cx
            .policy
            .streams
            .restricted
            .folders
            .iter()
            .any(|f| f == &d.folder);
        if d.restricted != restricted_folder {
            let span = root
                .entry("folder")
                .map(|(_, v)| v.span.clone())
                .unwrap_or_default();
            let msg = if d.restricted {
                format!("restricted dashboard `{}` is in folder `{}`, which the policy does not restrict", d.uid, d.folder)
            } else {
                format!(
                    "unrestricted dashboard `{}` is in restricted folder `{}`",
                    d.uid, d.folder
                )
            };
            let help = format!(
                "restricted folders: {}",
                cx.policy.streams.restricted.folders.join(", ")
            );
            cx.report(&META, span, msg).label("folder").help(help);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn finds_variable_references() {
        let refs: Vec<String> =
            variable_refs("x{a=\"$cluster\", b=\"${node:regex}\"}[$__rate_interval] [[old]] $1")
                .into_iter()
                .map(|(n, _)| n)
                .collect();
        assert_eq!(refs, vec!["cluster", "node", "__rate_interval", "old"]);
    }
}
