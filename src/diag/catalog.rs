//! The rule catalogue's types: what `o11ylint rules` and `explain` show and
//! what every diagnostic carries. The rules themselves live in
//! `src/rules/`; lower layers are handed the catalogue.

use super::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Meta,
    Syntax,
    Labels,
    Streams,
    Runbooks,
    Severity,
    Prefix,
    Hygiene,
    Dashboards,
    Contracts,
    Query,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Meta => "meta",
            Family::Syntax => "syntax",
            Family::Labels => "labels",
            Family::Streams => "streams",
            Family::Runbooks => "runbooks",
            Family::Severity => "severity",
            Family::Prefix => "prefix",
            Family::Hygiene => "hygiene",
            Family::Dashboards => "dashboards",
            Family::Contracts => "contracts",
            Family::Query => "query",
        }
    }

    /// The first digit of the family's codes (`OL2xx` are labels rules).
    pub fn digit(self) -> char {
        match self {
            Family::Meta => '0',
            Family::Syntax => '1',
            Family::Labels => '2',
            Family::Streams => '3',
            Family::Runbooks => '4',
            Family::Severity => '5',
            Family::Prefix => '6',
            Family::Hygiene => '7',
            Family::Dashboards => '7',
            Family::Contracts => '8',
            Family::Query => '9',
        }
    }
}

/// Whether a rule's findings carry a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    /// Some findings: when the right text is known.
    Sometimes,
    Always,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::Sometimes => "sometimes",
            FixAvailability::Always => "always",
        }
    }
}

/// Who produces a rule's findings: the rule's own hooks, or the engine
/// (parse and read errors, suppressions, internal errors, budgets), in
/// which case the rule is a declaration only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmittedBy {
    Rule,
    Engine,
}

/// What `o11ylint rules` and `explain` show, and what every diagnostic
/// carries.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub family: Family,
    pub severity: Severity,
    pub summary: &'static str,
    pub fix: FixAvailability,
    pub emitted_by: EmittedBy,
    /// The rule's policy settings (`rules.<name>.<key>`), one line each;
    /// empty when it has none beyond `enabled` and `severity`.
    pub settings: &'static str,
    /// The page from `rules/<name>.md`.
    pub doc: &'static str,
}
