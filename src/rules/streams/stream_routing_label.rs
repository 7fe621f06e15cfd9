//! Every line an Alloy pipeline writes to Loki carries the policy's routing
//! label (`log_stream`) with a static value naming its stream.

use crate::syntax::alloy::Config;
use std::collections::BTreeSet;

use crate::rules::{Ctx, Rule};
use crate::source::suggest::closest;
use crate::source::Span;

use crate::analysis::alloy_flow::{self, Route};
use crate::analysis::streams::{class_of, list_names, policy_streams, StreamClass};

crate::declare_rule! {
    pub struct StreamRoutingLabel {
        code: "OL304",
        name: "stream-routing-label",
        family: Streams,
        severity: Error,
        fix: None,
        summary: "Alloy pipelines whose lines reach Loki without a static routing label naming their stream",
    }
}

impl Rule for StreamRoutingLabel {
    fn check_alloy(&self, cx: &mut Ctx<'_>, cfg: &Config) {
        // a partial parse would show pipelines with pieces missing
        if !cfg.errors.is_empty() {
            return;
        }
        let policy = cx.policy;
        let routing = policy.streams.routing_label.as_str();
        if routing.is_empty() {
            return;
        }
        let names: Vec<&str> = policy_streams(policy).into_iter().map(|(n, _)| n).collect();
        let components = cfg.components();
        let mut seen: BTreeSet<(Span, String)> = BTreeSet::new();
        for a in alloy_flow::analyze(cfg, routing) {
            let writer = a.writer.id();
            let key = |at: &Span, w: &str| (at.clone(), w.to_string());
            match &a.route {
                Route::Unset { at, dropped: false } => {
                    if !seen.insert(key(at, &writer)) {
                        continue;
                    }
                    let source = components
                        .iter()
                        .find(|b| {
                            let h = b.header_span();
                            h.start == at.start && h.end == at.end
                        })
                        .map(|b| b.id())
                        .unwrap_or_else(|| "this source".into());
                    cx.report(
                        &META,
                        at.clone(),
                        format!("lines from `{source}` reach `{writer}` without a `{routing}` label"),
                    )
                    .label(format!("no `{routing}` on the way to `{writer}`"))
                    .help(format!(
                        "set the stream in a `loki.process` on the way: `stage.static_labels {{ values = {{ {routing} = \"...\" }} }}` with one of {}",
                        list_names(&names)
                    ));
                }
                Route::Unset { at, dropped: true } => {
                    if !seen.insert(key(at, &writer)) {
                        continue;
                    }
                    cx.report(
                        &META,
                        at.clone(),
                        format!("`{routing}` is removed here, so lines reach `{writer}` without it"),
                    )
                    .label(format!("removes `{routing}`"))
                    .help(format!(
                        "keep the routing label: take `{routing}` off the drop list, or add it to the keep list"
                    ));
                }
                Route::Dynamic { at } => {
                    if !seen.insert(key(at, "")) {
                        continue;
                    }
                    cx.report(
                        &META,
                        at.clone(),
                        format!(
                            "`{routing}` is set from run-time data here: which stream these lines are, and so where they may go, cannot be checked"
                        ),
                    )
                    .label("not a static value")
                    .help(format!(
                        "give each stream its own pipeline and set `{routing}` with `stage.static_labels` to one of {}",
                        list_names(&names)
                    ));
                }
                Route::Static { value, at } => {
                    if class_of(policy, value) != StreamClass::Other || !seen.insert(key(at, "")) {
                        continue;
                    }
                    // other applications' streams are fine; a near miss is a typo
                    let Some(near) = closest(value, names.iter().copied()) else {
                        continue;
                    };
                    cx.report(
                        &META,
                        at.clone(),
                        format!("`{routing}` value `{value}` names no stream of the policy"),
                    )
                    .label("unknown stream")
                    .help(format!("did you mean `{near}`?"));
                }
            }
        }
    }
}
