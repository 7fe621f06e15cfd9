//! Variable references: every `$var`, `${var}` and `[[var]]` in the
//! strings of a dashboard, and the names it defines.

use std::collections::BTreeSet;

use crate::syntax::grafana_vars::{self};
use crate::syntax::json::{self, Kind, Node};

use super::*;

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Walk {
    /// Under `description` or a text panel's `content`: uses, not strict.
    pub(super) loose: bool,
}

/// Collect variable references in every string of the dashboard, except
/// places that are not interpolated (`__inputs`, `__requires`,
/// `__elements`, a variable's `current` and `options` values).
pub(super) fn collect_refs(
    text: &str,
    n: &Node,
    w: Walk,
    out: &mut Vec<RefSite>,
    all_vars: &mut bool,
    depth: usize,
) {
    if depth > json::MAX_DEPTH {
        return;
    }
    match &n.kind {
        Kind::Str(s) => {
            if !s.contains('$') && !s.contains("[[") {
                return;
            }
            // one offset map per string, shared by all its references
            let mut map: Option<Vec<(usize, usize)>> = None;
            for r in grafana_vars::scan(s) {
                if r.name == "__all_variables" {
                    *all_vars = true;
                }
                // `$1` back references, and `\$` escaped in a regex
                let escaped =
                    r.span.start > 0 && s.as_bytes().get(r.span.start - 1) == Some(&b'\\');
                if r.is_numeric() || escaped {
                    continue;
                }
                out.push(RefSite {
                    name: r.name.clone(),
                    span: json::sub_span_in(
                        map.get_or_insert_with(|| json::string_offsets(text, &n.span, s.len())),
                        &n.span,
                        s,
                        r.span.clone(),
                    ),
                    strict: !w.loose,
                    repeat: false,
                });
            }
        }
        Kind::Array(items) => {
            for i in items {
                collect_refs(text, i, w, out, all_vars, depth + 1);
            }
        }
        Kind::Object(members) => {
            let is_variable_value = |m: &json::Member| {
                (m.key == "current" && m.value.get("value").is_some())
                    || (m.key == "options"
                        && m.value
                            .items()
                            .iter()
                            .any(|o| o.get("selected").is_some() || o.get("value").is_some()))
            };
            for m in members {
                match m.key.as_str() {
                    "__inputs" | "__requires" | "__elements" => continue,
                    _ if is_variable_value(m) => continue,
                    "repeat" => {
                        // classic: `repeat: "name"`; v2: `repeat: {mode, value}`
                        let name_node = match &m.value.kind {
                            Kind::Str(_) => Some(&m.value),
                            Kind::Object(_) => m.value.get("value"),
                            _ => None,
                        };
                        if let Some(t) = name_node.and_then(Text::from_node) {
                            if !t.value.is_empty() {
                                let name = t
                                    .value
                                    .trim_start_matches('$')
                                    .trim_start_matches('{')
                                    .trim_end_matches('}')
                                    .to_string();
                                out.push(RefSite {
                                    span: t.inner_span(text),
                                    name,
                                    strict: true,
                                    repeat: true,
                                });
                            }
                        }
                        continue;
                    }
                    _ => {}
                }
                let loose = w.loose || matches!(m.key.as_str(), "description" | "content");
                collect_refs(text, &m.value, Walk { loose }, out, all_vars, depth + 1);
            }
        }
        _ => {}
    }
}

/// The names a dashboard defines: its variables and `__inputs`.
pub fn defined_names(d: &Dashboard) -> BTreeSet<String> {
    let mut s: BTreeSet<String> = d
        .variables
        .iter()
        .filter_map(|v| v.name.as_ref().map(|n| n.value.clone()))
        .collect();
    s.extend(d.inputs.keys().cloned());
    s
}
