//! The rules. A rule is one file under `src/rules/<family>/` that declares
//! it once with [`declare_rule!`](crate::declare_rule) and implements the
//! [`Rule`] hooks for what it reads, one page `rules/<name>.md`, one fixture
//! folder `tests/fixtures/<name>/`, and one line in [`registry`]
//! (`make new-rule` writes all of them).

/// Declare a rule once: the unit struct, its `META` (code, name, family,
/// default severity, summary, fix availability, settings, and its page
/// `rules/<name>.md`, included at compile time), and its [`Declared`]
/// impl. A rule whose findings the engine produces says
/// `emitted_by: Engine` and gets an empty [`Rule`] impl; the others
/// implement the hooks they need.
///
/// An example (shown, not compiled as a doctest: the macro includes the
/// rule's page by a path relative to this crate's `src/rules/`):
///
/// ```text
/// crate::declare_rule! {
///     /// Policy-forbidden labels kept as a dimension.
///     pub struct ForbiddenLabel {
///         code: "OL200",
///         name: "forbidden-label",
///         family: Labels,
///         severity: Error,
///         fix: None,
///         summary: "A high-cardinality label the policy forbids, used as a dimension",
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[$attr:meta])*
        pub struct $rule:ident {
            code: $code:literal,
            name: $name:literal,
            family: $family:ident,
            severity: $sev:ident,
            fix: $fix:ident,
            summary: $summary:literal,
            $(settings: $settings:literal,)?
            $(emitted_by: $emitted:ident,)?
        }
    ) => {
        $(#[$attr])*
        pub struct $rule;

        pub static META: $crate::diag::RuleMeta = $crate::diag::RuleMeta {
            code: $code,
            name: $name,
            family: $crate::diag::Family::$family,
            severity: $crate::diag::Severity::$sev,
            summary: $summary,
            fix: $crate::diag::FixAvailability::$fix,
            emitted_by: $crate::declare_rule!(@emitted $($emitted)?),
            settings: $crate::declare_rule!(@settings $($settings)?),
            doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $name, ".md")),
        };

        impl $crate::rules::Declared for $rule {
            fn meta(&self) -> &'static $crate::diag::RuleMeta {
                &META
            }
        }

        $crate::declare_rule!(@engine $rule $($emitted)?);
    };
    (@emitted) => { $crate::diag::EmittedBy::Rule };
    (@emitted $e:ident) => { $crate::diag::EmittedBy::$e };
    (@settings) => { "" };
    (@settings $s:literal) => { $s };
    (@engine $rule:ident) => {};
    (@engine $rule:ident Rule) => {};
    (@engine $rule:ident Engine) => {
        impl $crate::rules::Rule for $rule {}
    };
}

pub mod contracts;
pub mod dashboards;
pub mod hygiene;
pub mod labels;
pub mod meta;
pub mod prefix;
pub mod query;
pub mod runbooks;
pub mod severity;
pub mod streams;
pub mod syntax;

pub use crate::analysis::facts::{
    ContractId, FieldRegexUse, FileFacts, MultilineField, RuleIdentity, SeriesUse,
};
pub use crate::analysis::repo::RepoIndex;
use crate::artifact::contract::ContractArtifact;
use crate::artifact::dashboard::{Dashboard, Panel};
use crate::artifact::query::QueryRef;
use crate::artifact::rule_file::{Group, Rule as RuleDef, RuleFile};
use crate::artifact::Artifact;
use crate::diag::Diagnostic;
pub use crate::diag::{new_diagnostic, EmittedBy, Family, FixAvailability, RuleMeta};
use crate::policy::Policy;
pub use crate::source::normalize_rel;
use crate::source::{FileRef, Span};
use crate::syntax::alloy::Config as AlloyConfig;

