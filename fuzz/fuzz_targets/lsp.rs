//! Fuzz the language server's message loop: framed input (headers, bodies
//! that are not JSON or not messages, huge lengths) through the transport
//! and every message that parses through the server, as an editor would
//! send them. It must answer or end cleanly, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use o11ylint::outputs::{lsp, lsp_io};

fuzz_target!(|data: &[u8]| {
    // the input as a stream of frames, after a valid initialize
    let init = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#;
    let mut input = format!("Content-Length: {}\r\n\r\n", init.len()).into_bytes();
    input.extend_from_slice(init);
    input.extend_from_slice(data);
    let (tx, rx) = std::sync::mpsc::sync_channel(1024);
    let mut r = &input[..];
    let mut n = 0;
    loop {
        let m = lsp_io::read(&mut r);
        let end = matches!(m, lsp_io::Incoming::End(_));
        if tx.send(m).is_err() || end || n > 1000 {
            break;
        }
        n += 1;
    }
    drop(tx);
    let mut out = Vec::new();
    let _ = lsp::serve_loop(&rx, &mut out);
    // also each body alone, as a message
    let _ = lsp_io::parse(data);
});
