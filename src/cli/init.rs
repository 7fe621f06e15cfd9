//! `o11ylint init`: look at a repository and write an `o11ylint.yaml` that
//! fits it: the profile, the severity label and the values in use, the
//! runbook annotation key and where links point, the dashboards' literal
//! datasources, the ruler dialect, and paths to exclude (templates for other
//! tools, vendored files). Every setting is commented; an existing file is
//! kept unless `--force`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::Value;

use crate::artifact::{self, Artifact};
use crate::policy::{Policy, REPO_POLICY_FILE};
use crate::source::guard::{self, Guard, Links};
use crate::source::walk::{self, Walked, DEFAULT_MAX_FILE_BYTES};
use crate::syntax::{foreign_template, yaml};

use super::{EXIT_ERROR, EXIT_OK};

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Repository to inspect (default: the current directory)
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite an existing o11ylint.yaml
    #[arg(long)]
    pub force: bool,
    /// Print the policy instead of writing it
    #[arg(long)]
    pub stdout: bool,
}

/// Annotation keys read as runbook links, most usual first.
const RUNBOOK_KEYS: &[&str] = &[
    "runbook_url",
    "runbook",
    "runbookUrl",
    "runbook_link",
    "playbook",
    "playbook_url",
];

/// Labels teams use for an alert's urgency.
const SEVERITY_LABELS: &[&str] = &["severity", "priority", "urgency", "level"];

/// Directory names of vendored or third-party content.
const VENDORED: &[&str] = &[
    "vendor",
    "vendored",
    "third_party",
    "third-party",
    "node_modules",
];

/// What `init` found in a repository.
#[derive(Debug, Default)]
pub struct Findings {
    pub rule_files: usize,
    pub alerts: usize,
    pub dashboards: usize,
    /// label -> value -> alerts carrying it
    pub severity_values: BTreeMap<String, BTreeMap<String, usize>>,
    pub runbook_keys: BTreeMap<String, usize>,
    pub runbook_values: Vec<String>,
    /// datasource uid -> plugin type
    pub datasources: BTreeMap<String, String>,
    /// dialect -> keys seen
    pub dialects: BTreeMap<&'static str, Vec<String>>,
    pub templates: Vec<(String, String)>,
    pub vendored: Vec<String>,
    pub openbao_signals: Vec<String>,
    /// The repository root (to check that a runbook directory exists).
    pub root: Option<PathBuf>,
}

pub fn run(args: &InitArgs) -> i32 {
    let root = &args.dir;
    if !root.is_dir() {
        eprintln!("error: `{}` is not a directory", root.display());
        return EXIT_ERROR;
    }
    let target = root.join(REPO_POLICY_FILE);
    if !args.stdout && target.exists() && !args.force {
        eprintln!(
            "error: {} exists; run `o11ylint init --force` to replace it, or `--stdout` to print a proposal",
            target.display()
        );
        return EXIT_ERROR;
    }
    let found = inspect(root);
    let text = render(&found);
    // the written policy must load
    if let Err(errs) = Policy::load(
        &[(REPO_POLICY_FILE.into(), text.clone())],
        crate::rules::catalog(),
    ) {
        for e in errs {
            eprintln!(
                "internal error: generated policy does not load: {}",
                e.message
            );
        }
        return EXIT_ERROR;
    }
    if args.stdout {
        print!("{text}");
        return EXIT_OK;
    }
    if let Err(e) = guard::check_writable(&target, Some(root)) {
        eprintln!("error: cannot write {}: {e:?}", target.display());
        return EXIT_ERROR;
    }
    if let Err(e) = std::fs::write(&target, &text) {
        eprintln!("error: cannot write {}: {e}", target.display());
        return EXIT_ERROR;
    }
    print!("{}", report(&found));
    println!(
        "wrote {}; review it, then run `o11ylint check`",
        target.display()
    );
    EXIT_OK
}

