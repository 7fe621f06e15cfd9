//! Source-prefix handling: raw `vault_*`/`openbao_*` names only in the
//! normalising recording layer.

pub mod source_prefix;
