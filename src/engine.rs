//! The two phases: every file in parallel (read once, parse once, run the
//! rules, apply suppressions), then repository-wide checks on merged facts.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::artifact::{self, Artifact};
use crate::diag::{Diagnostic, Prerender, Summary};
use crate::policy::Policy;
use crate::rules::{self, meta, syntax, Ctx, FileFacts, RepoCtx, RepoIndex};
use crate::source::guard::{self, Guard, Links};
use crate::source::walk::{self, ReadError, Walked};
use crate::source::{rel_of, FileRef, RelPaths, SourceFile, Span};
use crate::suppress::inline;
use crate::suppress::report::{apply_suppressions, report_suppressions, Pending};
use crate::suppress::scoped;
use crate::syntax::yaml;

/// Stack of each worker thread (the main thread's default; rayon's own
/// default is 2 MiB).
pub const WORKER_STACK_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Options {
    /// Files or directories to lint.
    pub paths: Vec<PathBuf>,
    /// Repository root: relative paths, runbooks and the policy hang off it.
    pub root: PathBuf,
    pub threads: Option<usize>,
    pub max_file_bytes: u64,
    pub respect_ignore: bool,
    /// Whether repository-wide checks that need every file (orphans) run.
    pub whole_repo: bool,
    /// `check --changed-since`: every file is still linted (its facts feed
    /// the repository-wide rules), but per-file diagnostics are kept only
    /// for these repository-relative paths. Repository-wide diagnostics are
    /// always kept: any change can cause them.
    pub report_only: Option<std::collections::BTreeSet<String>>,
    /// Release each file's text after its first phase: positions are cached
    /// in the findings, and the view that will be printed pre-rendered when
    /// `prerender` is set. Keeps memory flat on large trees.
    pub detach: bool,
    pub prerender: Option<Prerender>,
}

impl Options {
    pub fn new(root: PathBuf, paths: Vec<PathBuf>) -> Options {
        // (the root resolved once: a pre-commit hook names thousands of files)
        let real_root = std::fs::canonicalize(&root).ok();
        let whole_repo = paths.is_empty()
            || paths
                .iter()
                .any(|p| p.is_dir() && std::fs::canonicalize(p).ok() == real_root);
        let paths = if paths.is_empty() {
            vec![root.clone()]
        } else {
            paths
        };
        Options {
            paths,
            root,
            threads: None,
            max_file_bytes: walk::DEFAULT_MAX_FILE_BYTES,
            respect_ignore: true,
            whole_repo,
            report_only: None,
            detach: false,
            prerender: None,
        }
    }
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    /// `--verbose` notes: what each file was recognised as, or why skipped.
    pub notes: Vec<String>,
}

/// What one file produced.
#[derive(Debug, Default)]
pub struct FileResult {
    pub diagnostics: Vec<Diagnostic>,
    pub facts: FileFacts,
    pub note: String,
    pub checked: bool,
    /// The file's inline suppressions, kept until repository-wide findings
    /// have had their chance to match them (then reported if unused).
    pub suppressions: Option<Pending>,
    /// The policy `suppressions` entries a dashboard used.
    pub scoped: scoped::Facts,
}

impl FileResult {
    /// Report unused and reason-less suppressions (call once, last).
    pub fn finish_suppressions(&mut self, policy: &Policy) {
        if let Some(p) = self.suppressions.take() {
            report_suppressions(&p.list, &p.file, &p.rel, policy, &mut self.diagnostics);
        }
    }
}

