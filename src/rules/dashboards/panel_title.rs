//! Every panel that shows data has a title.

use crate::artifact::dashboard::Dashboard;
use crate::rules::{Ctx, Rule};
use crate::source::Span;

crate::declare_rule! {
    pub struct PanelTitle {
        code: "OL713",
        name: "panel-title",
        family: Dashboards,
        severity: Warning,
        fix: None,
        summary: "A panel without a title",
    }
}

/// Panel types that are decoration or structure rather than data.
const EXEMPT: &[&str] = &["row", "text", "news", "welcome", "gettingstarted"];

impl Rule for PanelTitle {
    fn check_dashboard(&self, cx: &mut Ctx<'_>, d: &Dashboard) {
        for p in &d.panels {
            if p.is_row || EXEMPT.contains(&p.kind_str()) || p.library.is_some() {
                continue;
            }
            // The only panel of a titled row is named by its row.
            let sole_in_row = p.section != 0
                && p.row.as_ref().is_some_and(|r| !r.trim().is_empty())
                && d.panels
                    .iter()
                    .filter(|o| !o.is_row && o.section == p.section)
                    .count()
                    == 1;
            if sole_in_row {
                continue;
            }
            let (span, msg) = match &p.title {
                Some(t) if !t.value.trim().is_empty() => continue,
                Some(t) => (t.span.clone(), "panel title is empty".to_string()),
                None => (
                    p.kind
                        .as_ref()
                        .map(|k| k.span.clone())
                        .unwrap_or_else(|| Span::new(p.span.start, p.span.start + 1)),
                    format!(
                        "{} panel has no title",
                        Some(p.kind_str())
                            .filter(|k| !k.is_empty())
                            .unwrap_or("untyped")
                    ),
                ),
            };
            let what = match &p.id {
                Some(id) => format!("{msg} (panel id {})", id.value),
                None => msg,
            };
            cx.report(&META, span, what)
                .label("untitled panel")
                .help("name what the panel shows, e.g. \"Request rate by cluster\"; titles are what people search, link and read in alert annotations");
        }
    }
}
