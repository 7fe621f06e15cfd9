//! Runbook links: present, resolvable, inside the runbook directory, and no
//! orphans.

pub use crate::analysis::facts::{resolve, Resolved};
use crate::artifact::contract::ContractArtifact;
use crate::artifact::rule_file::RuleFile;
use crate::artifact::Scalar;
use crate::diag::Fix;
use crate::rules::{normalize_rel, Ctx, RepoCtx, Rule};
use crate::source::{SourceFile, Span};

crate::declare_rule! {
    pub struct RunbookLink {
        code: "OL400",
        name: "runbook-link",
        family: Runbooks,
        severity: Error,
        fix: Sometimes,
        summary: "Alerts link an existing runbook under the runbook directory; no runbook is orphaned",
    }
}

impl Rule for RunbookLink {
    fn check_rule_file(&self, cx: &mut Ctx<'_>, rf: &RuleFile) {
        let keys: Vec<String> = std::iter::once(cx.policy.runbooks.annotation.clone())
            .chain(cx.policy.runbooks.annotation_aliases.iter().cloned())
            .collect();
        // (alert name scalar, runbook link scalar if any)
        let links: Vec<(Scalar, Option<Scalar>)> = rf
            .alerts()
            .filter_map(|(_, r)| {
                Some((
                    r.alert.clone()?,
                    keys.iter()
                        .find_map(|k| r.annotation(k))
                        .map(|(_, v)| v.clone()),
                ))
            })
            .collect();
        check_alerts(cx, links, Some(rf));
    }

    fn check_contract(&self, cx: &mut Ctx<'_>, c: &ContractArtifact) {
        let links: Vec<(Scalar, Option<Scalar>)> = c
            .alerts()
            .iter()
            .filter_map(|a| {
                let name = a.get("name").and_then(Scalar::from_node)?;
                Some((name, a.get("runbook").and_then(Scalar::from_node)))
            })
            .collect();
        check_alerts(cx, links, None);
    }

    fn check_repo(&self, cx: &mut RepoCtx<'_>) {
        if !cx.whole_repo {
            return;
        }
        if let Some(link) = cx.repo.runbooks_link() {
            let dir = crate::source::normalize_rel(&cx.policy.runbooks.dir).unwrap_or_default();
            let file = SourceFile::new(link.to_string(), cx.repo.path_of(link), String::new());
            if let Some(mut d) = crate::rules::finding(
                cx.policy,
                &META,
                link,
                &file,
                Span::empty(0),
                format!(
                    "the runbook directory `{dir}` is reached through the symbolic link `{link}`, which o11ylint does not follow: its runbooks are not checked"
                ),
            ) {
                d.severity = d.severity.min(crate::diag::Severity::Warning);
                d.primary.message = "symbolic link, not followed".into();
                d.help(format!("make `{dir}` a real directory in the repository"));
                cx.diags.push(d);
            }
        }
        for rel in cx.repo.runbooks() {
            if cx.facts.runbooks_linked.contains(rel) {
                continue;
            }
            let name = rel.rsplit('/').next().unwrap_or("");
            if name.eq_ignore_ascii_case("README.md") || name.eq_ignore_ascii_case("index.md") {
                continue;
            }
            let text = cx.repo.read_text(rel).unwrap_or_default();
            let first_line = text.lines().next().map(str::len).unwrap_or(0);
            let file = SourceFile::new(rel.clone(), cx.repo.path_of(rel), text);
            let Some(mut d) = crate::rules::finding(
                cx.policy,
                &META,
                rel,
                &file,
                Span::new(0, first_line),
                format!("orphan runbook: no alert links `{rel}`"),
            ) else {
                continue;
            };
            d.help("link it from an alert's runbook_url, or delete it");
            d.primary.message = "not linked by any alert".into();
            cx.diags.push(d);
        }
    }
}

