//! The language server under hostile input (review cases C1 in the server,
//! C2, C3, P12, H8).

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use super::{bin, repo};

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn read_all(out: &[u8]) -> Vec<Value> {
    let mut r = BufReader::new(out);
    let mut msgs = Vec::new();
    loop {
        let mut len = None;
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap() == 0 {
                return msgs;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = v.parse::<usize>().ok();
            }
        }
        let mut body = vec![0; len.unwrap()];
        r.read_exact(&mut body).unwrap();
        msgs.push(serde_json::from_slice(&body).unwrap());
    }
}

/// Run the server on `input` (all of it, then end of input); its exit code
/// and every message it wrote.
fn session(dir: &std::path::Path, input: Vec<u8>) -> (Option<i32>, Vec<Value>) {
    let o = super::o11ylint_stdin(dir, &["server"], &String::from_utf8(input).unwrap());
    (o.status.code(), read_all(&o.stdout))
}

fn msg(v: Value) -> Vec<u8> {
    frame(&v.to_string())
}

fn init() -> Vec<u8> {
    let mut v = msg(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}),
    );
    v.extend(msg(
        json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    ));
    v
}

fn shutdown_exit() -> Vec<u8> {
    let mut v = msg(json!({"jsonrpc": "2.0", "id": 900, "method": "shutdown"}));
    v.extend(msg(json!({"jsonrpc": "2.0", "method": "exit"})));
    v
}

fn response(msgs: &[Value], id: Value) -> &Value {
    msgs.iter()
        .find(|m| m["id"] == id && m.get("method").is_none())
        .unwrap_or_else(|| panic!("no response {id}: {msgs:#?}"))
}

#[test]
fn c2_huge_content_length_does_not_abort_the_server() {
    let tmp = repo();
    let mut input = init();
    input.extend(b"Content-Length: 99999999999999\r\n\r\n{}");
    let (code, msgs) = session(tmp.path(), input);
    assert_eq!(code, Some(1), "a clean exit with a message, not SIGABRT");
    response(&msgs, json!(1));
}

