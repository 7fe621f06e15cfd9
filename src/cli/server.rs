//! `o11ylint server`: the language server on stdin/stdout (see `crate::outputs::lsp`).

pub fn run() -> i32 {
    crate::outputs::lsp::run_stdio()
}
