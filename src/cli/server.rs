//! `o11ylint server`: the language server on stdin/stdout (see `crate::lsp`).

pub fn run() -> i32 {
    crate::lsp::run_stdio()
}
