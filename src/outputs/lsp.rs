//! `o11ylint server`: a Language Server Protocol server over stdio, built on
//! rust-analyzer's `lsp-server` (transport) and `lsp-types` (messages).
//!
//! - Documents are synchronised in full. Each open, change and save lints the
//!   buffer as the file it is (`engine::lint_buffer`), with the policy of the
//!   file's repository (`policy::find_root` + `Policy::discover`, cached per
//!   root and reloaded when an `o11ylint.yaml` is saved), and publishes the
//!   unsuppressed findings. Every file kind the engine knows is linted; the
//!   others get an empty list.
//! - Positions are UTF-16 code units, the protocol's default encoding, from
//!   [`LineIndex::utf16_position`](crate::source::LineIndex::utf16_position).
//! - Code actions: a finding's fix (its `Diagnostic::fix` edits) as a
//!   preferred quick fix, and, in YAML, "suppress with a reason": a
//!   `# o11ylint: disable=<rule> -- <reason>` comment on the line before the
//!   finding (before the key whose value holds it, for multi-line values),
//!   with a placeholder reason to replace.
//! - Hover over a finding's range shows its rule's page.
//!
//! A policy that does not load is shown as one error on the first line of
//! every document of that repository, with the policy's message.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_server::{ErrorCode, Message, Notification, Request, Response};

use super::lsp_io;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, CodeDescription, DiagnosticRelatedInformation,
    DiagnosticSeverity, DidChangeTextDocumentParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, DocumentChanges, Hover, HoverContents,
    HoverParams, HoverProviderCapability, InitializeResult, Location, MarkupContent, MarkupKind,
    NumberOrString, OneOf, OptionalVersionedTextDocumentIdentifier, Position, PositionEncodingKind,
    PublishDiagnosticsParams, Range, SaveOptions, ServerCapabilities, ServerInfo, TextDocumentEdit,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, TextEdit, Uri, WorkspaceEdit,
};

use crate::diag::{self, Applicability, Diagnostic, Edit, Label, Severity};
use crate::engine;
use crate::outputs::render;
use crate::policy::{find_root, Policy, REPO_POLICY_FILE};
use crate::rules;
use crate::source::{FileRef, LineIndex, Span};
use crate::syntax::yaml::{self, Kind, Node};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The reason the "suppress" code action writes; the author replaces it.
pub const REASON_PLACEHOLDER: &str = "TODO: say why this is acceptable";

/// Estimated bytes each analysis memo may hold in the language server.
pub const LSP_MEMO_BYTES: usize = 32 << 20;

/// Run the server on stdin/stdout until `exit`. Returns the process exit
/// code: 0 after `shutdown` then `exit`, 1 for `exit` without `shutdown`
/// or for input the framing cannot recover from (LSP specification).
/// Malformed messages are answered with JSON-RPC errors and the server goes
/// on (see [`crate::outputs::lsp_io`]).
pub fn run_stdio() -> i32 {
    // a session-long process: analyses of closed documents must not pile up
    crate::syntax::set_memo_budget(LSP_MEMO_BYTES);
    let (tx, rx) = std::sync::mpsc::sync_channel::<lsp_io::Incoming>(64);
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut r = std::io::BufReader::new(stdin.lock());
        loop {
            let m = lsp_io::read(&mut r);
            let end = matches!(m, lsp_io::Incoming::End(_));
            if tx.send(m).is_err() || end {
                break;
            }
        }
    });
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match serve_loop(&rx, &mut out) {
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "o11ylint server: {}",
                crate::diag::escape::text(&e.to_string())
            );
            1
        }
    }
}

