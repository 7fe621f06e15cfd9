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
    Contracts,
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
            Family::Contracts => "contracts",
        }
    }
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
    /// The page from `rules/<name>.md`.
    pub doc: &'static str,
}
