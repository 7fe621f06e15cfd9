//! Loki HTTP API: instant metric queries (`/loki/api/v1/query`), log
//! queries over a window (`/loki/api/v1/query_range`) and label values
//! (`/loki/api/v1/label/<name>/values`), every request with the tenant in
//! `X-Scope-OrgID`. Success answers have the documented shape
//! `{"status":"success","data":{"resultType":"vector"|"matrix"|"streams","result":[...]}}`;
//! errors come as plain text (`parse error at line 1, col 36: ...`) or JSON.

use super::answer::{read, QueryShape, Strings};
use super::http::Client;
use super::prometheus::encode_segment;
use super::{Fetched, QueryData};

pub struct Loki {
    pub client: Client,
}

pub const TENANT_HEADER: &str = "X-Scope-OrgID";

/// Unix seconds to the nanoseconds Loki takes.
pub fn nanos(t: f64) -> String {
    let ms = (t * 1000.0).round() as i64;
    format!("{ms}000000")
}

impl Loki {
    /// A metric query evaluated at `time`.
    pub fn instant(&self, query: &str, time: f64, tenant: &str) -> Fetched<QueryData> {
        let time = nanos(time);
        let reply = self.client.get(
            "/loki/api/v1/query",
            &[("query", query), ("time", &time)],
            &[(TENANT_HEADER, tenant)],
        );
        read(reply, QueryShape::data)
    }

    /// A log query over `start..end`, newest line first, at most `limit` lines.
    pub fn range(
        &self,
        query: &str,
        start: f64,
        end: f64,
        limit: u32,
        tenant: &str,
    ) -> Fetched<QueryData> {
        let (start, end) = (nanos(start), nanos(end));
        let limit = limit.to_string();
        let reply = self.client.get(
            "/loki/api/v1/query_range",
            &[
                ("query", query),
                ("start", &start),
                ("end", &end),
                ("limit", &limit),
                ("direction", "backward"),
            ],
            &[(TENANT_HEADER, tenant)],
        );
        read(reply, QueryShape::data)
    }

    /// Values of `label` on the streams `selector` matches.
    pub fn label_values(
        &self,
        selector: Option<&str>,
        label: &str,
        start: f64,
        end: f64,
        tenant: &str,
    ) -> Fetched<Vec<String>> {
        let path = format!("/loki/api/v1/label/{}/values", encode_segment(label));
        let (start, end) = (nanos(start), nanos(end));
        let mut params = vec![("start", start.as_str()), ("end", end.as_str())];
        if let Some(s) = selector {
            params.push(("query", s));
        }
        let reply = self.client.get(&path, &params, &[(TENANT_HEADER, tenant)]);
        read(reply, |s: Strings| s.0)
    }
}

/// Where a Loki parse error says it is (`parse error at line 2, col 7`:
/// 1-based line, 1-based column in characters), as a byte offset.
pub fn error_offset(message: &str, query: &str) -> Option<usize> {
    let at = message.find("at line ")? + "at line ".len();
    let rest = message.get(at..)?;
    let (line, rest) = rest.split_once(',')?;
    let line: usize = line.trim().parse().ok()?;
    let rest = rest.trim_start().strip_prefix("col ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let col: usize = digits.parse().ok()?;
    let line_text_start = if line <= 1 {
        0
    } else {
        query
            .match_indices('\n')
            .nth(line - 2)
            .map(|(i, _)| i + 1)?
    };
    let line_text = query.get(line_text_start..)?;
    let within = match line_text.char_indices().nth(col.checked_sub(1)?) {
        Some((i, _)) => i,
        None if line_text.chars().count() + 1 == col => line_text.len(),
        None => return None,
    };
    Some(line_text_start + within)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loki_error_positions() {
        let q = "{a=\"b\"} | jsn";
        assert_eq!(
            error_offset(
                "parse error at line 1, col 11: syntax error: unexpected IDENTIFIER",
                q
            ),
            Some(10)
        );
        assert_eq!(
            error_offset("parse error at line 2, col 1: x", "a\nb"),
            Some(2)
        );
        assert_eq!(
            error_offset("queries require at least one matcher", q),
            None
        );
    }

    #[test]
    fn nanoseconds() {
        assert_eq!(nanos(1.5), "1500000000");
    }
}