/// Walk the repository and gather its conventions.
pub fn inspect(root: &Path) -> Findings {
    let mut f = Findings {
        root: Some(root.to_path_buf()),
        ..Default::default()
    };
    let policy = Policy::default_policy();
    let abs = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    for w in walk::walk(std::slice::from_ref(&abs), true) {
        let Walked::File(path) = w else { continue };
        let rel = path
            .strip_prefix(&abs)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let ext = rel.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
        if !matches!(ext.as_str(), "yaml" | "yml" | "json" | "rules" | "rule") {
            continue;
        }
        let Ok(text) = guard::read_text(
            &path,
            Guard::new(DEFAULT_MAX_FILE_BYTES, Links::Within(&abs)),
        ) else {
            continue;
        };
        let vendored = rel
            .split('/')
            .find(|c| VENDORED.contains(c))
            .map(|c| format!("{}{c}/**", &rel[..rel.find(c).unwrap_or(0)]));
        if ext != "json" {
            if let Some(why) = foreign_template::detect(&text) {
                f.templates.push((rel.clone(), why));
                continue;
            }
        }
        let a = if ext == "json" {
            artifact::classify_json(&rel, &text, &policy).0
        } else {
            let docs = yaml::parse(&text);
            dialect_keys(&docs.docs, &mut f);
            artifact::classify_yaml(&rel, &text, &docs.docs, &policy)
        };
        if let (Some(v), false) = (&vendored, matches!(a, Artifact::Other(_))) {
            if !f.vendored.contains(v) {
                f.vendored.push(v.clone());
            }
            continue;
        }
        match a {
            Artifact::Rules(rf) => {
                f.rule_files += 1;
                for (g, r) in rf.rules() {
                    if let Some(rec) = &r.record {
                        if rec.value.starts_with("openbao:") {
                            f.openbao_signals
                                .push(format!("{rel}: record `{}`", rec.value));
                        }
                    }
                    let Some(_) = &r.alert else { continue };
                    f.alerts += 1;
                    for label in SEVERITY_LABELS {
                        let v = r
                            .label(label)
                            .or_else(|| g.labels.iter().find(|(k, _)| k.value == *label));
                        if let Some((_, v)) = v {
                            if !v.value.contains("{{") {
                                *f.severity_values
                                    .entry(label.to_string())
                                    .or_default()
                                    .entry(v.value.clone())
                                    .or_default() += 1;
                            }
                        }
                    }
                    for key in RUNBOOK_KEYS {
                        if let Some((_, v)) = r.annotation(key) {
                            *f.runbook_keys.entry(key.to_string()).or_default() += 1;
                            f.runbook_values.push(v.value.clone());
                            break;
                        }
                    }
                }
            }
            Artifact::Dashboard(_) => {
                f.dashboards += 1;
                if let Ok(v) = serde_json::from_str::<Value>(&text) {
                    datasources(&v, &mut f.datasources, 0);
                }
            }
            Artifact::Contract(_) => {
                f.openbao_signals
                    .push(format!("{rel}: an o11ylint contract"));
            }
            _ => {}
        }
    }
    f.openbao_signals.sort();
    f.openbao_signals.dedup();
    f
}

/// Group and top-level keys of other rulers, from the raw documents.
fn dialect_keys(docs: &[yaml::Node], f: &mut Findings) {
    const KEYS: &[(&str, &str)] = &[
        ("partial_response_strategy", "thanos"),
        ("source_tenants", "mimir"),
        ("evaluation_delay", "mimir"),
        ("align_evaluation_time_on_interval", "mimir"),
        ("remote_write", "mimir"),
        ("concurrency", "victoriametrics"),
        ("eval_offset", "victoriametrics"),
        ("eval_delay", "victoriametrics"),
        ("eval_alignment", "victoriametrics"),
        ("params", "victoriametrics"),
        ("headers", "victoriametrics"),
        ("notifier_headers", "victoriametrics"),
    ];
    for d in docs {
        let root = d.get("spec").unwrap_or(d);
        let Some(groups) = root.get("groups").and_then(yaml::Node::as_seq) else {
            continue;
        };
        if d.get("namespace").is_some() {
            let keys = f.dialects.entry("mimir").or_default();
            if !keys.contains(&"namespace".to_string()) {
                keys.push("namespace".into());
            }
        }
        for g in groups {
            for (k, _) in g.as_map().unwrap_or(&[]) {
                let key = k.as_str().unwrap_or("");
                if let Some((_, dialect)) = KEYS.iter().find(|(dk, _)| *dk == key) {
                    let keys = f.dialects.entry(dialect).or_default();
                    if !keys.iter().any(|x| x == key) {
                        keys.push(key.to_string());
                    }
                }
            }
        }
    }
}

/// `{"type": T, "uid": U}` datasource references with a literal uid.
fn datasources(v: &Value, out: &mut BTreeMap<String, String>, depth: usize) {
    if depth > 64 {
        return;
    }
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(ds)) = m.get("datasource") {
                if let (Some(Value::String(t)), Some(Value::String(u))) =
                    (ds.get("type"), ds.get("uid"))
                {
                    let literal = !u.contains('$') && !t.contains('$') && !u.is_empty();
                    if literal && !t.starts_with("__") && t != "datasource" && t != "grafana" {
                        out.entry(u.clone()).or_insert_with(|| t.clone());
                    }
                }
            }
            for x in m.values() {
                datasources(x, out, depth + 1);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| datasources(x, out, depth + 1)),
        _ => {}
    }
}

