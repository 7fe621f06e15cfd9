//! The language server's transport: `Content-Length` framing and JSON-RPC
//! on stdin/stdout, written for hostile input (a buffer is anyone's file).
//!
//! - A frame larger than [`MAX_MESSAGE_BYTES`] is never allocated: its body
//!   is skipped in small chunks and answered with `-32600` (a 99999999999999
//!   `Content-Length` used to abort the process).
//! - A body that is not JSON is answered with `-32700 Parse error`, one that
//!   is JSON but not a JSON-RPC message with `-32600 Invalid Request`; the
//!   server goes on (it used to exit and lose every open document).
//! - A header the framing cannot recover from (no or a bad `Content-Length`)
//!   ends the server with a message, as the stream cannot be resynchronised.

use std::io::{BufRead, Read, Write};

use lsp_server::{ErrorCode, Message};

/// Largest message read (a `didOpen` of a 16 MiB file, escaped, fits).
pub const MAX_MESSAGE_BYTES: usize = 48 * 1024 * 1024;

/// Longest header line read.
const MAX_HEADER_LINE: usize = 8 * 1024;

/// What the reader got from one frame.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// Answer this JSON-RPC error and go on.
    Reply(serde_json::Value),
    /// The stream cannot go on (with why), or ended (`None`).
    End(Option<String>),
}

fn error_response(id: Option<serde_json::Value>, code: i32, message: String) -> serde_json::Value {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": id.unwrap_or(serde_json::Value::Null),
        "error": {"code": code, "message": message},
    })
}

/// Read one frame from `r`.
pub fn read(r: &mut impl BufRead) -> Incoming {
    let mut len: Option<usize> = None;
    let mut bad_len: Option<String> = None;
    let mut saw_header = false;
    loop {
        let mut line = Vec::new();
        match r
            .by_ref()
            .take(MAX_HEADER_LINE as u64)
            .read_until(b'\n', &mut line)
        {
            Ok(0) => {
                return Incoming::End(if saw_header {
                    Some("end of input inside a message header".into())
                } else {
                    None
                })
            }
            Ok(_) => {}
            Err(e) => return Incoming::End(Some(format!("cannot read input: {e}"))),
        }
        if !line.ends_with(b"\n") {
            return Incoming::End(Some("header line too long".into()));
        }
        saw_header = true;
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end();
        if text.is_empty() {
            break;
        }
        if let Some((name, value)) = text.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                match value.trim().parse::<u64>() {
                    Ok(n) => len = Some(n.min(usize::MAX as u64) as usize),
                    Err(e) => bad_len = Some(format!("bad Content-Length `{}`: {e}", value.trim())),
                }
            }
        }
    }
    if let Some(why) = bad_len {
        return Incoming::End(Some(why));
    }
    let Some(len) = len else {
        return Incoming::End(Some("message without a Content-Length header".into()));
    };
    if len > MAX_MESSAGE_BYTES {
        // skip the body without keeping it
        let skipped = std::io::copy(&mut r.by_ref().take(len as u64), &mut std::io::sink());
        if !matches!(skipped, Ok(n) if n == len as u64) {
            return Incoming::End(Some(format!(
                "message of {len} bytes is over the {MAX_MESSAGE_BYTES}-byte limit"
            )));
        }
        return Incoming::Reply(error_response(
            None,
            ErrorCode::InvalidRequest as i32,
            format!("message of {len} bytes is over the {MAX_MESSAGE_BYTES}-byte limit; ignored"),
        ));
    }
    let mut body = vec![0u8; len];
    if let Err(e) = r.read_exact(&mut body) {
        return Incoming::End(Some(format!("cannot read a message body: {e}")));
    }
    parse(&body)
}

/// JSON-RPC errors for a body that is not a message.
pub fn parse(body: &[u8]) -> Incoming {
    let value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Incoming::Reply(error_response(
                None,
                ErrorCode::ParseError as i32,
                format!("parse error: {e}"),
            ))
        }
    };
    let id = value
        .get("id")
        .filter(|i| i.is_number() || i.is_string())
        .cloned();
    if !value.is_object() {
        return Incoming::Reply(error_response(
            None,
            ErrorCode::InvalidRequest as i32,
            "invalid request: a message is a JSON object".into(),
        ));
    }
    match serde_json::from_value::<Message>(value) {
        Ok(m) => Incoming::Message(m),
        Err(e) => Incoming::Reply(error_response(
            id,
            ErrorCode::InvalidRequest as i32,
            format!("invalid request: {e}"),
        )),
    }
}

/// Write one message with its frame.
pub fn write(w: &mut impl Write, msg: &Message) -> std::io::Result<()> {
    write_value(w, &serde_json::to_value(msg)?)
}

/// Write one JSON value with its frame.
pub fn write_value(w: &mut impl Write, msg: &serde_json::Value) -> std::io::Result<()> {
    let body = serde_json::to_string(msg)?;
    write!(w, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> Vec<u8> {
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }

    #[test]
    fn malformed_bodies_are_json_rpc_errors() {
        let code = |i: Incoming| match i {
            Incoming::Reply(r) => r["error"]["code"].as_i64().unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(code(read(&mut &frame("{\"id\": 1, ")[..])), -32700);
        assert_eq!(code(read(&mut &frame("[1,2,3]")[..])), -32600);
        assert_eq!(code(read(&mut &frame("{\"foo\": 1}")[..])), -32600);
        assert!(matches!(
            read(&mut &frame(r#"{"jsonrpc":"2.0","method":"exit"}"#)[..]),
            Incoming::Message(_)
        ));
    }

    #[test]
    fn huge_content_length_is_never_allocated() {
        let input = b"Content-Length: 99999999999999\r\n\r\n{}".to_vec();
        assert!(matches!(read(&mut &input[..]), Incoming::End(Some(_))));
        let mut big = format!("Content-Length: {}\r\n\r\n", MAX_MESSAGE_BYTES + 1).into_bytes();
        big.resize(big.len() + MAX_MESSAGE_BYTES + 1, b' ');
        big.extend(frame(r#"{"jsonrpc":"2.0","method":"exit"}"#));
        let mut r = &big[..];
        assert!(matches!(read(&mut r), Incoming::Reply(_)));
        assert!(matches!(read(&mut r), Incoming::Message(_)));
    }
}