/// The message loop over already framed input. Edits are coalesced: a
/// document changed several times while more messages wait is linted once,
/// at its latest version, before the next request is answered or when the
/// input is idle.
pub fn serve_loop(
    rx: &std::sync::mpsc::Receiver<lsp_io::Incoming>,
    out: &mut impl std::io::Write,
) -> Result<i32, Error> {
    use lsp_io::Incoming;
    use std::sync::mpsc::TryRecvError;
    let mut server = Server::default();
    let mut initialized = false;
    let mut shutdown = false;
    loop {
        let next = match rx.try_recv() {
            Ok(m) => m,
            Err(TryRecvError::Empty) => {
                for n in server.flush() {
                    lsp_io::write(out, &Message::Notification(n))?;
                }
                match rx.recv() {
                    Ok(m) => m,
                    Err(_) => return Ok(1),
                }
            }
            Err(TryRecvError::Disconnected) => return Ok(1),
        };
        match next {
            Incoming::End(None) => return Ok(1),
            Incoming::End(Some(why)) => return Err(why.into()),
            Incoming::Reply(r) => lsp_io::write_value(out, &r)?,
            Incoming::Message(Message::Request(req)) => {
                let resp = if !initialized {
                    if req.method == "initialize" {
                        initialized = true;
                        let result = InitializeResult {
                            capabilities: capabilities(),
                            server_info: Some(ServerInfo {
                                name: "o11ylint".into(),
                                version: Some(env!("CARGO_PKG_VERSION").into()),
                            }),
                        };
                        Response::new_ok(req.id, serde_json::to_value(result)?)
                    } else {
                        Response::new_err(
                            req.id,
                            ErrorCode::ServerNotInitialized as i32,
                            "the server is not initialized".into(),
                        )
                    }
                } else if shutdown {
                    Response::new_err(
                        req.id,
                        ErrorCode::InvalidRequest as i32,
                        "the server is shutting down".into(),
                    )
                } else if req.method == "shutdown" {
                    shutdown = true;
                    Response::new_ok(req.id, serde_json::Value::Null)
                } else {
                    // requests see the latest text
                    for n in server.flush() {
                        lsp_io::write(out, &Message::Notification(n))?;
                    }
                    server.request(req)
                };
                lsp_io::write(out, &Message::Response(resp))?;
            }
            Incoming::Message(Message::Notification(n)) => {
                if n.method == "exit" {
                    return Ok(if shutdown { 0 } else { 1 });
                }
                if !initialized || shutdown {
                    continue;
                }
                for out_n in server.notification(n) {
                    lsp_io::write(out, &Message::Notification(out_n))?;
                }
            }
            Incoming::Message(Message::Response(_)) => {}
        }
    }
}

pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(true),
                })),
                ..Default::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..Default::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        ..Default::default()
    }
}

/// One open document and what its last lint found.
struct Doc {
    uri: Uri,
    version: i32,
    text: String,
    /// Where the findings point (the text linted, with its line index).
    file: Option<FileRef>,
    diags: Vec<Diagnostic>,
    /// A policy error shown instead of findings.
    policy_error: Option<String>,
    yaml: bool,
    /// The size of a text over [`MAX_DOCUMENT_BYTES`]: it is not kept
    /// (`text` is empty) and not linted.
    over_limit: Option<usize>,
}

/// Largest document the server keeps and lints: the file size limit of
/// `check` (a 61 MB buffer was kept and linted whole).
pub const MAX_DOCUMENT_BYTES: usize = crate::source::walk::DEFAULT_MAX_FILE_BYTES as usize;

impl Doc {
    /// Replace the text, dropping one over the limit.
    fn set_text(&mut self, text: String) {
        if text.len() > MAX_DOCUMENT_BYTES {
            self.over_limit = Some(text.len());
            self.text = String::new();
        } else {
            self.over_limit = None;
            self.text = text;
        }
    }
}

#[derive(Default)]
pub struct Server {
    docs: HashMap<String, Doc>,
    policies: HashMap<PathBuf, Result<Policy, String>>,
    /// Each repository's index (runbooks, contracts, ...), kept until a
    /// document is saved.
    indexes: HashMap<PathBuf, std::sync::Arc<crate::rules::RepoIndex>>,
    /// Documents changed since they were last linted (edits are coalesced).
    dirty: std::collections::BTreeSet<String>,
}

