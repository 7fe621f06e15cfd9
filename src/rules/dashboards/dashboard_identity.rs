//! Every dashboard has a stable uid and a title.

use crate::artifact::dashboard::Dashboard;
use crate::artifact::dashboard::Form;
use crate::rules::{Ctx, Rule};
use crate::source::Span;

crate::declare_rule! {
    pub struct DashboardIdentity {
        code: "OL710",
        name: "dashboard-identity",
        family: Dashboards,
        severity: Warning,
        fix: None,
        summary: "A dashboard without a uid or title, or with a uid Grafana refuses",
    }
}

/// Grafana's limit on dashboard uids.
const MAX_UID_LEN: usize = 40;

impl Rule for DashboardIdentity {
    fn check_dashboard(&self, cx: &mut Ctx<'_>, d: &Dashboard) {
        let opening = Span::new(d.body.start, d.body.start + 1);
        let resource = matches!(d.form, Form::Resource(_));
        match &d.uid {
            None => {
                let key = if resource { "metadata.name" } else { "uid" };
                cx.report(&META, opening.clone(), format!("dashboard has no `{key}`"))
                    .label("dashboard without a uid")
                    .help("set a fixed `uid` (e.g. `openbao-overview`): without one Grafana makes up a new uid on every import, breaking links and creating duplicates");
            }
            Some(uid) if uid.value.trim().is_empty() => {
                cx.report(&META, uid.span.clone(), "dashboard uid is empty")
                    .label("empty uid")
                    .help("set a fixed, meaningful `uid` such as `openbao-overview`");
            }
            Some(uid) if !resource && uid.value.chars().count() > MAX_UID_LEN => {
                cx.report(
                    &META,
                    uid.span.clone(),
                    format!(
                        "dashboard uid is {} characters long; Grafana accepts at most {MAX_UID_LEN}",
                        uid.value.chars().count()
                    ),
                )
                .label("too long")
                .help("shorten the uid; Grafana rejects the dashboard on save and import");
            }
            Some(uid)
                if !resource
                    && !uid
                        .value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                cx.report(
                    &META,
                    uid.span.clone(),
                    format!(
                        "dashboard uid `{}` has characters Grafana refuses",
                        uid.value
                    ),
                )
                .label("only letters, digits, `-` and `_`")
                .help("use letters, digits, `-` and `_` only");
            }
            Some(_) => {}
        }
        match &d.title {
            None => {
                cx.report(&META, opening, "dashboard has no `title`")
                    .label("dashboard without a title")
                    .help("Grafana refuses to save a dashboard without a title; give it one, e.g. `OpenBao / Overview`");
            }
            Some(t) if t.value.trim().is_empty() => {
                cx.report(&META, t.span.clone(), "dashboard title is empty")
                    .label("empty title")
                    .help("Grafana refuses to save a dashboard without a title");
            }
            Some(_) => {}
        }
    }
}