#[test]
fn c3_malformed_messages_are_json_rpc_errors_and_the_server_goes_on() {
    let tmp = repo();
    let mut input = init();
    input.extend(frame(
        r#"{"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", "params": {"#,
    ));
    input.extend(frame("[1,2,3]"));
    input.extend(frame(r#"{"jsonrpc": "2.0", "id": 7, "bogus": true}"#));
    input.extend(msg(json!({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": "file:///nowhere/x.yaml"}, "position": {"line": 0, "character": 0}}})));
    input.extend(shutdown_exit());
    let (code, msgs) = session(tmp.path(), input);
    let errors: Vec<i64> = msgs
        .iter()
        .filter_map(|m| m["error"]["code"].as_i64())
        .collect();
    assert_eq!(errors, vec![-32700, -32600, -32600], "{msgs:#?}");
    assert_eq!(response(&msgs, json!(7))["error"]["code"], -32600);
    assert_eq!(response(&msgs, json!(2))["result"], Value::Null);
    assert_eq!(code, Some(0));
}

#[test]
fn p12_shutdown_sequence_follows_the_specification() {
    let tmp = repo();
    let mut input = init();
    input.extend(msg(
        json!({"jsonrpc": "2.0", "id": 5, "method": "shutdown"}),
    ));
    input.extend(msg(json!({"jsonrpc": "2.0", "id": 6, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": "file:///x.yaml"}, "position": {"line": 0, "character": 0}}})));
    input.extend(msg(json!({"jsonrpc": "2.0", "method": "exit"})));
    let (code, msgs) = session(tmp.path(), input);
    assert_eq!(response(&msgs, json!(5))["result"], Value::Null);
    assert_eq!(response(&msgs, json!(6))["error"]["code"], -32600);
    assert_eq!(code, Some(0));
    // exit without shutdown: 1
    let mut input = init();
    input.extend(msg(json!({"jsonrpc": "2.0", "method": "exit"})));
    let (code, _) = session(tmp.path(), input);
    assert_eq!(code, Some(1));
}

fn open(uri: &str, text: &str) -> Vec<u8> {
    msg(
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument":
        {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}}),
    )
}

#[test]
fn c1_deep_expression_in_an_editor_buffer_is_one_finding() {
    let tmp = repo();
    let uri = format!("file://{}/deep.yaml", tmp.path().display());
    let n = 40_000;
    let text = format!(
        "groups:\n  - name: g\n    rules:\n      - record: openbao:x:y\n        expr: {}up{}\n",
        "sum(".repeat(n),
        ")".repeat(n)
    );
    let mut input = init();
    input.extend(open(&uri, &text));
    input.extend(shutdown_exit());
    let (code, msgs) = session(tmp.path(), input);
    assert_eq!(code, Some(0));
    let publish = msgs
        .iter()
        .find(|m| m["method"] == "textDocument/publishDiagnostics")
        .expect("diagnostics published");
    let codes: Vec<&Value> = publish["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["code"])
        .collect();
    assert_eq!(codes, vec![&json!("OL005")], "{publish:#}");
}

#[test]
fn h8_quick_edits_are_coalesced_to_the_latest_version() {
    let tmp = repo();
    let uri = format!("file://{}/r.yaml", tmp.path().display());
    let base = "groups:\n  - name: g\n    rules:\n      - record: openbao:x:y\n        expr: sum by (client_ip) (up)\n";
    let mut input = init();
    input.extend(open(&uri, base));
    let edits = 200;
    for v in 2..=edits {
        input.extend(msg(
            json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": v},
            "contentChanges": [{"text": format!("{base}# edit {v}\n")}]}}),
        ));
    }
    input.extend(msg(
        json!({"jsonrpc": "2.0", "id": 3, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": uri}, "position": {"line": 4, "character": 25}}}),
    ));
    input.extend(shutdown_exit());
    let (code, msgs) = session(tmp.path(), input);
    assert_eq!(code, Some(0));
    let publishes: Vec<&Value> = msgs
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .collect();
    let last = publishes.last().expect("published");
    assert_eq!(
        last["params"]["version"],
        json!(edits),
        "latest version linted last"
    );
    assert!(
        publishes.len() < edits as usize / 2,
        "{} publishes for {edits} versions: not coalesced",
        publishes.len()
    );
    // the hover saw the latest text (its finding)
    assert!(response(&msgs, json!(3))["result"]["contents"].is_object());
}

#[test]
fn m4_documents_over_the_size_limit_are_neither_kept_nor_linted() {
    let tmp = repo();
    let uri = format!("file://{}/big.yaml", tmp.path().display());
    // 17 MiB of rules (over the 16 MiB file limit), then a small text
    let rule = "  - name: g\n    rules:\n      - record: openbao:x:y\n        expr: sum by (client_ip) (up)\n";
    let big = format!(
        "groups:\n{}",
        rule.repeat(17 * 1024 * 1024 / rule.len() + 1)
    );
    let mut input = init();
    input.extend(open(&uri, &big));
    input.extend(msg(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "# ranged edit of a dropped text: ignored\n"}]}})));
    input.extend(msg(
        json!({"jsonrpc": "2.0", "id": 5, "method": "textDocument/hover", "params": {
        "textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}}),
    ));
    input.extend(msg(
        json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": uri, "version": 3},
        "contentChanges": [{"text": format!("groups:\n{rule}")}]}}),
    ));
    // a request makes the server lint what changed before it answers
    input.extend(msg(
        json!({"jsonrpc": "2.0", "id": 6, "method": "textDocument/hover", "params": {
        "textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}}),
    ));
    input.extend(shutdown_exit());
    let (code, msgs) = session(tmp.path(), input);
    assert_eq!(code, Some(0));
    let published: Vec<&Value> = msgs
        .iter()
        .filter(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str()
        })
        .collect();
    let first = &published[0]["params"]["diagnostics"];
    assert_eq!(first.as_array().unwrap().len(), 1, "{first:#}");
    assert_eq!(first[0]["code"], "OL003");
    assert!(
        first[0]["message"]
            .as_str()
            .unwrap()
            .contains("over the 16 MiB limit of the language server; it is not linted"),
        "{first:#}"
    );
    // the small text is linted again as usual
    let versions: Vec<&Value> = published.iter().map(|m| &m["params"]["version"]).collect();
    let last = &published.last().unwrap()["params"]["diagnostics"];
    assert!(
        last.as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "OL200"),
        "{versions:?} {last:#}"
    );
    assert!(response(&msgs, json!(5)).get("error").is_none());
}

#[test]
fn case76_case80_case82_case83_odd_requests_are_answered_and_the_server_goes_on() {
    let tmp = repo();
    let uri = format!("file://{}/a.yaml", tmp.path().display());
    let other = format!("file://{}/never-opened.yaml", tmp.path().display());
    let text = "groups:\n  - name: g\n    rules:\n      - record: openbao:x:y # 😀 é\n        expr: sum by (client_ip) (up)\n";
    let mut input = init();
    input.extend(open(&uri, text));
    // #76: parameters of the wrong shape
    input.extend(msg(json!({"jsonrpc": "2.0", "id": 10, "method": "textDocument/codeAction", "params": {"bogus": 1}})));
    // #80: a change and a request for a document never opened
    input.extend(msg(
        json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": other, "version": 2}, "contentChanges": [{"text": "x"}]}}),
    ));
    input.extend(msg(json!({"jsonrpc": "2.0", "id": 11, "method": "textDocument/codeAction", "params": {
        "textDocument": {"uri": other}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}})));
    // #82: positions far past the end, an inverted range, a negative one
    input.extend(msg(json!({"jsonrpc": "2.0", "id": 12, "method": "textDocument/hover", "params": {
        "textDocument": {"uri": uri}, "position": {"line": 1_000_000_000u32, "character": 2_147_483_647u32}}})));
    input.extend(msg(json!({"jsonrpc": "2.0", "id": 13, "method": "textDocument/codeAction", "params": {
        "textDocument": {"uri": uri}, "range": {"start": {"line": 9, "character": 0}, "end": {"line": 1, "character": 0}}, "context": {"diagnostics": []}}})));
    input.extend(msg(
        json!({"jsonrpc": "2.0", "id": 14, "method": "textDocument/hover", "params": {
        "textDocument": {"uri": uri}, "position": {"line": -1, "character": 0}}}),
    ));
    // #83: ranged edits starting inside a surrogate pair, and reversed
    input.extend(msg(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": uri, "version": 3}, "contentChanges": [
            {"range": {"start": {"line": 3, "character": 35}, "end": {"line": 3, "character": 36}}, "text": "x"},
            {"range": {"start": {"line": 4, "character": 9}, "end": {"line": 3, "character": 2}}, "text": "y"}]}})));
    input.extend(msg(
        json!({"jsonrpc": "2.0", "id": 15, "method": "textDocument/hover", "params": {
        "textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}}),
    ));
    input.extend(shutdown_exit());
    let (code, msgs) = session(tmp.path(), input);
    assert_eq!(code, Some(0), "{msgs:#?}");
    assert_eq!(response(&msgs, json!(10))["error"]["code"], -32602);
    assert_eq!(response(&msgs, json!(11))["result"], json!([]));
    assert!(response(&msgs, json!(12)).get("error").is_none());
    assert!(response(&msgs, json!(13)).get("error").is_none());
    assert_eq!(response(&msgs, json!(14))["error"]["code"], -32602);
    assert!(response(&msgs, json!(15)).get("error").is_none());
    let versions: Vec<&Value> = msgs
        .iter()
        .filter(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str()
        })
        .map(|m| &m["params"]["version"])
        .collect();
    assert_eq!(
        versions.last(),
        Some(&&json!(3)),
        "the edited text is linted: {versions:?}"
    );
}

#[test]
fn case77_case79_broken_framing_ends_the_server_with_a_message() {
    let tmp = repo();
    for (input, want) in [
        (
            b"Content-Length: 120\r\n\r\n{\"jsonrpc\":\"2.0\"}".to_vec(),
            "",
        ),
        (b"Content-Length: -5\r\n\r\n{}".to_vec(), ""),
        (b"X-Other: 1\r\n\r\n{}".to_vec(), ""),
    ] {
        let child = Command::new(bin())
            .arg("server")
            .current_dir(tmp.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let o = super::wait_watchdog(child, Some(String::from_utf8(input.clone()).unwrap()));
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(
            err.starts_with("o11ylint server:") && err.contains(want),
            "{err}"
        );
    }
}