/// The profile: `openbao` when the repository follows its conventions.
fn profile(f: &Findings) -> &'static str {
    if f.openbao_signals.is_empty() {
        "generic"
    } else {
        "openbao"
    }
}

fn target(f: &Findings) -> &'static str {
    match f.dialects.keys().copied().collect::<Vec<_>>().as_slice() {
        [one] => one,
        _ => "any",
    }
}

/// The severity label (the one most alerts carry, if at least half do) and
/// its values, most used first.
fn severity(f: &Findings) -> Option<(String, Vec<(String, usize)>)> {
    let (label, values) = f
        .severity_values
        .iter()
        .max_by_key(|(_, v)| v.values().sum::<usize>())?;
    let carried: usize = values.values().sum();
    if carried * 2 < f.alerts || values.len() > 12 {
        return None;
    }
    let mut v: Vec<(String, usize)> = values.iter().map(|(k, n)| (k.clone(), *n)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Some((label.clone(), v))
}

/// The runbook key and, when links share them, the URL prefix and the
/// repository directory they point into.
fn runbooks(f: &Findings) -> Option<(String, usize, String, String)> {
    let (key, n) = f.runbook_keys.iter().max_by_key(|(_, n)| **n)?;
    let urls: Vec<&str> = f
        .runbook_values
        .iter()
        .map(String::as_str)
        .filter(|v| v.contains("://") && !v.contains("{{"))
        .collect();
    let mut base = common_dir_prefix(&urls);
    // a scheme and host alone say nothing about where runbooks live
    if base.matches('/').count() < 4 {
        base.clear();
    }
    let local: Vec<&str> = f
        .runbook_values
        .iter()
        .map(String::as_str)
        .filter(|v| !v.contains("://") && !v.contains("{{"))
        .collect();
    let mut dir = common_dir_prefix(&local).trim_end_matches('/').to_string();
    // only a directory this repository has (links elsewhere are not checked)
    if let Some(root) = &f.root {
        if dir.is_empty() || !root.join(&dir).is_dir() {
            dir.clear();
        }
    }
    Some((key.clone(), *n, base, dir))
}

/// The longest prefix ending in `/` that every value shares ("" if none).
fn common_dir_prefix(values: &[&str]) -> String {
    let Some(first) = values.first() else {
        return String::new();
    };
    let mut len = first.len();
    for v in &values[1..] {
        len = first
            .bytes()
            .zip(v.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count();
    }
    let prefix = &first[..len];
    match prefix.rfind('/') {
        Some(i) => prefix[..=i].to_string(),
        None => String::new(),
    }
}

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The commented policy.
pub fn render(f: &Findings) -> String {
    let mut o = String::new();
    o.push_str("# o11ylint policy written by `o11ylint init` from what this repository\n");
    o.push_str("# contains. Review it; every setting is explained in policies/generic.yaml\n");
    o.push_str("# and `o11ylint explain <rule>`.\n");
    o.push_str(&format!(
        "# Found: {} rule files ({} alerts), {} dashboards.\n",
        f.rule_files, f.alerts, f.dashboards
    ));
    o.push_str("version: 1\n\n");
    let p = profile(f);
    o.push_str("# The profile this policy starts from: `generic` (any team's conventions)\n");
    o.push_str("# or `openbao` (the OpenBao monitoring profile).\n");
    if p == "openbao" {
        o.push_str("# Chosen because of:\n");
        for s in f.openbao_signals.iter().take(5) {
            o.push_str(&format!("#   {s}\n"));
        }
    }
    o.push_str(&format!("extends: {p}\n\n"));
    let t = target(f);
    o.push_str("# The ruler that loads the rule files: any, prometheus, thanos, mimir or\n");
    o.push_str("# victoriametrics (decides which dialect keys are allowed, and whether\n");
    o.push_str("# MetricsQL is accepted).\n");
    for (d, keys) in &f.dialects {
        o.push_str(&format!("# Seen {d} keys: {}\n", keys.join(", ")));
    }
    o.push_str(&format!("target: {t}\n\n"));

    let mut exclude: Vec<String> = Vec::new();
    for (rel, _) in &f.templates {
        let glob = match rel.rfind("/templates/") {
            Some(i) => format!("{}/templates/**", &rel[..i]),
            None => rel.clone(),
        };
        if !exclude.contains(&glob) {
            exclude.push(glob);
        }
    }
    exclude.extend(f.vendored.iter().cloned());
    o.push_str("# Paths not linted when walking directories: templates for other tools\n");
    o.push_str("# (lint their rendered output instead) and vendored files.\n");
    if exclude.is_empty() {
        o.push_str("exclude: []\n\n");
    } else {
        o.push_str("exclude:\n");
        for e in &exclude {
            o.push_str(&format!("  - {}\n", yaml_str(e)));
        }
        o.push('\n');
    }

    if p == "generic" {
        match severity(f) {
            Some((label, values)) => {
                o.push_str("# The severity label your alerts carry and the values in use, so a\n");
                o.push_str("# typo or a missing severity is reported (severity-vocabulary).\n");
                o.push_str("severities:\n");
                o.push_str(&format!("  label: {}\n", yaml_str(&label)));
                o.push_str("  allowed:\n");
                for (v, n) in &values {
                    o.push_str(&format!(
                        "    - {}  # {n} alert{}\n",
                        yaml_str(v),
                        if *n == 1 { "" } else { "s" }
                    ));
                }
                o.push('\n');
            }
            None => {
                o.push_str(
                    "# No severity label carried by most alerts: no vocabulary is checked.\n",
                );
                o.push_str("# severities: {label: severity, allowed: [critical, warning]}\n\n");
            }
        }
        match runbooks(f) {
            Some((key, n, base, dir)) => {
                o.push_str(&format!(
                    "# Runbook links: {n} alert{} link one under `{key}`. Links are checked\n",
                    if n == 1 { "" } else { "s" }
                ));
                o.push_str(
                    "# where present; set `required: true` to require one on every alert.\n",
                );
                o.push_str("runbooks:\n");
                o.push_str(&format!("  annotation: {}\n", yaml_str(&key)));
                if !base.is_empty() {
                    o.push_str("  # links starting with this URL are files of this repository\n");
                    o.push_str("  # (set it to the repository's URL prefix if they are)\n");
                    o.push_str(&format!("  # base_url: {}\n", yaml_str(&base)));
                }
                if !dir.is_empty() {
                    o.push_str(
                        "  # the directory local links point into (orphaned runbooks there\n",
                    );
                    o.push_str("  # are reported)\n");
                    o.push_str(&format!("  dir: {}\n", yaml_str(&dir)));
                }
                o.push_str("  required: false\n\n");
            }
            None => {
                o.push_str("# No runbook annotation found on alerts.\n");
                o.push_str("# runbooks: {annotation: runbook_url, required: true}\n\n");
            }
        }
    }

    o.push_str("# Datasources dashboards name by uid, with their plugin type (used to\n");
    o.push_str("# decide a query's language where a panel names only the uid).\n");
    if f.datasources.is_empty() {
        o.push_str("dashboards:\n  datasources: {}\n\n");
    } else {
        o.push_str("dashboards:\n  datasources:\n");
        for (uid, t) in &f.datasources {
            o.push_str(&format!("    {}: {}\n", yaml_str(uid), yaml_str(t)));
        }
        o.push('\n');
    }
    o.push_str("# Turn rules off or change their severity, for all files or some paths:\n");
    o.push_str("# rules:\n#   rate-interval: {severity: info}\n");
    o.push_str("# overrides:\n#   - paths: [\"legacy/**\"]\n#     rules: {runbook-link: {enabled: false}}\n");
    o
}

/// What was found, for the terminal.
pub fn report(f: &Findings) -> String {
    let mut o = String::new();
    o.push_str(&format!(
        "found {} rule files ({} alerts) and {} dashboards\n",
        f.rule_files, f.alerts, f.dashboards
    ));
    o.push_str(&format!("profile: {}\n", profile(f)));
    o.push_str(&format!("target: {}\n", target(f)));
    if let Some((label, values)) = severity(f) {
        let vs: Vec<String> = values.iter().map(|(v, n)| format!("{v} ({n})")).collect();
        o.push_str(&format!("severity label `{label}`: {}\n", vs.join(", ")));
    }
    if let Some((key, n, base, dir)) = runbooks(f) {
        o.push_str(&format!("runbook annotation `{key}` on {n} alerts"));
        if !base.is_empty() {
            o.push_str(&format!(", URLs under {base}"));
        }
        if !dir.is_empty() {
            o.push_str(&format!(", files under {dir}/"));
        }
        o.push('\n');
    }
    if !f.datasources.is_empty() {
        o.push_str(&format!("dashboard datasources: {}\n", f.datasources.len()));
    }
    for (rel, why) in &f.templates {
        o.push_str(&format!("excluded {rel}: {why}\n"));
    }
    for v in &f.vendored {
        o.push_str(&format!("excluded {v}: vendored\n"));
    }
    o
}