/// The local path of a `file:` URI (percent-decoded).
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // drop an authority (`file://host/path`); `localhost` and empty are local
    let path = match rest.find('/') {
        Some(0) => rest,
        Some(i) if &rest[..i] == "localhost" => &rest[i..],
        _ => return None,
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() + 1 {
            let hex = path
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hex {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    Some(PathBuf::from(String::from_utf8(out).ok()?))
}

/// A `file:` URI for an absolute path.
pub fn path_to_uri(p: &Path) -> Option<Uri> {
    let s = p.to_string_lossy().replace('\\', "/");
    let s = if s.starts_with('/') {
        s
    } else {
        format!("/{s}")
    };
    Uri::from_str(&format!("file://{}", render::sarif::encode_path(&s))).ok()
}

fn lsp_position(file: &FileRef, offset: usize) -> Position {
    let (line, character) = file.lines.utf16_position(&file.text, offset);
    Position { line, character }
}

fn lsp_range(file: &FileRef, span: &Span) -> Range {
    Range {
        start: lsp_position(file, span.start),
        end: lsp_position(file, span.end),
    }
}

fn overlaps(a: &Range, b: &Range) -> bool {
    let key = |p: &Position| (p.line, p.character);
    key(&a.start) <= key(&b.end) && key(&b.start) <= key(&a.end)
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

fn params<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Option<T> {
    serde_json::from_value(v).ok()
}

impl Server {
    fn policy_for(&mut self, root: &Path) -> Result<Policy, String> {
        self.policies
            .entry(root.to_path_buf())
            .or_insert_with(|| {
                Policy::discover(root, None, crate::rules::catalog()).map_err(|errs| {
                    errs.iter()
                        .map(|e| format!("{}: {}", e.file, e.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                })
            })
            .clone()
    }

    /// Lint a document and return its `publishDiagnostics`.
    fn lint(&mut self, key: &str) -> Option<Notification> {
        let (uri_s, text) = {
            let d = self.docs.get(key)?;
            (d.uri.as_str().to_string(), d.text.clone())
        };
        let path = uri_to_path(&uri_s);
        let (root, rel) = match &path {
            Some(p) => {
                // the buffer may have no file yet: resolve its directory
                let dir = p.parent().unwrap_or(Path::new("/"));
                let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
                let abs = p
                    .file_name()
                    .map(|n| dir.join(n))
                    .unwrap_or_else(|| p.clone());
                let root = find_root(&dir);
                let rel = crate::source::rel_of(&root, &abs);
                (root, rel)
            }
            None => {
                let cwd = std::env::current_dir().unwrap_or_default();
                let name = uri_s.rsplit('/').next().unwrap_or("untitled").to_string();
                (cwd, name)
            }
        };
        let policy = self.policy_for(&root);
        let doc = self.docs.get_mut(key)?;
        doc.yaml = rel.ends_with(".yaml") || rel.ends_with(".yml");
        match policy {
            Ok(policy) if doc.over_limit.is_some() => {
                let n = doc.over_limit.unwrap_or(0);
                doc.policy_error = None;
                let file =
                    crate::source::SourceFile::new(rel.clone(), root.join(&rel), String::new());
                doc.diags = rules::finding(
                    &policy,
                    &rules::meta::unreadable_file::META,
                    &rel,
                    &file,
                    Span::empty(0),
                    format!(
                        "the document is {:.1} MiB, over the {} MiB limit of the language server; it is not linted",
                        n as f64 / 1048576.0,
                        MAX_DOCUMENT_BYTES / 1048576
                    ),
                )
                .into_iter()
                .collect();
                doc.file = Some(file);
            }
            Err(e) => {
                doc.policy_error = Some(e);
                doc.diags.clear();
                doc.file = None;
            }
            Ok(policy) => {
                doc.policy_error = None;
                // a panic comes back as an internal-error finding, under the
                // policy like every other (engine::guarded)
                let repo = self
                    .indexes
                    .entry(root.clone())
                    .or_insert_with(|| {
                        std::sync::Arc::new(crate::rules::RepoIndex::new(&root, &policy))
                    })
                    .clone();
                let outcome = engine::lint_buffer_in(text.clone(), &rel, &root, &repo, &policy);
                let file = crate::source::SourceFile::new(rel.clone(), root.join(&rel), text);
                doc.diags = outcome
                    .diagnostics
                    .into_iter()
                    .filter(|d| d.suppressed.is_none() && d.file() == rel)
                    .collect();
                doc.file = doc
                    .diags
                    .first()
                    .map(|d| d.primary.file.clone())
                    .or(Some(file));
            }
        }
        Some(publish(doc))
    }

    /// Lint every document changed since its last lint.
    pub fn flush(&mut self) -> Vec<Notification> {
        let keys: Vec<String> = std::mem::take(&mut self.dirty).into_iter().collect();
        keys.iter().filter_map(|k| self.lint(k)).collect()
    }

    pub fn notification(&mut self, n: Notification) -> Vec<Notification> {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Some(p) = params::<DidOpenTextDocumentParams>(n.params) else {
                    return Vec::new();
                };
                let key = p.text_document.uri.as_str().to_string();
                let mut doc = Doc {
                    uri: p.text_document.uri,
                    version: p.text_document.version,
                    text: String::new(),
                    file: None,
                    diags: Vec::new(),
                    policy_error: None,
                    yaml: false,
                    over_limit: None,
                };
                doc.set_text(p.text_document.text);
                self.docs.insert(key.clone(), doc);
                self.lint(&key).into_iter().collect()
            }
            "textDocument/didChange" => {
                let Some(p) = params::<DidChangeTextDocumentParams>(n.params) else {
                    return Vec::new();
                };
                let key = p.text_document.uri.as_str().to_string();
                let Some(doc) = self.docs.get_mut(&key) else {
                    return Vec::new();
                };
                // full sync: the last change holds the whole text; a
                // client that sends ranges anyway is applied in order
                for change in p.content_changes {
                    match change.range {
                        None => doc.set_text(change.text),
                        // a dropped text cannot take a ranged edit: it
                        // waits for the next whole text
                        Some(_) if doc.over_limit.is_some() => {}
                        Some(r) => {
                            let idx = LineIndex::new(&doc.text);
                            let s = idx.offset_of_utf16(&doc.text, r.start.line, r.start.character);
                            let e = idx.offset_of_utf16(&doc.text, r.end.line, r.end.character);
                            if s <= e && e <= doc.text.len() {
                                doc.text.replace_range(s..e, &change.text);
                            }
                            if doc.text.len() > MAX_DOCUMENT_BYTES {
                                let t = std::mem::take(&mut doc.text);
                                doc.set_text(t);
                            }
                        }
                    }
                }
                doc.version = p.text_document.version;
                // linted by `flush`, once, at the latest version
                self.dirty.insert(key);
                Vec::new()
            }
            "textDocument/didSave" => {
                let Some(p) = params::<DidSaveTextDocumentParams>(n.params) else {
                    return Vec::new();
                };
                let key = p.text_document.uri.as_str().to_string();
                let saved_policy = uri_to_path(&key)
                    .is_some_and(|p| p.file_name().is_some_and(|f| f == REPO_POLICY_FILE));
                if let (Some(text), Some(doc)) = (p.text, self.docs.get_mut(&key)) {
                    doc.set_text(text);
                }
                // a saved runbook or contract changes what rules know of
                // the repository
                self.indexes.clear();
                if saved_policy {
                    // the policy changed: reload it and lint everything again
                    self.policies.clear();
                    let keys: Vec<String> = self.docs.keys().cloned().collect();
                    return keys.iter().filter_map(|k| self.lint(k)).collect();
                }
                self.lint(&key).into_iter().collect()
            }
            "textDocument/didClose" => {
                let Some(p) = params::<DidCloseTextDocumentParams>(n.params) else {
                    return Vec::new();
                };
                let key = p.text_document.uri.as_str().to_string();
                self.docs.remove(&key);
                vec![Notification::new(
                    "textDocument/publishDiagnostics".into(),
                    PublishDiagnosticsParams {
                        uri: p.text_document.uri,
                        diagnostics: Vec::new(),
                        version: None,
                    },
                )]
            }
            _ => Vec::new(),
        }
    }

    pub fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let result = match req.method.as_str() {
            "textDocument/codeAction" => params::<CodeActionParams>(req.params)
                .map(|p| serde_json::to_value(self.code_actions(&p))),
            "textDocument/hover" => {
                params::<HoverParams>(req.params).map(|p| serde_json::to_value(self.hover(&p)))
            }
            _ => {
                return Response::new_err(
                    id,
                    ErrorCode::MethodNotFound as i32,
                    format!("o11ylint does not handle `{}`", req.method),
                )
            }
        };
        match result {
            Some(Ok(v)) => Response::new_ok(id, v),
            Some(Err(e)) => Response::new_err(id, ErrorCode::InternalError as i32, e.to_string()),
            None => Response::new_err(
                id,
                ErrorCode::InvalidParams as i32,
                "invalid parameters".into(),
            ),
        }
    }

    fn code_actions(&self, p: &CodeActionParams) -> Vec<CodeActionOrCommand> {
        let Some(doc) = self.docs.get(p.text_document.uri.as_str()) else {
            return Vec::new();
        };
        let Some(file) = &doc.file else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut suppress_done: Vec<(&str, u32)> = Vec::new();
        for d in &doc.diags {
            let lsp = to_lsp(d, &doc.uri);
            if !overlaps(&lsp.range, &p.range) {
                continue;
            }
            if let Some(fix) = &d.fix {
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: format!("{} ({} {})", fix.title, d.code, d.name),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![lsp.clone()]),
                    edit: Some(workspace_edit(doc, file, &fix.edits)),
                    is_preferred: Some(fix.applicability == Applicability::Safe),
                    ..Default::default()
                }));
            }
            if doc.yaml {
                if let Some(edit) = suppress_edit(&file.text, d.primary.span.start, d.name) {
                    let line = lsp_position(file, edit.span.start).line;
                    if suppress_done.contains(&(d.name, line)) {
                        continue;
                    }
                    suppress_done.push((d.name, line));
                    out.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title: format!(
                            "Suppress {} here with a reason (`# o11ylint: disable={} -- ...`)",
                            d.name, d.name
                        ),
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![lsp]),
                        edit: Some(workspace_edit(doc, file, std::slice::from_ref(&edit))),
                        is_preferred: Some(false),
                        ..Default::default()
                    }));
                }
            }
        }
        out
    }

    fn hover(&self, p: &HoverParams) -> Option<Hover> {
        let tdp = &p.text_document_position_params;
        let doc = self.docs.get(tdp.text_document.uri.as_str())?;
        let file = doc.file.as_ref()?;
        let at = file
            .lines
            .offset_of_utf16(&file.text, tdp.position.line, tdp.position.character);
        let mut pages: Vec<&'static str> = Vec::new();
        let mut range: Option<Range> = None;
        for d in &doc.diags {
            let s = &d.primary.span;
            if s.start <= at && at <= s.end.max(s.start + 1) {
                if let Some(r) = rules::find(d.code) {
                    let page = r.meta().doc;
                    if !pages.contains(&page) {
                        pages.push(page);
                    }
                }
                range.get_or_insert_with(|| lsp_range(file, s));
            }
        }
        if pages.is_empty() {
            return None;
        }
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: pages.join("\n\n---\n\n"),
            }),
            range,
        })
    }
}

