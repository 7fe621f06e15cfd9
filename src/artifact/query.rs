//! One view of every embedded PromQL and LogQL expression, whatever file it
//! sits in: rule files (alerts, recording rules; plain or inside a
//! PrometheusRule), contracts, and dashboard targets and variables.
//!
//! A rule about queries iterates [`Artifact::queries`](super::Artifact::queries)
//! and gets one [`QueryRef`] per expression: its language, its parse (done
//! once, when the artifact was built), who owns it, and a span map from
//! ranges of the parsed text back to exact file spans (through YAML escapes,
//! JSON strings and Grafana variable interpolation).

use std::ops::Range;

use super::contract::{ContractExpr, ExprRole};
use super::dashboard::{Panel, Query, Target, Variable};
use super::rule_file::{Group, Rule};
use super::Scalar;
use crate::source::Span;
use crate::syntax::grafana_vars::VarRef;
use crate::syntax::{logql, promql};

/// The query language of an expression (and so the backend that runs it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lang {
    PromQL,
    LogQL,
}

impl Lang {
    /// "PromQL", "LogQL".
    pub fn name(self) -> &'static str {
        match self {
            Lang::PromQL => "PromQL",
            Lang::LogQL => "LogQL",
        }
    }

    /// The backend that answers queries in this language: "Prometheus",
    /// "Loki".
    pub fn backend(self) -> &'static str {
        match self {
            Lang::PromQL => "Prometheus",
            Lang::LogQL => "Loki",
        }
    }
}

/// An expression parsed in its language.
#[derive(Debug)]
pub enum Parsed {
    Prom(Result<promql::Analysis, promql::PromError>),
    Loki(Result<logql::Expr, logql::ParseError>),
}

impl Parsed {
    pub fn lang(&self) -> Lang {
        match self {
            Parsed::Prom(_) => Lang::PromQL,
            Parsed::Loki(_) => Lang::LogQL,
        }
    }

    pub fn prom(&self) -> Option<&promql::Analysis> {
        match self {
            Parsed::Prom(Ok(a)) => Some(a),
            _ => None,
        }
    }

    pub fn loki(&self) -> Option<&logql::Expr> {
        match self {
            Parsed::Loki(Ok(e)) => Some(e),
            _ => None,
        }
    }
}

/// Who an expression belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    /// The `expr` of an alerting rule in a rule file.
    Alert { group: &'a Group, rule: &'a Rule },
    /// The `expr` of a recording rule in a rule file.
    Recording { group: &'a Group, rule: &'a Rule },
    /// A dashboard panel target (`panel: None`: an annotation).
    Target {
        panel: Option<&'a Panel>,
        target: &'a Target,
    },
    /// A dashboard query variable.
    Variable(&'a Variable),
    /// An expression in a contract, by its place there.
    Contract(ExprRole),
}

impl Owner<'_> {
    /// For messages: `panel "Requests" (query A)`, `annotation`,
    /// `variable `$job``, `alert `X``, `recording rule `x:y``, `contract
    /// alert 2`.
    pub fn describe(&self) -> String {
        match self {
            Owner::Target { panel, target } => {
                let q = target
                    .ref_id
                    .as_ref()
                    .map(|r| format!(" (query {})", r.value))
                    .unwrap_or_default();
                match panel {
                    Some(p) => format!("{}{q}", p.describe()),
                    None => format!("annotation{q}"),
                }
            }
            Owner::Variable(v) => match &v.name {
                Some(n) if !n.value.is_empty() => format!("variable `${}`", n.value),
                _ => "unnamed variable".into(),
            },
            Owner::Alert { rule, .. } => match &rule.alert {
                Some(n) => format!("alert `{}`", n.value),
                None => "alert".into(),
            },
            Owner::Recording { rule, .. } => match &rule.record {
                Some(n) => format!("recording rule `{}`", n.value),
                None => "recording rule".into(),
            },
            Owner::Contract(role) => match role {
                ExprRole::Alert { alert } => format!("contract alert {}", alert + 1),
                ExprRole::Recording { metric, recording } => {
                    format!("contract metric {} recording {}", metric + 1, recording + 1)
                }
                ExprRole::PanelTarget { panel, target } => {
                    format!("contract panel {} target {}", panel + 1, target + 1)
                }
                ExprRole::Variable { variable } => format!("contract variable {}", variable + 1),
            },
        }
    }

    /// Whether the expression lives in a dashboard (target or variable).
    pub fn in_dashboard(&self) -> bool {
        matches!(self, Owner::Target { .. } | Owner::Variable(_))
    }
}

