//! The rule registry. A rule is one file under `src/rules/<family>/`, one page
//! `rules/<name>.md`, one fixture folder `tests/fixtures/<name>/`, and one
//! line in [`registry`].

pub mod contracts;
pub mod facts;
pub mod hygiene;
pub mod labels;
pub mod meta;
pub mod prefix;
pub mod runbooks;
pub mod severity;
pub mod streams;
pub mod syntax;

use std::collections::BTreeSet;
use std::path::Path;

use crate::artifact::Artifact;
use crate::diag::Diagnostic;
pub use crate::diag::{new_diagnostic, Family, RuleMeta};
use crate::policy::Policy;
use crate::source::{FileRef, Span};

/// A series name read somewhere, checked against what is defined in phase 2.
#[derive(Debug, Clone)]
pub struct SeriesUse {
    pub name: String,
    pub file: FileRef,
    pub span: Span,
}

/// A contract id (metric name, alert name, stream id, dashboard uid) and
/// where it is declared.
#[derive(Debug, Clone)]
pub struct ContractId {
    pub kind: &'static str,
    pub id: String,
    pub file: FileRef,
    pub span: Span,
}

/// Facts a file contributes to repository-wide checks.
#[derive(Debug, Default, Clone)]
pub struct FileFacts {
    /// Runbook files linked from alerts (rule files and alert contracts),
    /// repository-relative with `/`.
    pub runbooks_linked: BTreeSet<String>,
    /// Series that exist: metrics-contract names (raw, for every source
    /// prefix), recording rules of contracts and rule files.
    pub series_defined: BTreeSet<String>,
    /// Whether a metrics contract was seen (cross-checks on series run only then).
    pub has_metrics_contract: bool,
    /// Series read by dashboards and contract alerts, checked in phase 2.
    pub series_used: Vec<SeriesUse>,
    /// Contract ids with their declarations (duplicates across files).
    pub contract_ids: Vec<ContractId>,
}

impl FileFacts {
    pub fn merge(&mut self, other: FileFacts) {
        self.runbooks_linked.extend(other.runbooks_linked);
        self.series_defined.extend(other.series_defined);
        self.has_metrics_contract |= other.has_metrics_contract;
        self.series_used.extend(other.series_used);
        self.contract_ids.extend(other.contract_ids);
    }
}

/// Everything a rule sees while checking one file.
pub struct Ctx<'a> {
    pub file: &'a FileRef,
    /// Repository-relative path with `/` separators.
    pub rel: &'a str,
    pub root: &'a Path,
    pub policy: &'a Policy,
    pub diags: Vec<Diagnostic>,
    pub facts: FileFacts,
}

impl<'a> Ctx<'a> {
    pub fn new(file: &'a FileRef, rel: &'a str, root: &'a Path, policy: &'a Policy) -> Ctx<'a> {
        Ctx {
            file,
            rel,
            root,
            policy,
            diags: Vec::new(),
            facts: FileFacts::default(),
        }
    }

    pub fn enabled(&self, meta: &RuleMeta) -> bool {
        self.policy.rule_enabled(meta.code, meta.name, self.rel)
    }

    /// Report a finding of `meta` at `span` in this file.
    pub fn report(
        &mut self,
        meta: &'static RuleMeta,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let severity = self
            .policy
            .rule_severity(meta.code, meta.name, self.rel, meta.severity);
        self.diags.push(new_diagnostic(
            meta,
            severity,
            self.file,
            span,
            message.into(),
        ));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }
}

/// Everything a rule sees in the repository-wide phase.
pub struct RepoCtx<'a> {
    pub root: &'a Path,
    pub policy: &'a Policy,
    /// Merged facts of every file checked.
    pub facts: &'a FileFacts,
    /// Whether the whole repository was walked (orphan checks need that).
    pub whole_repo: bool,
    pub diags: Vec<Diagnostic>,
}

