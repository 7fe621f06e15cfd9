//! Prometheus HTTP API: instant queries (`/api/v1/query`) and label values
//! (`/api/v1/label/<name>/values`), answers read as documented:
//! `{"status":"success","data":{"resultType":"vector","result":[...]}}` or
//! `{"status":"error","errorType":"bad_data","error":"1:5: parse error: ..."}`.

use super::answer::{read, QueryShape, Strings};
use super::http::Client;
use super::{Fetched, QueryData};

pub struct Prometheus {
    pub client: Client,
}

/// Seconds as the API takes them (`1700000000.5`).
pub fn time_param(t: f64) -> String {
    let s = format!("{t:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Prometheus {
    /// Evaluate `query` at `time` (Unix seconds); `timeout` is passed on so
    /// Prometheus gives up at the same moment as the client.
    pub fn query(&self, query: &str, time: f64, timeout_s: u64) -> Fetched<QueryData> {
        let time = time_param(time);
        let timeout = format!("{timeout_s}s");
        let reply = self.client.get(
            "/api/v1/query",
            &[("query", query), ("time", &time), ("timeout", &timeout)],
            &[],
        );
        read(reply, QueryShape::data)
    }

    /// Values of `label` on the series `selector` matches between `start`
    /// and `end` (what Grafana's `label_values(selector, label)` runs).
    pub fn label_values(
        &self,
        selector: Option<&str>,
        label: &str,
        start: f64,
        end: f64,
    ) -> Fetched<Vec<String>> {
        let path = format!("/api/v1/label/{}/values", encode_segment(label));
        let (start, end) = (time_param(start), time_param(end));
        let mut params = vec![("start", start.as_str()), ("end", end.as_str())];
        if let Some(s) = selector {
            params.push(("match[]", s));
        }
        let reply = self.client.get(&path, &params, &[]);
        read(reply, |s: Strings| s.0)
    }
}

/// Label names are `[a-zA-Z_][a-zA-Z0-9_]*`; anything else is percent-encoded.
pub fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where a Prometheus parse error says it is: `1:50: parse error: ...`
/// (1-based line and byte column in the query), as a byte offset.
pub fn error_offset(message: &str, query: &str) -> Option<usize> {
    let at = message.find(": parse error")?;
    let head = message.get(..at)?;
    let pos = head
        .rsplit(|c: char| !(c.is_ascii_digit() || c == ':'))
        .next()?;
    let (line, col) = pos.split_once(':')?;
    let line: usize = line.parse().ok()?;
    let col: usize = col.parse().ok()?;
    let line_start = if line <= 1 {
        0
    } else {
        query
            .match_indices('\n')
            .nth(line - 2)
            .map(|(i, _)| i + 1)?
    };
    let off = line_start + col.checked_sub(1)?;
    (off <= query.len()).then_some(off)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_positions() {
        let q = "sum(x) offsett 5m";
        let m = "invalid parameter \"query\": 1:8: parse error: unexpected identifier \"offsett\"";
        assert_eq!(error_offset(m, q), Some(7));
        let q2 = "a\n  and b c";
        assert_eq!(
            error_offset("2:9: parse error: unexpected identifier \"c\"", q2),
            Some(10)
        );
        assert_eq!(error_offset("many-to-many matching not allowed", q), None);
        assert_eq!(error_offset("1:99: parse error: x", q), None);
    }

    #[test]
    fn times_and_segments() {
        assert_eq!(time_param(1700000000.0), "1700000000");
        assert_eq!(time_param(1700000000.25), "1700000000.25");
        assert_eq!(encode_segment("cluster"), "cluster");
        assert_eq!(encode_segment("a/b"), "a%2Fb");
    }
}