/// Lint a whole set of paths.
pub fn run(opts: &Options, policy: &Policy) -> Outcome {
    let root_abs = std::fs::canonicalize(&opts.root).unwrap_or_else(|_| opts.root.clone());
    // files named explicitly are linted even when excluded (a set: a
    // pre-commit hook names thousands)
    let named: std::collections::HashSet<&Path> = opts
        .paths
        .iter()
        .filter(|p| p.is_file())
        .map(|p| p.as_path())
        .collect();
    let mut rel_paths = RelPaths::new(&root_abs);
    let (walked, rels): (Vec<Walked>, Vec<String>) = walk::walk(&opts.paths, opts.respect_ignore)
        .into_iter()
        .map(|w| {
            let (Walked::File(p) | Walked::Skipped(p, _) | Walked::Error(p, _)) = &w;
            let rel = rel_paths.rel(p);
            match w {
                Walked::File(p) if policy.is_excluded(&rel) && !named.contains(p.as_path()) => (
                    Walked::Skipped(p, "excluded by the policy's `exclude`".into()),
                    rel,
                ),
                other => (other, rel),
            }
        })
        .unzip();
    // what rules may know of the repository beyond their file, read once
    let index = RepoIndex::new(&root_abs, policy);
    let job = |w: &Walked, rel: &str| -> FileResult {
        match w {
            Walked::File(p) => {
                // a file the user named is read even through a link; a
                // walked one only when the link stays inside the repository
                let links = if named.contains(p.as_path()) {
                    Links::Follow
                } else {
                    Links::Within(&root_abs)
                };
                let g = Guard::new(opts.max_file_bytes, links);
                let mut r = guarded(p, &root_abs, policy, || {
                    lint_read(p, rel, &index, policy, g)
                });
                if opts.detach {
                    detach(&mut r.diagnostics, opts.prerender);
                }
                r
            }
            Walked::Skipped(_, why) => FileResult {
                note: format!("skipped {rel}: {why}"),
                ..Default::default()
            },
            Walked::Error(p, why) => {
                let file = SourceFile::new(rel.to_string(), p.clone(), String::new());
                let message = format!("cannot lint `{rel}`: {why}");
                unreadable(
                    policy,
                    rel,
                    &file,
                    Span::empty(0),
                    message,
                    format!("skipped {rel}: {why}"),
                )
            }
        }
    };
    // Workers get the same stack as the main thread: parsers are bounded by
    // explicit depth budgets, this is the margin behind them.
    let mut pool = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK_BYTES);
    if let Some(n) = opts.threads {
        pool = pool.num_threads(n.max(1));
    }
    let order = largest_first(&walked);
    let mut results: Vec<(usize, FileResult)> = match pool.build() {
        Ok(pool) => pool.install(|| {
            order
                .par_iter()
                .with_max_len(1)
                .map(|&i| (i, job(&walked[i], &rels[i])))
                .collect()
        }),
        Err(_) => order
            .iter()
            .map(|&i| (i, job(&walked[i], &rels[i])))
            .collect(),
    };
    results.sort_unstable_by_key(|(i, _)| *i);
    let results = results.into_iter().map(|(_, r)| r);
    let mut out = Outcome::default();
    let mut facts = FileFacts::default();
    let mut scoped_used = scoped::Facts::default();
    let mut pending: Vec<Pending> = Vec::new();
    for (rel, mut r) in rels.iter().zip(results) {
        if let Some(p) = r.suppressions.take() {
            pending.push(p);
        }
        scoped_used.merge(std::mem::take(&mut r.scoped));
        if let Some(only) = &opts.report_only {
            if !only.contains(rel) {
                facts.merge(r.facts);
                continue;
            }
            r.diagnostics.retain(|d| only.contains(d.file()));
        }
        if r.checked {
            out.summary.files_checked += 1;
        } else {
            out.summary.files_skipped += 1;
        }
        if !r.note.is_empty() {
            out.notes.push(r.note);
        }
        out.diagnostics.extend(r.diagnostics);
        facts.merge(r.facts);
    }
    let mut repo = RepoCtx {
        repo: &index,
        policy,
        facts: &facts,
        whole_repo: opts.whole_repo,
        diags: Vec::new(),
    };
    for rule in rules::registry() {
        let caught =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rule.check_repo(&mut repo)));
        if let Err(panic) = caught {
            let r = internal_error(&root_abs, &root_abs, policy, panic);
            repo.diags.extend(r.diagnostics);
        }
    }
    let mut repo_diags = repo.diags;
    for p in &mut pending {
        let mine: Vec<usize> = (0..repo_diags.len())
            .filter(|&i| repo_diags[i].file() == p.rel)
            .collect();
        for i in mine {
            apply_suppressions(std::slice::from_mut(&mut repo_diags[i]), &mut p.list);
        }
    }
    scoped::finish(
        &mut repo_diags,
        &scoped_used,
        policy,
        &root_abs,
        opts.whole_repo,
    );
    if let Some(only) = &opts.report_only {
        // repository-wide findings stay whatever file they point at: a
        // change anywhere can cause them (deleting the only alert that
        // links a runbook orphans it); suppression findings of unchanged
        // files go
        pending.retain(|p| only.contains(&p.rel));
    }
    out.diagnostics.extend(repo_diags);
    for p in pending {
        report_suppressions(&p.list, &p.file, &p.rel, policy, &mut out.diagnostics);
    }
    finish(&mut out);
    out
}

