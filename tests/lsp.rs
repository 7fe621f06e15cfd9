//! The language server driven as an editor drives it: the binary is spawned
//! with `server`, and this test speaks LSP to it over its stdin/stdout
//! (Content-Length framing, JSON-RPC). Every wait has a timeout and the
//! child is killed on failure, so the test cannot hang.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    pending: Vec<Value>,
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = v.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    fn start(cwd: &Path) -> Client {
        let mut child = Command::new(common::BIN)
            .arg("server")
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn o11ylint server");
        let stdout = child.stdout.take().unwrap();
        let stdin = child.stdin.take();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut r) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            next_id: 1,
            pending: Vec::new(),
        }
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn recv(&mut self) -> Value {
        self.rx
            .recv_timeout(TIMEOUT)
            .expect("no message from the server within the timeout")
    }

    /// Send a request and wait for its response (keeping notifications).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            let msg = self.recv();
            if msg["id"] == json!(id) && msg.get("method").is_none() {
                assert!(msg.get("error").is_none(), "{method} failed: {msg}");
                return msg["result"].clone();
            }
            self.pending.push(msg);
        }
        panic!("no response to {method}");
    }

    /// The next `publishDiagnostics` for `uri` with document version `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let matches = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == json!(version)
        };
        if let Some(i) = self.pending.iter().position(matches) {
            let m = self.pending.remove(i);
            return m["params"]["diagnostics"].as_array().unwrap().clone();
        }
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            let m = self.recv();
            if matches(&m) {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
            self.pending.push(m);
        }
        panic!("no diagnostics for {uri} version {version}");
    }
}

