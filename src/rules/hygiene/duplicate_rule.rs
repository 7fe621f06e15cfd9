//! Two rules that would produce the same series: the same name and the same
//! output identity (static labels, and the labels the expression's equality
//! matchers fix and its output keeps). Compared across the groups of a file,
//! as promtool's duplicate check does, and, with `scope: folder`, across the
//! files of one folder (loaded together by a `rule_files` glob) in the
//! repository phase.

use std::collections::hash_map::{Entry, HashMap};
use std::collections::BTreeMap;

use crate::analysis::semantics::Presence;
use crate::artifact::query::QueryRef;
use crate::artifact::rule_file::RuleFile;
use crate::artifact::Artifact;
use crate::policy::Policy;
use crate::rules::query::{rule_query, RuleQuery};
use crate::rules::{finding, Ctx, FileFacts, RepoCtx, Rule, RuleIdentity};
use crate::source::{FileRef, Span};

crate::declare_rule! {
    pub struct DuplicateRule {
        code: "OL700",
        name: "duplicate-rule",
        family: Hygiene,
        severity: Warning,
        fix: None,
        summary: "Two rules with the same name and output identity: they write the same series",
        settings: "scope: file | folder  (compare the rules of each file, or also the rule files of one folder; default file)",
    }
}

/// The output identity of a rule: its name and the label values every
/// output series has (static labels over the expression's fixed labels).
fn identity(q: &RuleQuery<'_>) -> String {
    let mut labels: BTreeMap<&str, &str> = BTreeMap::new();
    for (k, l) in &q.sem.labels.known {
        if let (Some(v), Presence::Certain) = (&l.fixed, l.presence) {
            if k != "__name__" {
                labels.insert(k, v);
            }
        }
    }
    for (k, v) in q.group.labels.iter().chain(q.rule.labels.iter()) {
        labels.insert(&k.value, &v.value);
    }
    // Where the output identity is not fully known (an open label set, or a
    // kept label whose values a regex or the input decide), two different
    // expressions may well write different series (`code=~"2.."` and
    // `code=~"5.."` kept by `by (code)`; one alert name with two conditions):
    // they are compared by their expression too. Only where every output
    // label is fixed do different expressions collide.
    let fully_fixed =
        !q.sem.labels.is_open()
            && q.sem.labels.known.iter().all(|(k, l)| {
                k == "__name__" || labels.contains_key(k.as_str()) && l.fixed.is_some()
            });
    let shape = if fully_fixed {
        String::new()
    } else {
        let text: String = q
            .query
            .text()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        format!("\u{1}{text}")
    };
    let kind = if q.rule.is_alert() { "alert" } else { "record" };
    let name = q.rule.name().map(|n| n.value.as_str()).unwrap_or("");
    let mut key = format!("{kind}\u{0}{name}{shape}");
    for (k, v) in labels {
        key.push('\u{0}');
        key.push_str(k);
        key.push('=');
        key.push_str(v);
    }
    key
}

/// The output identities of a rule file's rules, first definitions only (a
/// repeat inside the file is reported by the file check), for the
/// cross-file comparison. Gathered by `file_facts` for the files under
/// `scope: folder`, whether or not the rule is enabled there; fixed matcher
/// values do not depend on contracts, so no catalog is needed.
pub fn identities(rf: &RuleFile, file: &FileRef) -> Vec<RuleIdentity> {
    let cat = crate::analysis::semantics::Catalog::empty();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (group, rule) in rf.rules() {
        let Some(q) = QueryRef::rule(group, rule) else {
            continue;
        };
        let Some(sem) = crate::rules::query::semantics_of(&q, cat) else {
            continue;
        };
        let Some(name) = rule.name() else { continue };
        let rq = RuleQuery {
            query: q,
            group,
            rule,
            sem,
        };
        let key = identity(&rq);
        if seen.insert(key.clone()) {
            out.push(RuleIdentity {
                key,
                name: name.value.clone(),
                alert: rule.is_alert(),
                file: file.clone(),
                span: name.span.clone(),
            });
        }
    }
    out
}