/// Each alert's runbook link (`rf`: the rule file, for the `--fix` edit).
fn check_alerts(cx: &mut Ctx<'_>, links: Vec<(Scalar, Option<Scalar>)>, rf: Option<&RuleFile>) {
    let annotation = cx.policy.runbooks.annotation.clone();
    let dir = normalize_rel(&cx.policy.runbooks.dir).unwrap_or_default();
    for (name, link) in links {
        match link {
            Some(value) => check_link(cx, &value, &dir),
            None if cx.policy.runbooks.required => {
                cx.report(
                    &META,
                    name.span.clone(),
                    format!("alert `{}` has no `{annotation}` annotation", name.value),
                )
                .label("no runbook")
                .help(format!(
                    "add `{annotation}: {dir}/<slug>.md` linking the runbook for this alert"
                ));
                // `check --fix`: the link the naming convention gives,
                // when that runbook exists
                let edit = super::runbook_fix::missing_runbook_edit(
                    &cx.file.text,
                    cx.repo,
                    cx.policy,
                    rf,
                    &name,
                );
                if let (Some(e), Some(d)) = (edit, cx.diags.last_mut()) {
                    d.fix(Fix::safe_edit(
                        "Link the runbook the naming convention gives",
                        e.span,
                        e.replacement,
                    ));
                }
            }
            None => {}
        }
    }
}

/// One runbook link: resolvable, inside the runbook directory, Markdown, and
/// existing. A good link is recorded for the orphan check.
fn check_link(cx: &mut Ctx<'_>, value: &Scalar, dir: &str) {
    match resolve(&value.value, &cx.policy.runbooks.base_url) {
        Resolved::External | Resolved::Dynamic => {}
        Resolved::Invalid(why) => {
            cx.report(
                &META,
                value.span.clone(),
                format!("invalid runbook link: {why}"),
            )
            .label("runbook link");
        }
        Resolved::Local(rel) => {
            // Without a runbook directory (the generic profile), a link whose
            // first directory this repository does not have points into the
            // repository the rules were copied from: not checkable here.
            let top = rel.split('/').next().unwrap_or("");
            if dir.is_empty() && rel.contains('/') && !cx.repo.is_dir(top) {
                return;
            }
            // Nor does it hold runbooks to one format: the link must lead
            // somewhere (a page in any format, or a directory), that is all.
            if dir.is_empty() {
                if !cx.repo.is_file(&rel) && !cx.repo.is_dir(&rel) {
                    cx.report(
                        &META,
                        value.span.clone(),
                        format!("runbook `{rel}` does not exist"),
                    )
                    .label("no such file")
                    .help(format!("write `{rel}` or fix the link"));
                }
                return;
            }
            if !rel.starts_with(&format!("{dir}/")) {
                cx.report(
                    &META,
                    value.span.clone(),
                    format!("runbook `{rel}` is outside the runbook directory `{dir}`"),
                )
                .label("runbook link")
                .help(format!("move the runbook under `{dir}/`"));
            } else if !rel.ends_with(".md") {
                cx.report(
                    &META,
                    value.span.clone(),
                    format!("runbook `{rel}` is not a Markdown file"),
                )
                .label("runbook link");
            } else if let Some(link) = rel
                .rsplit_once('/')
                .and_then(|(parent, _)| cx.repo.link_on_path(parent))
            {
                cx.report(
                    &META,
                    value.span.clone(),
                    format!(
                        "runbook `{rel}` is reached through the symbolic link `{link}`, which o11ylint does not follow"
                    ),
                )
                .label("through a symbolic link")
                .help(format!(
                    "make `{link}` a real directory in the repository, so the runbook can be checked"
                ));
            } else if !cx.repo.is_file(&rel) {
                cx.report(
                    &META,
                    value.span.clone(),
                    format!("runbook `{rel}` does not exist"),
                )
                .label("no such file")
                .help(format!("write `{rel}` or fix the link"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn resolves_links() {
        assert_eq!(
            resolve("docs/runbooks/a.md", ""),
            Resolved::Local("docs/runbooks/a.md".into())
        );
        assert_eq!(
            resolve("./docs/runbooks/a.md#diagnose", ""),
            Resolved::Local("docs/runbooks/a.md".into())
        );
        assert!(matches!(resolve("../x.md", ""), Resolved::Invalid(_)));
        assert!(matches!(resolve("/etc/passwd", ""), Resolved::Invalid(_)));
        assert_eq!(resolve("https://wiki.example/x", ""), Resolved::External);
        assert_eq!(
            resolve(
                "https://git.example/r/blob/main/docs/runbooks/a.md",
                "https://git.example/r/blob/main/"
            ),
            Resolved::Local("docs/runbooks/a.md".into())
        );
        assert_eq!(resolve("{{ $labels.runbook }}", ""), Resolved::Dynamic);
    }
}
