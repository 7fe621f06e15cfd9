//! Panels sit inside Grafana's 24-column grid and do not overlap.

use crate::artifact::dashboard::Dashboard;
use crate::artifact::dashboard::GridItem;
use crate::rules::{Ctx, Rule};
use crate::source::Span;

crate::declare_rule! {
    pub struct PanelGrid {
        code: "OL712",
        name: "panel-grid",
        family: Dashboards,
        severity: Warning,
        fix: None,
        summary: "A panel outside the 24-column grid, without a size, or overlapping another",
    }
}

const COLUMNS: i64 = 24;

fn field(g: &GridItem, i: usize) -> Span {
    g.field_spans
        .get(i)
        .cloned()
        .flatten()
        .unwrap_or_else(|| g.span.clone())
}

/// Two panels that start on the same grid row and claim the same columns:
/// Grafana keeps one and pushes the other below it, so the panels written
/// side by side end up stacked. (Panels that start lower inside another
/// panel's rows are stacked by Grafana in the order of their `y`, which is
/// how generated dashboards are often laid out on purpose.)
fn collide(a: &GridItem, b: &GridItem) -> bool {
    a.y == b.y && a.x < b.x.saturating_add(b.w) && b.x < a.x.saturating_add(a.w)
}

fn is_row(d: &crate::artifact::dashboard::Dashboard, g: &GridItem) -> bool {
    g.panel
        .and_then(|i| d.panels.get(i))
        .is_some_and(|p| p.is_row)
}

impl Rule for PanelGrid {
    fn check_dashboard(&self, cx: &mut Ctx<'_>, d: &Dashboard) {
        let file = cx.file.clone();
        let name = |g: &GridItem| {
            g.panel
                .and_then(|i| d.panels.get(i))
                .map(|p| p.describe())
                .unwrap_or_else(|| "layout item".into())
        };
        let mut sound = vec![true; d.grid.len()];
        for (i, g) in d.grid.iter().enumerate() {
            let problem = if let Some((at, why)) = &g.odd {
                Some((
                    *at,
                    format!("{}: {why}; Grafana needs whole grid units", name(g)),
                ))
            } else if g.w < 1 {
                Some((
                    2,
                    format!("{} has width {}; it needs at least 1 column", name(g), g.w),
                ))
            } else if g.h < 1 {
                Some((
                    3,
                    format!("{} has height {}; it needs at least 1 row", name(g), g.h),
                ))
            } else if g.x < 0 || g.y < 0 {
                let at = if g.x < 0 { 0 } else { 1 };
                Some((
                    at,
                    format!("{} has a negative position (x={}, y={})", name(g), g.x, g.y),
                ))
            } else if g.x.saturating_add(g.w) > COLUMNS {
                let at = if g.w > COLUMNS { 2 } else { 0 };
                Some((
                    at,
                    format!(
                        "{} ends at column {} (x={}, w={}), past column {COLUMNS}",
                        name(g),
                        g.x.saturating_add(g.w),
                        g.x,
                        g.w
                    ),
                ))
            } else {
                None
            };
            if let Some((at, msg)) = problem {
                sound[i] = false;
                cx.report(&META, field(g, at), msg)
                    .label("outside the grid")
                    .help("Grafana's grid has 24 columns: keep `x >= 0`, `w >= 1`, `h >= 1` and `x + w <= 24`; Grafana otherwise moves or resizes the panel on load");
            }
        }
        // Two sound items collide when they share a row `y` and a column:
        // per (group, y), the first item occupying each of the 24 columns
        // gives the first earlier item `b` collides with in constant time
        // (comparing every pair was quadratic in the panel count).
        let mut first_in: std::collections::HashMap<(usize, i64), [usize; COLUMNS as usize]> =
            std::collections::HashMap::new();
        for (i, b) in d.grid.iter().enumerate() {
            if !sound[i] || is_row(d, b) {
                continue;
            }
            let cols = (b.x.clamp(0, COLUMNS) as usize)
                ..(b.x.saturating_add(b.w).clamp(0, COLUMNS) as usize);
            let row = first_in
                .entry((b.group, b.y))
                .or_insert([usize::MAX; COLUMNS as usize]);
            let first = cols
                .clone()
                .map(|c| row[c])
                .min()
                .filter(|&j| j != usize::MAX);
            for c in cols {
                if row[c] == usize::MAX {
                    row[c] = i;
                }
            }
            let hit = first.map(|j| (j, &d.grid[j]));
            debug_assert!(hit.is_none_or(|(_, a)| collide(a, b)));
            if let Some((_, a)) = hit {
                cx.report(
                    &META,
                    b.span.clone(),
                    format!(
                        "{} (x={}, y={}, w={}, h={}) overlaps {} (x={}, y={}, w={}, h={})",
                        name(b),
                        b.x,
                        b.y,
                        b.w,
                        b.h,
                        name(a),
                        a.x,
                        a.y,
                        a.w,
                        a.h
                    ),
                )
                .label("overlapping position")
                .related(&file, a.span.clone(), "overlapped panel")
                .help("move one of the panels; Grafana pushes overlapping panels down on load, so the saved layout is not what users see");
            }
        }
    }
}