/// Where the parsed text sits in the file.
#[derive(Debug, Clone, Copy)]
enum Place<'a> {
    /// `scalar.value[range]` of a YAML scalar (rule files, contracts).
    Scalar {
        scalar: &'a Scalar,
        range: (usize, usize),
    },
    /// A dashboard JSON string, after variable interpolation.
    Dashboard(&'a Query),
}

/// One embedded expression: language, parse, owner and span map.
#[derive(Debug, Clone, Copy)]
pub struct QueryRef<'a> {
    pub lang: Lang,
    pub parsed: &'a Parsed,
    pub owner: Owner<'a>,
    place: Place<'a>,
}

impl<'a> QueryRef<'a> {
    /// A rule file's expression.
    pub fn rule(group: &'a Group, rule: &'a Rule) -> Option<QueryRef<'a>> {
        let expr = rule.expr.as_ref()?;
        let owner = if rule.is_alert() {
            Owner::Alert { group, rule }
        } else {
            Owner::Recording { group, rule }
        };
        Some(QueryRef {
            lang: expr.parsed.lang(),
            parsed: &expr.parsed,
            owner,
            place: Place::Scalar {
                scalar: &expr.scalar,
                range: (0, expr.scalar.value.len()),
            },
        })
    }

    /// A contract's expression.
    pub fn contract(e: &'a ContractExpr) -> QueryRef<'a> {
        QueryRef {
            lang: e.parsed.lang(),
            parsed: &e.parsed,
            owner: Owner::Contract(e.role),
            place: Place::Scalar {
                scalar: &e.scalar,
                range: (e.range.start, e.range.end),
            },
        }
    }

    /// A dashboard target's or variable's query.
    pub fn dashboard(q: &'a Query, owner: Owner<'a>) -> QueryRef<'a> {
        QueryRef {
            lang: q.lang,
            parsed: &q.parsed,
            owner,
            place: Place::Dashboard(q),
        }
    }

    /// The text the parser saw (for dashboards, after interpolation; for
    /// contracts, `${source}` and Grafana macros were replaced by
    /// placeholders of the same length before parsing).
    pub fn text(&self) -> &'a str {
        match self.place {
            Place::Scalar { scalar, range } => scalar.value.get(range.0..range.1).unwrap_or(""),
            Place::Dashboard(q) => q.expr_text(),
        }
    }

    /// The file span of `r`, a byte range of [`Self::text`]; `file_text` is
    /// the text of the file the artifact came from.
    pub fn span(&self, file_text: &str, r: Range<usize>) -> Span {
        match self.place {
            Place::Scalar { scalar, range } => {
                scalar.sub_span(file_text, r.start + range.0..r.end + range.0)
            }
            Place::Dashboard(q) => q.span(file_text, r),
        }
    }

    /// The file span of the whole expression.
    pub fn whole_span(&self, file_text: &str) -> Span {
        self.span(file_text, 0..self.text().len())
    }

    /// The dashboard variable whose substituted value covers `r` of
    /// [`Self::text`] (never for YAML hosts).
    pub fn var_at(&self, r: &Range<usize>) -> Option<&'a VarRef> {
        match self.place {
            Place::Dashboard(q) => q.var_at(r),
            Place::Scalar { .. } => None,
        }
    }

    /// " (from `$var`)" when `r` came from a dashboard variable, else "".
    pub fn via_variable(&self, r: &Range<usize>) -> String {
        match self.var_at(r) {
            Some(v) => format!(" (from `${}`)", v.name),
            None => String::new(),
        }
    }

    /// The dashboard query behind this view (its datasource facts).
    pub fn dashboard_query(&self) -> Option<&'a Query> {
        match self.place {
            Place::Dashboard(q) => Some(q),
            Place::Scalar { .. } => None,
        }
    }

    /// The YAML scalar holding the expression and the bytes of its value
    /// that were parsed (rule files, contracts).
    pub fn scalar(&self) -> Option<(&'a Scalar, Range<usize>)> {
        match self.place {
            Place::Scalar { scalar, range } => Some((scalar, range.0..range.1)),
            Place::Dashboard(_) => None,
        }
    }

    pub fn describe(&self) -> String {
        self.owner.describe()
    }

    pub fn prom(&self) -> Option<&'a promql::Analysis> {
        self.parsed.prom()
    }

    pub fn loki(&self) -> Option<&'a logql::Expr> {
        self.parsed.loki()
    }
}
