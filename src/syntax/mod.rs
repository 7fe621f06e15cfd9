//! Parsers that keep positions: YAML, PromQL (adapter over `promql-parser`),
//! LogQL (ours), Alloy, durations, Go templates, Grafana variables, and
//! validation of YAML against the JSON Schemas we ship.

pub mod alloy;
pub mod duration;
pub mod foreign_template;
pub mod gotemplate;
pub mod grafana_vars;
pub mod json;
pub mod logql;
pub mod metricsql;
pub mod promql;
pub mod re2;
pub mod schema;
pub mod yaml;

/// How many bytes (estimated) each per-run memo of analyses may hold before
/// it starts again: the PromQL analyses here and the query semantics in
/// `analysis`. A run of `check` keeps every distinct expression (128 MiB:
/// the whole shared corpus, dashboards included, needs about 40); the
/// language server, alive for a whole session of edits, sets a smaller one.
static MEMO_BUDGET: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(128 << 20);

pub fn memo_budget() -> usize {
    MEMO_BUDGET.load(std::sync::atomic::Ordering::Relaxed)
}

pub fn set_memo_budget(bytes: usize) {
    MEMO_BUDGET.store(bytes, std::sync::atomic::Ordering::Relaxed);
}

/// A memo's contents and an estimate of their bytes, within
/// [`memo_budget`]: an entry that would pass it starts the memo again.
#[derive(Default)]
pub struct Budgeted<T> {
    pub contents: T,
    bytes: usize,
}

impl<T: Default> Budgeted<T> {
    /// Room for an entry of `size` estimated bytes: the contents to insert
    /// it into, emptied first when it would not fit.
    pub fn make_room(&mut self, size: usize) -> &mut T {
        if self.bytes + size > memo_budget() {
            *self = Budgeted::default();
        }
        self.bytes += size;
        &mut self.contents
    }
}

/// A lazily computed value (a string's offset map) that a model carries
/// along: computed on first use, then shared by every later lookup, so N
/// findings in one string cost O(N + length) instead of O(N x length). It
/// takes no part in comparisons.
#[derive(Debug, Clone, Default)]
pub struct Lazy<T>(std::sync::OnceLock<T>);

impl<T> Lazy<T> {
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        self.0.get_or_init(f)
    }
}

impl<T> PartialEq for Lazy<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> Eq for Lazy<T> {}