pub trait Rule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
    /// Phase 1: one file.
    fn check(&self, _cx: &mut Ctx<'_>, _artifact: &Artifact) {}
    /// Phase 2: the repository, on merged facts.
    fn check_repo(&self, _cx: &mut RepoCtx<'_>) {}
}

/// Every rule, in code order.
pub fn registry() -> &'static [&'static dyn Rule] {
    static RULES: &[&dyn Rule] = &[
        &meta::unused_suppression::UnusedSuppression,
        &meta::suppression_without_reason::SuppressionWithoutReason,
        &meta::unreadable_file::UnreadableFile,
        &meta::internal_error::InternalError,
        &meta::complexity_budget::ComplexityBudget,
        &syntax::yaml_syntax::YamlSyntax,
        &syntax::json_syntax::JsonSyntax,
        &syntax::alloy_syntax::AlloySyntax,
        &syntax::alloy_unknown_component::AlloyUnknownComponent,
        &syntax::promql_syntax::PromqlSyntax,
        &syntax::logql_syntax::LogqlSyntax,
        &syntax::template_syntax::TemplateSyntax,
        &syntax::rule_structure::RuleStructure,
        &labels::forbidden_label::ForbiddenLabel,
        &streams::stream_separation::StreamSeparation,
        &streams::log_query_in_rule::LogQueryInRule,
        &streams::absent_without_for::AbsentWithoutFor,
        &streams::logql_range_too_long::LogqlRangeTooLong,
        &streams::stream_routing_label::StreamRoutingLabel,
        &runbooks::runbook_link::RunbookLink,
        &severity::severity_vocabulary::SeverityVocabulary,
        &prefix::source_prefix::SourcePrefix,
        &hygiene::duplicate_rule::DuplicateRule,
        &hygiene::invalid_duration::InvalidDuration,
        &hygiene::alert_without_condition::AlertWithoutCondition,
        &hygiene::dashboard_identity::DashboardIdentity,
        &hygiene::panel_id_unique::PanelIdUnique,
        &hygiene::panel_grid::PanelGrid,
        &hygiene::panel_title::PanelTitle,
        &hygiene::panel_unit::PanelUnit,
        &hygiene::datasource_language::DatasourceLanguage,
        &hygiene::rate_interval::RateInterval,
        &hygiene::dashboard_variables::DashboardVariables,
        &hygiene::regex_literal_matcher::RegexLiteralMatcher,
        &contracts::contract_schema::ContractSchema,
        &contracts::duplicate_contract_id::DuplicateContractId,
        &contracts::stream_contract::StreamContract,
        &contracts::dashboard_contract::DashboardContract,
        &contracts::generated_drift::GeneratedDrift,
        &contracts::unknown_metric::UnknownMetric,
    ];
    RULES
}

/// The metadata of every rule, in code order (what the policy and the
/// renderers are given).
pub fn catalog() -> &'static [&'static RuleMeta] {
    static CATALOG: std::sync::OnceLock<Vec<&'static RuleMeta>> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| registry().iter().map(|r| r.meta()).collect())
}

pub fn find(name_or_code: &str) -> Option<&'static dyn Rule> {
    registry()
        .iter()
        .copied()
        .find(|r| r.meta().name == name_or_code || r.meta().code.eq_ignore_ascii_case(name_or_code))
}

/// Normalise a repository-relative path (`a/./b/../c` -> `a/c`); `None` when
/// it escapes the root.
pub fn normalize_rel(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = BTreeSet::new();
        let mut names = BTreeSet::new();
        for r in registry() {
            let m = r.meta();
            assert!(codes.insert(m.code), "duplicate code {}", m.code);
            assert!(names.insert(m.name), "duplicate name {}", m.name);
            assert!(m.code.len() == 5 && m.code.starts_with("OL"), "{}", m.code);
            assert!(
                m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                m.name
            );
            assert!(
                m.doc.starts_with(&format!("# {} ({})", m.name, m.code)),
                "page title of {}",
                m.name
            );
            assert_eq!(find(m.name).map(|f| f.meta().code), Some(m.code));
            assert_eq!(
                find(&m.code.to_lowercase()).map(|f| f.meta().name),
                Some(m.name)
            );
        }
    }
}