fn file_uri(p: &Path) -> String {
    let mut s = String::from("file://");
    for b in p.to_str().unwrap().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// Apply LSP text edits (UTF-16 positions) to `text`, as an editor would.
fn apply_edits(text: &str, edits: &[Value]) -> String {
    let offset = |pos: &Value| -> usize {
        let line = pos["line"].as_u64().unwrap() as usize;
        let character = pos["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut units = 0;
        for (i, c) in text[start..].char_indices() {
            if units >= character {
                return start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    let mut edits: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (s, e, t) in edits {
        out.replace_range(s..e, &t);
    }
    out
}

const TEXT: &str = "groups:
- name: openbao-core
  rules:
  - alert: OpenBaoSealedUnexpectedly
    # non-ASCII before the finding on its line: é is 2 bytes, 😀 is 2 UTF-16 units
    expr: openbao:core_unsealed:max{note=\"Nœud 😀 scellé\", job=~\"openbao\"} == 0
    for: 2m
    labels:
      severity: critical
    annotations:
      runbook_url: docs/runbooks/sealed-unexpectedly.md
";

#[test]
fn the_server_speaks_lsp_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    common::write(&root, "docs/runbooks/sealed-unexpectedly.md", "# Sealed\n");
    // the repository's policy applies: the rule is re-graded to error
    common::write(
        &root,
        "o11ylint.yaml",
        "version: 1\nrules:\n  regex-literal-matcher: {severity: error}\n",
    );
    let path = root.join("rules/alerts critical.yaml");
    common::write(&root, "rules/alerts critical.yaml", TEXT);
    let uri = file_uri(&path);

    let mut c = Client::start(&root);
    let init = c.request(
        "initialize",
        json!({"processId": null, "rootUri": file_uri(&root), "capabilities": {}}),
    );
    assert_eq!(init["serverInfo"]["name"], "o11ylint");
    let caps = &init["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"]["change"], 1, "full sync");
    assert_eq!(caps["textDocumentSync"]["openClose"], true);
    assert_eq!(caps["hoverProvider"], true);
    assert_eq!(
        caps["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix"])
    );
    c.notify("initialized", json!({}));

    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": TEXT}}),
    );
    let diags = c.diagnostics(&uri, 1);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    // expected range, computed independently: UTF-16 units before `job`
    let line = TEXT.lines().nth(5).unwrap();
    let prefix = &line[..line.find("job=~").unwrap()];
    let start = prefix.encode_utf16().count() as u64;
    assert_ne!(
        start,
        prefix.chars().count() as u64,
        "the line must exercise UTF-16"
    );
    assert_ne!(start, prefix.len() as u64);
    let matcher = "job=~\"openbao\"";
    assert_eq!(
        d["range"],
        json!({"start": {"line": 5, "character": start},
               "end": {"line": 5, "character": start + matcher.len() as u64}})
    );
    assert_eq!(
        d["severity"], 1,
        "error, from the repository's o11ylint.yaml"
    );
    assert_eq!(d["code"], "OL703");
    assert_eq!(d["source"], "o11ylint regex-literal-matcher");
    assert!(d["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/rules/regex-literal-matcher.md"));
    assert!(d["message"]
        .as_str()
        .unwrap()
        .starts_with("`job=~\"openbao\"` is a regex matcher"));

    // code actions on the finding: its fix, and a suppression
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d["range"],
               "context": {"diagnostics": [d]}}),
    );
    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 2, "{actions:#?}");
    let fix = &actions[0];
    // titled by the fix itself
    assert_eq!(fix["title"], "Use `=` (OL703 regex-literal-matcher)");
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["isPreferred"], true);
    let change = &fix["edit"]["documentChanges"][0];
    assert_eq!(change["textDocument"]["uri"], uri);
    assert_eq!(change["textDocument"]["version"], 1);
    let edits = change["edits"].as_array().unwrap();
    let op = start + "job".len() as u64;
    assert_eq!(
        edits[0],
        json!({"range": {"start": {"line": 5, "character": op}, "end": {"line": 5, "character": op + 2}},
               "newText": "="})
    );
    let fixed = apply_edits(TEXT, edits);
    assert_eq!(fixed, TEXT.replace("job=~", "job="));

    let suppress = &actions[1];
    assert!(suppress["title"]
        .as_str()
        .unwrap()
        .starts_with("Suppress regex-literal-matcher"));
    let s_edits = suppress["edit"]["documentChanges"][0]["edits"]
        .as_array()
        .unwrap();
    assert_eq!(
        s_edits[0]["range"],
        json!({"start": {"line": 5, "character": 0}, "end": {"line": 5, "character": 0}})
    );
    let suppressed = apply_edits(TEXT, s_edits);
    assert!(suppressed.contains(
        "\n    # o11ylint: disable=regex-literal-matcher -- TODO: say why this is acceptable\n    expr:"
    ));

    // hover on the finding shows the rule's page; elsewhere, nothing
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 5, "character": start + 2}}),
    );
    assert_eq!(hover["contents"]["kind"], "markdown");
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("# regex-literal-matcher (OL703)"));
    assert_eq!(hover["range"], d["range"]);
    let nothing = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}),
    );
    assert_eq!(nothing, Value::Null);

    // applying the suppression (full-text change) silences the finding
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"text": suppressed}]}),
    );
    assert_eq!(c.diagnostics(&uri, 2), Vec::<Value>::new());
    // back to the original text: the finding is back
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": TEXT}]}),
    );
    assert_eq!(c.diagnostics(&uri, 3).len(), 1);
    // applying the fix: no finding
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": fixed}]}),
    );
    assert_eq!(c.diagnostics(&uri, 4), Vec::<Value>::new());
    // saving lints again (the text comes with the notification)
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}, "text": TEXT}),
    );
    assert_eq!(c.diagnostics(&uri, 4).len(), 1);

    // an unknown request is an error response, not a crash
    c.send(json!({"jsonrpc": "2.0", "id": 99, "method": "textDocument/formatting",
                  "params": {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}}));
    let deadline = Instant::now() + TIMEOUT;
    loop {
        assert!(
            Instant::now() < deadline,
            "no response to the unknown request"
        );
        let m = c.recv();
        if m["id"] == 99 {
            assert_eq!(m["error"]["code"], -32601);
            break;
        }
    }

    // closing clears the document's diagnostics
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    let deadline = Instant::now() + TIMEOUT;
    loop {
        assert!(Instant::now() < deadline, "no diagnostics after close");
        let m = c.recv();
        if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
            assert_eq!(m["params"]["diagnostics"], json!([]));
            break;
        }
    }

    // shutdown, exit: the process ends by itself with status 0
    let r = c.request("shutdown", Value::Null);
    assert_eq!(r, Value::Null);
    c.notify("exit", Value::Null);
    drop(c.stdin.take());
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(s) = c.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_policy_that_does_not_load_is_shown_on_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    common::write(
        &root,
        "o11ylint.yaml",
        "version: 1\nlabels:\n  forbiden: [x]\n",
    );
    common::write(&root, "docs/runbooks/sealed-unexpectedly.md", "# Sealed\n");
    let path = common::write(&root, "rules/a.yaml", TEXT);
    let uri = file_uri(&path);
    let mut c = Client::start(&root);
    c.request("initialize", json!({"processId": null, "capabilities": {}}));
    c.notify("initialized", json!({}));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 7, "text": TEXT}}),
    );
    let diags = c.diagnostics(&uri, 7);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0]["code"], "config");
    let msg = diags[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("o11ylint.yaml") && msg.contains("forbiden"),
        "{msg}"
    );
    // fixing and saving the policy reloads it
    std::fs::write(root.join("o11ylint.yaml"), "version: 1\n").unwrap();
    let policy_uri = file_uri(&root.join("o11ylint.yaml"));
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": policy_uri}}),
    );
    let diags = c.diagnostics(&uri, 7);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0]["code"], "OL703");
    assert_eq!(diags[0]["severity"], 2, "the default severity, warning");
    let r = c.request("shutdown", Value::Null);
    assert_eq!(r, Value::Null);
    c.notify("exit", Value::Null);
}

#[test]
fn every_file_kind_the_engine_knows_gets_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    let mut c = Client::start(&root);
    c.request("initialize", json!({"processId": null, "capabilities": {}}));
    c.notify("initialized", json!({}));
    let cases = [
        (
            "dashboards/broken.json",
            "json",
            "{\"title\": \"é\", \"panels\": [ }\n",
            Some(("OL105", 0, 27)),
        ),
        (
            "alloy/config.alloy",
            "alloy",
            "prometheus.scrape \"x\" {\n  targets = [\n",
            Some(("OL106", 2, 0)),
        ),
        ("notes.txt", "plaintext", "groups: [\n", None),
    ];
    for (i, (rel, lang, text, expected)) in cases.iter().enumerate() {
        // the files need not exist on disk: the buffer is what is linted
        let uri = file_uri(&root.join(rel));
        let version = i as i64 + 1;
        c.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": lang, "version": version, "text": text}}),
        );
        let diags = c.diagnostics(&uri, version);
        match expected {
            Some((code, line, character)) => {
                assert_eq!(diags.len(), 1, "{rel}: {diags:#?}");
                assert_eq!(diags[0]["code"], *code, "{rel}");
                assert_eq!(
                    diags[0]["range"]["start"],
                    json!({"line": line, "character": character}),
                    "{rel}"
                );
            }
            None => assert_eq!(diags, Vec::<Value>::new(), "{rel}"),
        }
    }
    let r = c.request("shutdown", Value::Null);
    assert_eq!(r, Value::Null);
    c.notify("exit", Value::Null);
}
