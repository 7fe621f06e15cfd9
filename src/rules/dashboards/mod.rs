//! Dashboard checks called from the rules' `Artifact::Dashboard` arms: the
//! rule files keep the metadata and the rule-file logic, these modules the
//! dashboard side.

pub mod queries;

use crate::artifact::dashboard::{Dashboard, Panel, Query, Target, Variable};

/// Who a query belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    Target(Option<&'a Panel>, &'a Target),
    Variable(&'a Variable),
}

impl Owner<'_> {
    /// "panel \"Requests\" (query A)", "variable `$job`", "annotation".
    pub fn describe(&self) -> String {
        match self {
            Owner::Target(p, t) => {
                let q = t
                    .ref_id
                    .as_ref()
                    .map(|r| format!(" (query {})", r.value))
                    .unwrap_or_default();
                match p {
                    Some(p) => format!("{}{q}", p.describe()),
                    None => format!("annotation{q}"),
                }
            }
            Owner::Variable(v) => match &v.name {
                Some(n) if !n.value.is_empty() => format!("variable `${}`", n.value),
                _ => "unnamed variable".into(),
            },
        }
    }
}

/// Every parsed query of the dashboard: targets, annotations, variables.
pub fn queries(d: &Dashboard) -> Vec<(Owner<'_>, &Query)> {
    let mut out = Vec::new();
    for (p, t) in d.targets() {
        if let Some(q) = &t.query {
            out.push((Owner::Target(p, t), q));
        }
    }
    for v in &d.variables {
        if let Some(q) = &v.query {
            out.push((Owner::Variable(v), q));
        }
    }
    out
}

/// " (the value of `$var`)" when `r` of the query came from a variable.
pub fn via_variable(q: &Query, r: &std::ops::Range<usize>) -> String {
    match q.var_at(r) {
        Some(v) => format!(" (from `{}`)", v.name_display()),
        None => String::new(),
    }
}

/// How a reference is written, for messages.
pub trait RefDisplay {
    fn name_display(&self) -> String;
}

impl RefDisplay for crate::syntax::grafana_vars::VarRef {
    fn name_display(&self) -> String {
        format!("${}", self.name)
    }
}
