//! The one reader of backend answers. Prometheus and Loki share the API
//! envelope: `{"status":"success","data":...}` on success,
//! `{"status":"error","errorType":"bad_data","error":"..."}` (Prometheus) or
//! plain text / `{"message":...}` (Loki) on failure. The body is parsed as a
//! stream into the few fields used (a query answer's series are counted,
//! never built), so an answer costs its bytes and not a JSON tree on top.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde_json::Value;

use super::http::{first_line, Body, Reply};
use super::{Failure, Fetched, QueryData};

#[derive(serde::Deserialize)]
struct Envelope<D> {
    #[serde(default)]
    status: Option<String>,
    #[serde(default = "none")]
    data: Option<D>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

fn none<D>() -> Option<D> {
    None
}

impl<D> Envelope<D> {
    /// The error text the backend gave, if any.
    fn error_text(&self) -> Option<String> {
        match (&self.error, &self.error_type) {
            (Some(e), Some(t)) if !t.is_empty() => Some(format!("{e} ({t})")),
            (Some(e), _) => Some(e.clone()),
            (None, _) => self.message.clone(),
        }
    }
}

/// The `data` of a query answer: its result type and how many elements
/// `result` has (counted while parsing).
#[derive(serde::Deserialize)]
pub struct QueryShape {
    #[serde(default, rename = "resultType")]
    result_type: String,
    result: Count,
}

impl QueryShape {
    pub fn data(self) -> QueryData {
        let series = match self.result_type.as_str() {
            "scalar" | "string" => 1,
            _ => self.result.0,
        };
        QueryData {
            result_type: self.result_type,
            series,
        }
    }
}

/// The length of a JSON array, its elements skipped.
struct Count(usize);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<De: Deserializer<'de>>(d: De) -> Result<Count, De::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Count, A::Error> {
                let mut n = 0;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Count(n))
            }
        }
        d.deserialize_seq(V)
    }
}

/// The strings of a label-values answer (other elements skipped).
pub struct Strings(pub Vec<String>);

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<De: Deserializer<'de>>(d: De) -> Result<Strings, De::Error> {
        let v: Vec<Value> = Deserialize::deserialize(d)?;
        Ok(Strings(
            v.into_iter()
                .filter_map(|x| match x {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect(),
        ))
    }
}

/// Why a body could not be read as the envelope.
fn json_reason(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Data => "not the documented shape",
        serde_json::error::Category::Eof => "cut short",
        _ => "not valid JSON",
    };
    format!("the answer is {what} ({e})")
}

/// Turn a reply into data of type `D` (the `data` member of a success
/// answer) or a failure: the same for both backends.
pub fn read<D, T>(reply: Reply, data: impl FnOnce(D) -> T) -> Fetched<T>
where
    D: de::DeserializeOwned,
{
    let (status, body, attempts) = match reply {
        Reply::Answer {
            status,
            body,
            attempts,
        } => (status, body, attempts),
        Reply::Failed { message, attempts } => {
            return Fetched {
                result: Err(Failure::Transport(message)),
                attempts,
            }
        }
        Reply::NotSent { reason } => {
            return Fetched {
                result: Err(Failure::NotSent(reason)),
                attempts: 0,
            }
        }
    };
    let result = if (200..300).contains(&status) {
        match serde_json::from_reader::<_, Envelope<D>>(body.reader()) {
            Ok(Envelope {
                status: Some(s),
                data: Some(d),
                ..
            }) if s == "success" => Ok(data(d)),
            Ok(env) if env.status.as_deref() == Some("success") => Err(Failure::Backend {
                status: Some(status),
                message: "the answer is not the documented `data` shape (no `data`)".into(),
            }),
            Ok(env) => Err(super::error_status(
                status,
                env.error_text()
                    .unwrap_or_else(|| "the answer's `status` is not `success`".into()),
            )),
            Err(e) => Err(super::error_status(status, bad_body(&e, &body))),
        }
    } else {
        let message = serde_json::from_reader::<_, Envelope<IgnoredAny>>(body.reader())
            .ok()
            .and_then(|env| env.error_text())
            .unwrap_or_else(|| first_line(&body));
        Err(super::error_status(status, message))
    };
    Fetched { result, attempts }
}

/// The message for a success status whose body is not the envelope.
fn bad_body(e: &serde_json::Error, body: &Body) -> String {
    if body.is_empty() {
        return "the answer is empty".into();
    }
    format!("{}: {}", json_reason(e), first_line(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Reply {
        Reply::Answer {
            status,
            body: Body::from_bytes(body.as_bytes()),
            attempts: 1,
        }
    }

    #[test]
    fn success_answers_are_counted_not_built() {
        let r = read(
            answer(
                200,
                r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{}},{"metric":{}}]}}"#,
            ),
            QueryShape::data,
        );
        assert_eq!(r.result.unwrap().series, 2);
        let r = read(
            answer(200, r#"{"status":"success","data":["a",1,"b"]}"#),
            |s: Strings| s.0,
        );
        assert_eq!(r.result.unwrap(), vec!["a".to_string(), "b".into()]);
    }

    #[test]
    fn errors_say_why() {
        let r = read(
            answer(
                400,
                r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error"}"#,
            ),
            QueryShape::data,
        );
        assert_eq!(
            r.result.unwrap_err().message(),
            "1:5: parse error (bad_data)"
        );
        let r = read(answer(200, "<html>nope"), QueryShape::data);
        let m = r.result.unwrap_err().message();
        assert!(
            m.contains("not valid JSON") && m.contains("<html>nope"),
            "{m}"
        );
        let deep = "[".repeat(100_000);
        let r = read(answer(200, &deep), QueryShape::data);
        let m = r.result.unwrap_err().message();
        assert!(m.len() < 1000, "{m}");
        let r = read(
            answer(500, "parse error at line 1, col 3: x\nmore"),
            QueryShape::data,
        );
        assert_eq!(
            r.result.unwrap_err().message(),
            "HTTP 500: parse error at line 1, col 3: x … (36 bytes in all)"
        );
    }
}
