//! What the linter produces from findings and contracts: renderers of
//! findings ([`render`]), fixes written back ([`fix`]), generated artifacts
//! written ([`generate`]), the language server ([`lsp`]) and live validation
//! of queries against real backends ([`live`]).

pub mod fix;
pub mod generate;
pub mod live;
pub mod lsp;
pub mod lsp_io;
pub mod render;
