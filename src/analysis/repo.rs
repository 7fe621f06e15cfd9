//! The repository as rules see it: [`RepoIndex`].
//!
//! Rules never touch the file system. What they need to know about the
//! repository beyond the file being checked (which runbooks exist, the
//! contracts and the metric catalogue built from them, the Alloy files
//! beside a configuration, what `generated/` holds) comes from one index
//! the engine builds once per run and hands to every rule. Every read it
//! makes goes through the guarded reader ([`crate::source::guard`]): regular
//! files only, size-limited, no link leaving the repository (none at all
//! under `contracts/`, runbooks and `generated/`). Each part is read the
//! first time a rule asks for it and then kept for the rest of the run, so
//! every rule of a run sees the same repository, and a run that needs no
//! part reads nothing.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::analysis::semantics::Catalog;
use crate::contracts::generate::{self, Drift, Outputs};
use crate::contracts::{self, ContractSource, Contracts, LoadError, Typed};
use crate::policy::Policy;
use crate::source::guard::{self, Guard, Links};
use crate::source::walk::{self, DEFAULT_MAX_FILE_BYTES};
use crate::syntax::alloy;

/// The `*.alloy` files of one directory, each with the component ids it
/// defines.
type AlloyDir = Arc<Vec<(String, Vec<String>)>>;

/// Read-only facts about the repository at one root, for the rules.
pub struct RepoIndex {
    root: PathBuf,
    /// `runbooks.dir`, normalised (empty: no runbook directory).
    runbooks_dir: String,
    prefixes: Vec<String>,
    recording_namespace: String,
    contracts: OnceLock<(Vec<ContractSource>, Vec<LoadError>)>,
    catalog: OnceLock<Arc<Catalog>>,
    /// The runbooks, and the symbolic link that stopped the listing.
    runbooks: OnceLock<(Vec<String>, Option<String>)>,
    /// Memo of path questions: (is a file, is a directory).
    paths: Mutex<HashMap<String, (bool, bool)>>,
    /// Per directory, its Alloy files.
    alloy: Mutex<HashMap<String, AlloyDir>>,
}

impl RepoIndex {
    /// The index of the repository at `root` under `policy` (nothing is
    /// read yet).
    pub fn new(root: &Path, policy: &Policy) -> RepoIndex {
        RepoIndex {
            root: root.to_path_buf(),
            runbooks_dir: crate::source::normalize_rel(&policy.runbooks.dir).unwrap_or_default(),
            // contract expressions are analysed with `${source}` replaced by
            // this placeholder: their metrics are known under it too
            prefixes: policy
                .source_prefix
                .prefixes
                .iter()
                .cloned()
                .chain([contracts::SOURCE_PLACEHOLDER.to_string()])
                .collect(),
            recording_namespace: policy.source_prefix.recording_namespace.clone(),
            contracts: OnceLock::new(),
            catalog: OnceLock::new(),
            runbooks: OnceLock::new(),
            paths: Mutex::new(HashMap::new()),
            alloy: Mutex::new(HashMap::new()),
        }
    }

    /// The path of the repository file `rel` (for the findings' file
    /// names; rules do not read it).
    pub fn path_of(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// The contract files under `contracts/` (sorted) and why others did
    /// not load.
    pub fn contract_sources(&self) -> &(Vec<ContractSource>, Vec<LoadError>) {
        self.contracts
            .get_or_init(|| contracts::read_sources(&self.root))
    }

    /// The contracts, typed, for generation; every problem listed when any
    /// does not load.
    pub fn contracts(&self) -> Result<Contracts, Vec<LoadError>> {
        let (sources, errors) = self.contract_sources();
        contracts::assemble(sources, errors)
    }

    /// The metric catalogue of the metrics contracts (query semantics).
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog
            .get_or_init(|| {
                let metrics: Vec<_> = self
                    .contract_sources()
                    .0
                    .iter()
                    .filter_map(|s| match &s.doc.typed {
                        Some(Typed::Metrics(m)) => Some(m),
                        _ => None,
                    })
                    .collect();
                Arc::new(Catalog::from_contracts(
                    &metrics,
                    &self.prefixes,
                    &self.recording_namespace,
                ))
            })
            .clone()
    }

