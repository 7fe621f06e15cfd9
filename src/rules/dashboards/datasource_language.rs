//! A query's language matches its datasource's type.

use crate::artifact::dashboard::Dashboard;
use crate::artifact::query::{Lang, Owner};
use crate::rules::{Ctx, Rule};

crate::declare_rule! {
    pub struct DatasourceLanguage {
        code: "OL715",
        name: "datasource-language",
        family: Dashboards,
        severity: Error,
        fix: None,
        summary: "A dashboard query in another language than its datasource's (LogQL sent to Prometheus)",
    }
}

/// A datasource reference to suggest for `lang`.
fn suggestion(lang: Lang) -> &'static str {
    match lang {
        Lang::LogQL => "{\"type\": \"loki\", \"uid\": \"${logs}\"}",
        Lang::PromQL => "{\"type\": \"prometheus\", \"uid\": \"${metrics}\"}",
    }
}

impl Rule for DatasourceLanguage {
    fn check_dashboard(&self, cx: &mut Ctx<'_>, d: &Dashboard) {
        let file = cx.file.clone();
        for q in d.queries() {
            let Some(actual) = q.dashboard_query().and_then(|dq| dq.other_lang) else {
                continue;
            };
            let ds = match q.owner {
                Owner::Target { target, .. } => &target.datasource,
                Owner::Variable(v) => &v.datasource,
                _ => continue,
            };
            let plugin = ds.plugin().unwrap_or("?");
            let span = q.whole_span(&file.text);
            let diag = cx.report(
                &META,
                span,
                format!(
                    "{} is {}, sent to a `{plugin}` datasource",
                    q.describe(),
                    actual.name()
                ),
            );
            diag.label(format!("{} query", actual.name())).help(format!(
                "the datasource ({}) expects {}; point the query at one of the right type, e.g. `\"datasource\": {}`",
                ds.how,
                q.lang.name(),
                suggestion(actual)
            ));
            if let Some(s) = &ds.span {
                diag.related(&file, s.clone(), "datasource chosen here");
            }
        }
        // A logs panel shows log lines: its queries must go to a log datasource.
        for p in &d.panels {
            if p.kind_str() != "logs" {
                continue;
            }
            for t in &p.targets {
                if t.datasource.lang() != Some(Lang::PromQL) {
                    continue;
                }
                let span = t
                    .datasource
                    .span
                    .clone()
                    .or_else(|| p.datasource.span.clone())
                    .or_else(|| p.kind.as_ref().map(|k| k.span.clone()))
                    .unwrap_or_else(|| t.span.clone());
                cx.report(
                    &META,
                    span,
                    format!(
                        "{} is a logs panel, but its query goes to a `{}` datasource",
                        p.describe(),
                        t.datasource.plugin().unwrap_or("?")
                    ),
                )
                .label("metrics datasource")
                .help(format!(
                    "a metrics datasource ({}) returns no log lines; query a Loki datasource (`\"datasource\": {}`), or use a time series panel for metrics",
                    t.datasource.how,
                    suggestion(Lang::LogQL)
                ));
            }
        }
    }
}