fn workspace_edit(doc: &Doc, file: &FileRef, edits: &[Edit]) -> WorkspaceEdit {
    let edits = edits
        .iter()
        .map(|e| {
            OneOf::Left(TextEdit {
                range: lsp_range(file, &e.span),
                new_text: e.replacement.clone(),
            })
        })
        .collect();
    WorkspaceEdit {
        document_changes: Some(DocumentChanges::Edits(vec![TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier {
                uri: doc.uri.clone(),
                version: Some(doc.version),
            },
            edits,
        }])),
        ..Default::default()
    }
}

/// Where a related label points: the document itself, or another file.
fn label_location(l: &Label, primary: &FileRef, doc_uri: &Uri) -> Location {
    let same = std::sync::Arc::ptr_eq(&l.file, primary) || l.file.display == primary.display;
    let uri = if !same && l.file.path.is_absolute() {
        path_to_uri(&l.file.path).unwrap_or_else(|| doc_uri.clone())
    } else {
        doc_uri.clone()
    };
    Location {
        uri,
        range: lsp_range(&l.file, &l.span),
    }
}

/// A finding in the protocol's terms.
pub fn to_lsp(d: &Diagnostic, doc_uri: &Uri) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .map(|l| DiagnosticRelatedInformation {
            location: label_location(l, &d.primary.file, doc_uri),
            message: if l.message.is_empty() {
                "related".into()
            } else {
                l.message.clone()
            },
        })
        .collect();
    lsp_types::Diagnostic {
        range: lsp_range(&d.primary.file, &d.primary.span),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: Uri::from_str(&diag::rule_page_url(d.name))
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some(format!("o11ylint {}", d.name)),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

fn publish(doc: &Doc) -> Notification {
    let diagnostics = match (&doc.policy_error, &doc.file) {
        (Some(e), _) => vec![lsp_types::Diagnostic {
            range: Range::default(),
            severity: Some(DiagnosticSeverity::ERROR),
            code: Some(NumberOrString::String("config".into())),
            source: Some("o11ylint invalid-policy".into()),
            message: format!("the repository's o11ylint policy does not load: {e}"),
            ..Default::default()
        }],
        (None, _) => doc.diags.iter().map(|d| to_lsp(d, &doc.uri)).collect(),
    };
    Notification::new(
        "textDocument/publishDiagnostics".into(),
        PublishDiagnosticsParams {
            uri: doc.uri.clone(),
            diagnostics,
            version: Some(doc.version),
        },
    )
}

/// The edit inserting `# o11ylint: disable=<rule> -- <reason>` on its own
/// line before the finding at `offset`, indented like the line it covers.
/// For a finding inside a multi-line value (a block scalar `expr: |`), the
/// comment goes before the key's line, since a comment inside the value
/// would become part of it.
pub fn suppress_edit(text: &str, offset: usize, rule: &str) -> Option<Edit> {
    let lines = LineIndex::new(text);
    let offset = offset.min(text.len());
    let mut target = lines.line_of(offset);
    let docs = yaml::parse(text).docs;
    if let Some(key_line) = key_line_of_value(&docs, &lines, offset) {
        target = target.min(key_line);
    }
    let start = lines.line_start(target).min(text.len());
    let line = text[start..].split('\n').next().unwrap_or("");
    let indent: String = line.chars().take_while(|c| *c == ' ').collect();
    let newline = if line.ends_with('\r') { "\r\n" } else { "\n" };
    Some(Edit::new(
        Span::empty(start),
        format!("{indent}# o11ylint: disable={rule} -- {REASON_PLACEHOLDER}{newline}"),
    ))
}

/// The line of the key whose scalar value contains `offset` and starts on
/// a later line than the key (block scalars, multi-line flows).
fn key_line_of_value(docs: &[Node], lines: &LineIndex, offset: usize) -> Option<usize> {
    let mut stack: Vec<&Node> = docs.iter().collect();
    let mut best: Option<usize> = None;
    while let Some(n) = stack.pop() {
        if n.from_alias || offset < n.span.start || offset > n.span.end {
            continue;
        }
        match &n.kind {
            Kind::Map(entries) => {
                for (k, v) in entries {
                    if matches!(v.kind, Kind::Scalar { .. })
                        && !v.from_alias
                        && v.span.start <= offset
                        && offset <= v.span.end
                    {
                        let kl = lines.line_of(k.span.start);
                        if kl < lines.line_of(offset) {
                            best = Some(best.map_or(kl, |b: usize| b.max(kl)));
                        }
                    }
                    stack.push(v);
                }
            }
            Kind::Seq(items) => stack.extend(items.iter()),
            Kind::Scalar { .. } => {}
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_round_trip() {
        let p = PathBuf::from("/tmp/a b/é.yaml");
        let u = path_to_uri(&p).unwrap();
        assert_eq!(u.as_str(), "file:///tmp/a%20b/%C3%A9.yaml");
        assert_eq!(uri_to_path(u.as_str()), Some(p));
        assert_eq!(
            uri_to_path("file://localhost/x.yaml"),
            Some(PathBuf::from("/x.yaml"))
        );
        assert_eq!(uri_to_path("untitled:Untitled-1"), None);
        assert_eq!(uri_to_path("file://server/share/x"), None);
    }

    #[test]
    fn suppression_goes_before_the_key_of_a_block_value() {
        let text =
            "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: |\n      up{job=~\"x\"} == 0\n";
        let at = text.find("job").unwrap();
        let e = suppress_edit(text, at, "regex-literal-matcher").unwrap();
        assert_eq!(e.span.start, text.find("    expr").unwrap());
        assert!(e
            .replacement
            .starts_with("    # o11ylint: disable=regex-literal-matcher -- "));
        let at = text.find("A\n").unwrap();
        let e = suppress_edit(text, at, "runbook-link").unwrap();
        assert_eq!(e.span.start, text.find("  - alert").unwrap());
        assert!(e.replacement.starts_with("  # o11ylint"));
    }

    #[test]
    fn suppression_applied_silences_the_finding() {
        let text =
            "groups:\n- name: g\n  rules:\n  - record: r\n    expr: |\n      up{job=~\"x\"}\n";
        let policy = Policy::default_policy();
        let root = Path::new("/nonexistent");
        let before = engine::lint_buffer(text.into(), "r.yaml", root, &policy);
        let d = before
            .diagnostics
            .iter()
            .find(|d| d.name == "regex-literal-matcher")
            .unwrap();
        let e = suppress_edit(text, d.primary.span.start, d.name).unwrap();
        let mut fixed = text.to_string();
        fixed.insert_str(e.span.start, &e.replacement);
        let after = engine::lint_buffer(fixed, "r.yaml", root, &policy);
        let d = after
            .diagnostics
            .iter()
            .find(|d| d.name == "regex-literal-matcher")
            .unwrap();
        assert_eq!(d.suppressed.as_deref(), Some(REASON_PLACEHOLDER));
        assert!(!after
            .diagnostics
            .iter()
            .any(|d| d.name == "unused-suppression"));
    }
}