fn kind_name(alert: bool) -> &'static str {
    if alert {
        "alert"
    } else {
        "recording rule"
    }
}

/// Whether the rules of file `rel` are compared with the other rule files of
/// its folder (`rules.duplicate-rule.scope: folder`, per path through
/// `overrides`); `file`, the generic profile's setting, when unset.
pub fn folder_scope(policy: &crate::policy::Policy, rel: &str) -> bool {
    policy
        .rule_config(META.code, META.name, rel)
        .scope
        .as_deref()
        == Some("folder")
}

impl Rule for DuplicateRule {
    fn file_facts(
        &self,
        artifact: &Artifact,
        _queries: &[QueryRef<'_>],
        file: &FileRef,
        policy: &Policy,
        facts: &mut FileFacts,
    ) {
        // only files compared across their folder need them (the repository
        // phase skips the others): under `scope: file` a run keeps neither
        // the identities nor, through them, the file's text
        if let Artifact::Rules(rf) = artifact {
            if folder_scope(policy, &file.display) {
                facts.rule_identities = identities(rf, file);
            }
        }
    }

    fn check_rule_file(&self, cx: &mut Ctx<'_>, rf: &RuleFile) {
        let file = cx.file;
        // identity -> first span: linear in the file size
        let mut seen: HashMap<String, Span> = HashMap::new();
        for (group, rule) in rf.rules() {
            let Some(q) = QueryRef::rule(group, rule).and_then(|q| rule_query(cx, &q)) else {
                continue;
            };
            let Some(name) = q.rule.name() else { continue };
            let key = identity(&q);
            match seen.entry(key.clone()) {
                Entry::Occupied(first) => {
                    let first = first.get().clone();
                    cx.report(
                        &META,
                        name.span.clone(),
                        format!(
                            "duplicate {} `{}`: an earlier rule in this file has the same name and output labels",
                            kind_name(q.rule.is_alert()),
                            name.value
                        ),
                    )
                    .label("duplicate")
                    .related(file, first, "first defined here")
                    .help("remove one, or give them distinguishing labels");
                }
                Entry::Vacant(v) => {
                    v.insert(name.span.clone());
                }
            }
        }
    }

    fn check_repo(&self, cx: &mut RepoCtx<'_>) {
        let folder = |p: &str| p.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        // Only files whose effective `scope` is `folder` take part: a
        // folder of unrelated copies (a vendored corpus) says `file`.
        let policy = cx.policy;
        let mut ids: Vec<&RuleIdentity> = cx
            .facts
            .rule_identities
            .iter()
            .filter(|id| folder_scope(policy, &id.file.display))
            .collect();
        ids.sort_by(|a, b| {
            (a.file.display.as_str(), a.span.start).cmp(&(b.file.display.as_str(), b.span.start))
        });
        let mut first: HashMap<(String, &str), &RuleIdentity> = HashMap::new();
        for id in ids {
            let rel = id.file.display.as_str();
            match first.entry((folder(rel), id.key.as_str())) {
                Entry::Vacant(v) => {
                    v.insert(id);
                }
                Entry::Occupied(o) => {
                    let f = *o.get();
                    if f.file.display == id.file.display {
                        continue;
                    }
                    let Some(mut d) = finding(
                        cx.policy,
                        &META,
                        rel,
                        &id.file,
                        id.span.clone(),
                        format!(
                            "duplicate {} `{}`: `{}` in the same folder has the same name and output labels",
                            kind_name(id.alert),
                            id.name,
                            f.file.display
                        ),
                    ) else {
                        continue;
                    };
                    d.label("duplicate")
                        .related(&f.file, f.span.clone(), "first defined here")
                        .help("Prometheus loads both files: remove one, or give them distinguishing labels");
                    cx.diags.push(d);
                }
            }
        }
    }
}