/// The order to lint `walked` in: largest files first, so that one large
/// file among many small ones does not start last and leave the other
/// threads idle (longest processing time first). Results are put back in
/// walk order afterwards.
fn largest_first(walked: &[Walked]) -> Vec<usize> {
    let size = |w: &Walked| match w {
        Walked::File(p) => std::fs::symlink_metadata(p).map(|m| m.len()).unwrap_or(0),
        Walked::Skipped(..) | Walked::Error(..) => 0,
    };
    let sizes: Vec<u64> = walked.iter().map(size).collect();
    let mut order: Vec<usize> = (0..walked.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
    order
}

/// Run `f` for file `p`; a panic becomes an `internal-error` diagnostic and
/// the run goes on with the other files.
pub fn guarded(
    p: &Path,
    root: &Path,
    policy: &Policy,
    f: impl FnOnce() -> FileResult,
) -> FileResult {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|panic| internal_error(p, root, policy, panic))
}

fn internal_error(
    p: &Path,
    root: &Path,
    policy: &Policy,
    panic: Box<dyn std::any::Any + Send>,
) -> FileResult {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    let rel = rel_of(root, p);
    let file = SourceFile::new(rel.clone(), p.to_path_buf(), String::new());
    let m = &meta::internal_error::META;
    let Some(mut d) = rules::finding(
        policy,
        m,
        &rel,
        &file,
        Span::empty(0),
        format!("internal error while linting `{rel}`: {what}"),
    ) else {
        return FileResult {
            note: format!("failed {rel}: internal error (rule disabled)"),
            ..Default::default()
        };
    };
    d.help("this is a bug in o11ylint; please report it with the file that triggers it");
    FileResult {
        diagnostics: vec![d],
        note: format!("failed {rel}: internal error"),
        checked: false,
        ..Default::default()
    }
}

fn finish(out: &mut Outcome) {
    out.diagnostics.sort_by(|a, b| a.sort_key_cmp(b));
    for d in &out.diagnostics {
        out.summary.count(d);
    }
}

/// Let findings outlive their file's text: cache positions, pre-render the
/// human view if asked, and point them at a text-less copy of the file.
fn detach(diags: &mut [Diagnostic], prerender: Option<Prerender>) {
    let mut copies: Vec<(FileRef, FileRef)> = Vec::new();
    for d in diags.iter_mut() {
        let f = d.primary.file.clone();
        let copy = match copies.iter().find(|(o, _)| std::sync::Arc::ptr_eq(o, &f)) {
            Some((_, c)) => c.clone(),
            None => {
                let c = SourceFile::new(f.display.clone(), f.path.clone(), String::new());
                copies.push((f.clone(), c.clone()));
                c
            }
        };
        d.detach(&f, &copy, prerender);
    }
}

/// A file that cannot be linted: one `unreadable-file` finding (if enabled).
fn unreadable(
    policy: &Policy,
    rel: &str,
    file: &FileRef,
    span: Span,
    message: String,
    note: String,
) -> FileResult {
    let m = &meta::unreadable_file::META;
    let mut r = FileResult {
        note,
        ..Default::default()
    };
    r.diagnostics
        .extend(rules::finding(policy, m, rel, file, span, message));
    r
}

/// Read and lint one file from disk (a repository file: a symbolic link is
/// followed only when its target stays inside `root`).
pub fn lint_path(path: &Path, root: &Path, policy: &Policy, max_bytes: u64) -> FileResult {
    lint_read(
        path,
        &rel_of(root, path),
        &RepoIndex::new(root, policy),
        policy,
        Guard::new(max_bytes, Links::Within(root)),
    )
}