/// Everything a rule sees while checking one file.
pub struct Ctx<'a> {
    pub file: &'a FileRef,
    /// Repository-relative path with `/` separators.
    pub rel: &'a str,
    /// The repository beyond this file: rules read it, never the disk.
    pub repo: &'a RepoIndex,
    pub policy: &'a Policy,
    pub diags: Vec<Diagnostic>,
    /// A finding of a rule the policy disables here, built and dropped (so
    /// [`Ctx::report`] can always hand back a builder).
    muted: Option<Diagnostic>,
}

/// The one way a finding is made: `None` where the policy disables `meta`
/// for `rel`, otherwise the finding with the policy's severity for `rel`.
/// [`Ctx::report`], the repository-wide rules, the engine's own findings,
/// suppression findings and the language server all go through it.
pub fn finding(
    policy: &Policy,
    meta: &'static RuleMeta,
    rel: &str,
    file: &FileRef,
    span: Span,
    message: impl Into<String>,
) -> Option<Diagnostic> {
    if !policy.rule_enabled(meta.code, meta.name, rel) {
        return None;
    }
    let severity = policy.rule_severity(meta.code, meta.name, rel, meta.severity);
    Some(new_diagnostic(meta, severity, file, span, message.into()))
}

impl<'a> Ctx<'a> {
    pub fn new(
        file: &'a FileRef,
        rel: &'a str,
        repo: &'a RepoIndex,
        policy: &'a Policy,
    ) -> Ctx<'a> {
        Ctx {
            file,
            rel,
            repo,
            policy,
            diags: Vec::new(),
            muted: None,
        }
    }

    pub fn enabled(&self, meta: &RuleMeta) -> bool {
        self.policy.rule_enabled(meta.code, meta.name, self.rel)
    }

    /// Report a finding of `meta` at `span` in this file, through
    /// [`finding`]: dropped where the policy disables `meta`, with the
    /// policy's severity otherwise.
    pub fn report(
        &mut self,
        meta: &'static RuleMeta,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let message = message.into();
        match finding(
            self.policy,
            meta,
            self.rel,
            self.file,
            span.clone(),
            message.clone(),
        ) {
            Some(d) => {
                self.diags.push(d);
                let last = self.diags.len() - 1;
                &mut self.diags[last]
            }
            None => self.muted.insert(new_diagnostic(
                meta,
                meta.severity,
                self.file,
                span,
                message,
            )),
        }
    }
}

/// Everything a rule sees in the repository-wide phase.
pub struct RepoCtx<'a> {
    /// The repository: rules read it, never the disk.
    pub repo: &'a RepoIndex,
    pub policy: &'a Policy,
    /// Merged facts of every file checked.
    pub facts: &'a FileFacts,
    /// Whether the whole repository was walked (orphan checks need that).
    pub whole_repo: bool,
    pub diags: Vec<Diagnostic>,
}

/// What [`declare_rule!`](crate::declare_rule) gives every rule.
pub trait Declared {
    fn meta(&self) -> &'static RuleMeta;
}