    /// The Markdown files under the policy's runbook directory
    /// (repository-relative, sorted); none when there is no directory or
    /// the way there passes through a symbolic link.
    pub fn runbooks(&self) -> &[String] {
        &self.runbooks_listing().0
    }

    /// The symbolic link on the way to the runbook directory, if any (then
    /// [`Self::runbooks`] lists nothing).
    pub fn runbooks_link(&self) -> Option<&str> {
        self.runbooks_listing().1.as_deref()
    }

    fn runbooks_listing(&self) -> &(Vec<String>, Option<String>) {
        self.runbooks.get_or_init(|| {
            let dir = &self.runbooks_dir;
            if dir.is_empty() {
                return (Vec::new(), None);
            }
            let (files, link) = walk::list_in(&self.root, dir, |p, t| {
                t.is_file() && walk::has_extension(p, &["md"])
            });
            (files.iter().map(|r| format!("{dir}/{r}")).collect(), link)
        })
    }

    /// The first symbolic link on the way to `rel` (inclusive), if any.
    pub fn link_on_path(&self, rel: &str) -> Option<String> {
        guard::link_on_path(&self.root, rel)
    }

    /// The text of the repository file `rel`, through the guarded reader
    /// with no symbolic link followed; `None` when it cannot be read so.
    pub fn read_text(&self, rel: &str) -> Option<String> {
        if guard::link_on_path(&self.root, rel).is_some() {
            return None;
        }
        guard::read_text(
            &self.root.join(rel),
            Guard::new(DEFAULT_MAX_FILE_BYTES, Links::Refuse),
        )
        .ok()
    }

    fn stat(&self, rel: &str) -> (bool, bool) {
        let mut memo = self.paths.lock().unwrap_or_else(|e| e.into_inner());
        *memo.entry(rel.to_string()).or_insert_with(|| {
            let p = self.root.join(rel);
            (p.is_file(), p.is_dir())
        })
    }

    /// Whether `rel` names a file of the repository.
    pub fn is_file(&self, rel: &str) -> bool {
        self.stat(rel).0
    }

    /// Whether `rel` names a directory of the repository.
    pub fn is_dir(&self, rel: &str) -> bool {
        self.stat(rel).1
    }

    /// The component ids the other `*.alloy` files of `rel`'s directory
    /// define (Alloy loads a directory as one configuration).
    pub fn alloy_ids_beside(&self, rel: &str) -> HashSet<String> {
        let (dir, own) = match rel.rfind('/') {
            Some(i) => (rel.get(..i).unwrap_or(""), rel.get(i + 1..).unwrap_or("")),
            None => ("", rel),
        };
        let files = {
            let mut memo = self.alloy.lock().unwrap_or_else(|e| e.into_inner());
            memo.entry(dir.to_string())
                .or_insert_with(|| Arc::new(self.read_alloy_dir(dir)))
                .clone()
        };
        files
            .iter()
            .filter(|(name, _)| name != own)
            .flat_map(|(_, ids)| ids.iter().cloned())
            .collect()
    }