/// Read `path` (shown as `rel`) through the guarded reader, then lint it.
pub fn lint_read(
    path: &Path,
    rel: &str,
    repo: &RepoIndex,
    policy: &Policy,
    g: Guard<'_>,
) -> FileResult {
    let rel = rel.to_string();
    // The valid prefix of a non-UTF-8 file is kept so the position shows.
    let mut prefix = Vec::new();
    let read = guard::read_bytes(path, g).and_then(|bytes| {
        String::from_utf8(bytes).map_err(|e| {
            let valid_up_to = e.utf8_error().valid_up_to();
            prefix = e.into_bytes();
            prefix.truncate(valid_up_to);
            ReadError::NotUtf8 { valid_up_to }
        })
    });
    match read {
        Ok(text) => {
            let file = SourceFile::new(rel.clone(), path.to_path_buf(), text);
            lint_file_in(&file, &rel, repo, policy)
        }
        Err(e) => {
            let (text, span, message) = match e {
                ReadError::TooLarge { .. } => (
                    String::new(),
                    Span::empty(0),
                    format!("`{rel}` is {}; not linted", e.message()),
                ),
                ReadError::NotUtf8 { .. } => {
                    let prefix = String::from_utf8_lossy(&prefix).into_owned();
                    let len = prefix.len();
                    (
                        prefix,
                        Span::empty(len),
                        format!("`{rel}` is {}; not linted", e.message()),
                    )
                }
                other => (
                    String::new(),
                    Span::empty(0),
                    format!("cannot read `{rel}`: {}", other.message()),
                ),
            };
            let file = SourceFile::new(rel.clone(), path.to_path_buf(), text);
            unreadable(
                policy,
                &rel,
                &file,
                span,
                message,
                format!("skipped {rel}: unreadable"),
            )
        }
    }
}

/// Lint text already in memory (files, `--stdin`, the language server, the
/// re-lints of `--fix`) as the file `rel` of the repository whose index
/// `repo` is (built once per run).
pub fn lint_file_in(file: &FileRef, rel: &str, repo: &RepoIndex, policy: &Policy) -> FileResult {
    let mut result = FileResult::default();
    let ext = rel.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let mut docs: Vec<yaml::Node> = Vec::new();
    let mut load_diags = Vec::new();
    let yaml_like = matches!(ext.as_str(), "yaml" | "yml" | "rules" | "rule");
    // a template for another tool (Helm, Jinja, ...) is skipped with its reason
    let template = yaml_like
        .then(|| crate::syntax::foreign_template::detect(&file.text))
        .flatten();
    let artifact = match ext.as_str() {
        _ if template.is_some() => Artifact::Other(template.unwrap_or_default()),
        "yaml" | "yml" | "rules" | "rule" => {
            let parsed = yaml::parse(&file.text);
            let yaml_finding = |span: Span, message: String| {
                rules::finding(policy, &syntax::yaml_syntax::META, rel, file, span, message)
            };
            for e in &parsed.errors {
                if let Some(mut d) =
                    yaml_finding(e.span.clone(), format!("invalid YAML: {}", e.message))
                {
                    d.label(if e.fatal { "here" } else { "duplicate" });
                    load_diags.push(d);
                }
            }
            for e in &parsed.lenient {
                if let Some(mut d) = yaml_finding(e.span.clone(), e.message.clone()) {
                    d.severity = d.severity.min(crate::diag::Severity::Warning);
                    d.label("continued here at the key's indentation");
                    d.help("indent the continuation lines past the key, or use a block scalar (`|` or `>`), so that every YAML parser reads the file");
                    load_diags.push(d);
                }
            }
            docs = parsed.docs;
            let fatal = parsed.errors.iter().any(|e| e.fatal);
            let a = if docs.is_empty() && file.text.trim().is_empty() {
                Artifact::Other("empty file".into())
            } else if fatal && docs.is_empty() {
                Artifact::Other("YAML does not load".into())
            } else {
                artifact::classify_yaml(rel, &file.text, &docs, policy)
            };
            if matches!(ext.as_str(), "rules" | "rule") && !matches!(a, Artifact::Rules(_)) {
                // a `.rules` name is only a hint: udev, IDS and policy-kit
                // rules are not ours to judge
                load_diags.clear();
                docs.clear();
                Artifact::Other(format!(
                    "a `.{ext}` file that is not a Prometheus or Loki rule file"
                ))
            } else {
                a
            }
        }
        "json" => {
            let (a, error) = artifact::classify_json(rel, &file.text, policy);
            if let Some(e) = error {
                load_diags.extend(syntax::json_syntax::diagnostic(&e, file, rel, policy));
            }
            if let Artifact::Dashboard(d) = &a {
                for dup in &d.duplicate_keys {
                    load_diags.extend(syntax::json_syntax::duplicate(dup, file, rel, policy));
                }
            }
            a
        }
        "alloy" => Artifact::Alloy(crate::syntax::alloy::parse(&file.text)),
        _ => Artifact::Other("extension not linted".into()),
    };
    result.checked = !matches!(artifact, Artifact::Other(_));
    result.note = match &artifact {
        Artifact::Other(why) => format!("skipped {rel}: {why}"),
        Artifact::Dashboard(d) => format!("checked {rel}: Grafana dashboard ({})", d.summary()),
        Artifact::Rules(r) => format!(
            "checked {rel}: {} ({})",
            artifact.kind_name(),
            r.backend_reason
        ),
        a => format!("checked {rel}: {}", a.kind_name()),
    };
    // Suppressions need the YAML tree; the rules only need the model. Free
    // the tree before the rules run (a 10,000-rule file's tree is large).
    let mut sups = if docs.is_empty() {
        Vec::new()
    } else {
        inline::parse_yaml(&file.text, &docs)
    };
    drop(docs);
    let mut cx = Ctx::new(file, rel, repo, policy);
    cx.diags = load_diags;
    let queries = artifact.queries();
    if result.checked {
        for rule in rules::registry() {
            if cx.enabled(rule.meta()) {
                rules::check_artifact(*rule, &mut cx, &artifact, &queries);
            }
        }
    }
    let mut diags = std::mem::take(&mut cx.diags);
    // facts whatever is enabled: a disabled rule here must not make another
    // file's finding appear (an orphan runbook, an unknown metric)
    result.facts = crate::analysis::facts::collect(&artifact, &queries, file, policy);
    for rule in rules::registry() {
        rule.file_facts(&artifact, &queries, file, policy, &mut result.facts);
    }
    apply_suppressions(&mut diags, &mut sups);
    if let Artifact::Dashboard(d) = &artifact {
        result.scoped = scoped::apply_file(&mut diags, d, file, policy);
    }
    if !sups.is_empty() {
        result.suppressions = Some(Pending {
            file: file.clone(),
            rel: rel.to_string(),
            list: sups,
        });
    }
    result.diagnostics = diags;
    result
}