/// A rule's hooks: each is called by the engine with one kind of thing, and
/// does nothing unless the rule implements it, so the hooks a rule
/// implements say what it reads. Phase 1 hooks see one file; `check_repo`
/// runs once on the merged facts of every file.
pub trait Rule: Declared + Sync + Send {
    /// A Prometheus or Loki rule file (plain or PrometheusRule), once.
    fn check_rule_file(&self, _cx: &mut Ctx<'_>, _rf: &RuleFile) {}
    /// Each alerting or recording rule of a rule file.
    fn check_rule(&self, _cx: &mut Ctx<'_>, _group: &Group, _rule: &RuleDef) {}
    /// Each embedded PromQL/LogQL expression, whatever file holds it.
    fn check_query(&self, _cx: &mut Ctx<'_>, _q: &QueryRef<'_>) {}
    /// A Grafana dashboard, once.
    fn check_dashboard(&self, _cx: &mut Ctx<'_>, _d: &Dashboard) {}
    /// Each panel of a dashboard (rows included).
    fn check_panel(&self, _cx: &mut Ctx<'_>, _d: &Dashboard, _p: &Panel) {}
    /// A contract.
    fn check_contract(&self, _cx: &mut Ctx<'_>, _c: &ContractArtifact) {}
    /// An Alloy configuration.
    fn check_alloy(&self, _cx: &mut Ctx<'_>, _cfg: &AlloyConfig) {}
    /// Phase 1, for every rule whether enabled or not: add what the rule's
    /// phase 2 needs to the file's facts (most facts are gathered by
    /// [`crate::analysis::facts::collect`]; this is for facts only one rule
    /// reads).
    fn file_facts(
        &self,
        _artifact: &Artifact,
        _queries: &[QueryRef<'_>],
        _file: &FileRef,
        _policy: &Policy,
        _facts: &mut FileFacts,
    ) {
    }
    /// Phase 2: the repository, on merged facts.
    fn check_repo(&self, _cx: &mut RepoCtx<'_>) {}
}

/// Run every hook of `rule` on one file's artifact (`queries` are its
/// [`Artifact::queries`], computed once per file).
pub fn check_artifact(
    rule: &dyn Rule,
    cx: &mut Ctx<'_>,
    artifact: &Artifact,
    queries: &[QueryRef<'_>],
) {
    match artifact {
        Artifact::Rules(rf) => {
            rule.check_rule_file(cx, rf);
            for (group, r) in rf.rules() {
                rule.check_rule(cx, group, r);
            }
        }
        Artifact::Dashboard(d) => {
            rule.check_dashboard(cx, d);
            for p in &d.panels {
                rule.check_panel(cx, d, p);
            }
        }
        Artifact::Contract(c) => rule.check_contract(cx, c),
        Artifact::Alloy(cfg) => rule.check_alloy(cx, cfg),
        Artifact::Other(_) => {}
    }
    for q in queries {
        rule.check_query(cx, q);
    }
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
        &syntax::promql_syntax::PromqlSyntax,
        &syntax::logql_syntax::LogqlSyntax,
        &syntax::template_syntax::TemplateSyntax,
        &syntax::rule_structure::RuleStructure,
        &syntax::json_syntax::JsonSyntax,
        &syntax::alloy_syntax::AlloySyntax,
        &syntax::alloy_unknown_component::AlloyUnknownComponent,
        &labels::forbidden_label::ForbiddenLabel,
        &streams::stream_separation::StreamSeparation,
        &streams::log_query_in_rule::LogQueryInRule,
        &streams::absent_without_for::AbsentWithoutFor,
        &streams::logql_range_too_long::LogqlRangeTooLong,
        &streams::stream_routing_label::StreamRoutingLabel,
        &streams::multiline_field_regex::MultilineFieldRegex,
        &runbooks::runbook_link::RunbookLink,
        &severity::severity_vocabulary::SeverityVocabulary,
        &prefix::source_prefix::SourcePrefix,
        &hygiene::duplicate_rule::DuplicateRule,
        &hygiene::invalid_duration::InvalidDuration,
        &hygiene::alert_without_condition::AlertWithoutCondition,
        &hygiene::regex_literal_matcher::RegexLiteralMatcher,
        &dashboards::dashboard_identity::DashboardIdentity,
        &dashboards::panel_id_unique::PanelIdUnique,
        &dashboards::panel_grid::PanelGrid,
        &dashboards::panel_title::PanelTitle,
        &dashboards::panel_unit::PanelUnit,
        &dashboards::datasource_language::DatasourceLanguage,
        &dashboards::rate_interval::RateInterval,
        &dashboards::dashboard_variables::DashboardVariables,
        &contracts::unknown_metric::UnknownMetric,
        &contracts::contract_schema::ContractSchema,
        &contracts::duplicate_contract_id::DuplicateContractId,
        &contracts::stream_contract::StreamContract,
        &contracts::dashboard_contract::DashboardContract,
        &contracts::generated_drift::GeneratedDrift,
        &query::template_label_missing::TemplateLabelMissing,
        &query::alert_label_value::AlertLabelValue,
        &query::rate_over_non_counter::RateOverNonCounter,
        &query::counter_raw::CounterRaw,
        &query::histogram_quantile_buckets::HistogramQuantileBuckets,
        &query::vector_matching_missing_label::VectorMatchingMissingLabel,
        &query::query_too_complex::QueryTooComplex,
    ];
    RULES
}

/// The metadata of every rule, in code order (what the policy and the
/// renderers are given).
pub fn catalog() -> &'static [&'static RuleMeta] {
    static CATALOG: std::sync::OnceLock<Vec<&'static RuleMeta>> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| registry().iter().map(|r| r.meta()).collect())
}

/// The table of `rules/README.md` (between its `rules table` markers):
/// every rule with its page, family, default severity, fix and summary, then
/// the link references. `o11ylint rules --markdown` prints it; a test keeps
/// the checked-in copy equal.
pub fn markdown_table() -> String {
    let mut out = String::from("| Code | Rule | Family | Default | Fix | Summary |\n");
    out.push_str("|------|------|--------|---------|-----|---------|\n");
    for m in catalog() {
        out.push_str(&format!(
            "| {} | [{}][] | {} | {} | {} | {} |\n",
            m.code,
            m.name,
            m.family.as_str(),
            m.severity.as_str(),
            m.fix.as_str(),
            m.summary.replace('|', "\\|")
        ));
    }
    out.push('\n');
    for m in catalog() {
        out.push_str(&format!("[{}]: {}.md\n", m.name, m.name));
    }
    out
}

pub fn find(name_or_code: &str) -> Option<&'static dyn Rule> {
    registry()
        .iter()
        .copied()
        .find(|r| r.meta().name == name_or_code || r.meta().code.eq_ignore_ascii_case(name_or_code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

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

    #[test]
    fn a_finding_gets_the_policy_enablement_and_severity_of_its_path() {
        let layer = "rules:\n  panel-title: {severity: error}\noverrides:\n  - paths: [\"legacy/**\"]\n    rules: {panel-title: {enabled: false}}\n";
        let policy = Policy::load(&[("o11ylint.yaml".into(), layer.into())], catalog()).unwrap();
        let file = crate::source::SourceFile::new(
            "a.json".to_string(),
            std::path::PathBuf::from("a.json"),
            String::new(),
        );
        let m = &dashboards::panel_title::META;
        let here = finding(&policy, m, "a.json", &file, Span::empty(0), "x");
        assert_eq!(here.map(|d| d.severity), Some(crate::diag::Severity::Error));
        assert!(finding(&policy, m, "legacy/a.json", &file, Span::empty(0), "x").is_none());
        // a rule's own report goes the same way
        let repo = RepoIndex::new(Path::new("."), &policy);
        let mut cx = Ctx::new(&file, "legacy/a.json", &repo, &policy);
        cx.report(m, Span::empty(0), "x").help("dropped");
        assert!(cx.diags.is_empty());
    }

    #[test]
    fn each_code_starts_with_its_family_digit_and_the_registry_is_in_code_order() {
        for m in catalog() {
            assert_eq!(
                m.code.chars().nth(2),
                Some(m.family.digit()),
                "{} ({}) is in family {}, whose codes are OL{}xx",
                m.name,
                m.code,
                m.family.as_str(),
                m.family.digit()
            );
        }
        let codes: Vec<&str> = catalog().iter().map(|m| m.code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted, "registry() lists rules in code order");
    }

    #[test]
    fn the_rules_readme_table_is_the_generated_one() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/README.md");
        let text = std::fs::read_to_string(path).unwrap();
        let start = "<!-- rules table: generated by `o11ylint rules --markdown` (a test compares); do not edit -->\n";
        let end = "<!-- end of rules table -->";
        let (Some(a), Some(b)) = (text.find(start), text.find(end)) else {
            panic!("rules/README.md lost its table markers");
        };
        assert!(
            text[a + start.len()..b] == markdown_table(),
            "rules/README.md's table is out of date: replace it with the output of `o11ylint rules --markdown`"
        );
    }
}