    fn read_alloy_dir(&self, dir: &str) -> Vec<(String, Vec<String>)> {
        let dir = self.root.join(dir);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".alloy") {
                continue;
            }
            let g = Guard::new(DEFAULT_MAX_FILE_BYTES, Links::Within(&self.root));
            let Ok(text) = guard::read_text(&e.path(), g) else {
                continue;
            };
            let ids = alloy::parse(&text)
                .components()
                .iter()
                .map(|b| b.id())
                .collect();
            out.push((name, ids));
        }
        out.sort();
        out
    }

    /// Whether the repository has a `contracts/` directory and a
    /// `generated/` entry (a directory, or a link reported as drift).
    pub fn has_generated(&self) -> bool {
        self.is_dir("contracts")
            && std::fs::symlink_metadata(self.root.join(generate::OUT_DIR))
                .is_ok_and(|m| m.is_dir() || m.file_type().is_symlink())
    }

    /// How `generated/` differs from `outputs` (read through the guarded
    /// reader, links never followed: see [`generate::check`]).
    pub fn generated_drift(&self, outputs: &Outputs) -> Vec<Drift> {
        generate::check(&self.root, outputs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn runbooks_are_the_markdown_files_of_the_policy_directory_read_once() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "docs/runbooks/a.md", "# A\n");
        write(tmp.path(), "docs/runbooks/sub/b.md", "# B\n");
        write(tmp.path(), "docs/runbooks/notes.txt", "x\n");
        write(tmp.path(), "docs/other/c.md", "# C\n");
        let policy = Policy::profile("openbao").unwrap();
        let index = RepoIndex::new(tmp.path(), &policy);
        assert_eq!(
            index.runbooks(),
            ["docs/runbooks/a.md", "docs/runbooks/sub/b.md"]
        );
        // one run sees one repository: a runbook written after the first
        // question is not in this run's answer, nor is a deleted one gone
        write(tmp.path(), "docs/runbooks/late.md", "# Late\n");
        assert!(index.is_file("docs/runbooks/a.md"));
        std::fs::remove_file(tmp.path().join("docs/runbooks/a.md")).unwrap();
        assert_eq!(index.runbooks().len(), 2);
        assert!(index.is_file("docs/runbooks/a.md"));
        // the generic profile has no runbook directory
        let generic = RepoIndex::new(tmp.path(), &Policy::default_policy());
        assert!(generic.runbooks().is_empty());
    }

    #[test]
    fn reads_follow_no_symbolic_link() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "secret.md", "# secret\n");
        write(outside.path(), "runbooks/x.md", "# x\n");
        std::fs::create_dir_all(tmp.path().join("docs")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("runbooks"),
            tmp.path().join("docs/runbooks"),
        )
        .unwrap();
        write(tmp.path(), "notes/real.md", "# real\n");
        std::os::unix::fs::symlink(
            outside.path().join("secret.md"),
            tmp.path().join("notes/link.md"),
        )
        .unwrap();
        let index = RepoIndex::new(tmp.path(), &Policy::profile("openbao").unwrap());
        assert!(
            index.runbooks().is_empty(),
            "a linked runbook directory is not listed"
        );
        assert_eq!(
            index.read_text("notes/real.md").as_deref(),
            Some("# real\n")
        );
        assert_eq!(index.read_text("notes/link.md"), None);
        assert_eq!(index.read_text("docs/runbooks/x.md"), None);
    }

    #[test]
    fn contracts_and_the_catalogue_come_from_the_contracts_directory() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "contracts/metrics/core.yaml",
            "apiVersion: o11ylint.dev/v1\nkind: MetricContract\nmetrics:\n  - name: core_unsealed\n    type: gauge\n    help: 1 when unsealed\n    prefixed: true\n",
        );
        let index = RepoIndex::new(tmp.path(), &Policy::profile("openbao").unwrap());
        let (sources, errors) = index.contract_sources();
        assert_eq!(sources.len(), 1, "{errors:?}");
        assert!(
            Arc::ptr_eq(&index.catalog(), &index.catalog()),
            "built once"
        );
    }

    #[test]
    fn alloy_ids_beside_a_file_leave_the_file_itself_out() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "alloy/a.alloy", "loki.write \"a\" {\n}\n");
        write(tmp.path(), "alloy/b.alloy", "loki.write \"b\" {\n}\n");
        let index = RepoIndex::new(tmp.path(), &Policy::default_policy());
        let ids = index.alloy_ids_beside("alloy/a.alloy");
        assert!(ids.contains("loki.write.b"), "{ids:?}");
        assert!(!ids.contains("loki.write.a"), "{ids:?}");
    }
}