/// Lint one in-memory buffer as if it were `rel` under `root` (stdin, editors).
/// A panic becomes an `internal-error` finding under the policy, as for files
/// on disk ([`guarded`]).
pub fn lint_buffer(text: String, rel: &str, root: &Path, policy: &Policy) -> Outcome {
    lint_buffer_in(text, rel, root, &RepoIndex::new(root, policy), policy)
}

/// [`lint_buffer`] with an index of the repository at `root` the caller
/// keeps (the language server, between saves).
pub fn lint_buffer_in(
    text: String,
    rel: &str,
    root: &Path,
    repo: &RepoIndex,
    policy: &Policy,
) -> Outcome {
    let path = root.join(rel);
    let file = SourceFile::new(rel.to_string(), path.clone(), text);
    let mut r = guarded(&path, root, policy, || {
        lint_file_in(&file, rel, repo, policy)
    });
    r.finish_suppressions(policy);
    let mut out = Outcome {
        diagnostics: r.diagnostics,
        ..Default::default()
    };
    if r.checked {
        out.summary.files_checked = 1;
    } else {
        out.summary.files_skipped = 1;
    }
    out.notes.push(r.note);
    finish(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_file_becomes_an_internal_error() {
        let policy = Policy::default_policy();
        let r = guarded(Path::new("x.yaml"), Path::new("."), &policy, || {
            panic!("boom")
        });
        assert_eq!(r.diagnostics.len(), 1);
        assert_eq!(r.diagnostics[0].code, "OL004");
        assert!(r.diagnostics[0].message.contains("boom"));
    }

    #[test]
    fn the_largest_files_are_linted_first_and_reported_in_walk_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut walked = Vec::new();
        for (name, size) in [
            ("a.yaml", 10),
            ("b.yaml", 3000),
            ("c.yaml", 10),
            ("d.yaml", 200),
        ] {
            let p = dir.path().join(name);
            std::fs::write(&p, "#".repeat(size)).unwrap();
            walked.push(Walked::File(p));
        }
        walked.push(Walked::Skipped(dir.path().join("e.txt"), "why".into()));
        std::fs::write(dir.path().join("e.txt"), "x").unwrap();
        // by size, ties in walk order
        assert_eq!(largest_first(&walked), [1, 3, 0, 2, 4]);

        let mut opts = Options::new(dir.path().to_path_buf(), vec![]);
        opts.threads = Some(2);
        let out = run(&opts, &Policy::default_policy());
        let named: Vec<&str> = out
            .notes
            .iter()
            .map(|n| n.split([' ', ':']).nth(1).unwrap_or(""))
            .collect();
        assert_eq!(named, ["a.yaml", "b.yaml", "c.yaml", "d.yaml", "e.txt"]);
    }
}
