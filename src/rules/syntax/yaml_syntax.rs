//! YAML that does not load (emitted by the engine while loading).

use crate::rules::Rule;

crate::rule_meta!(
    "OL100",
    "yaml-syntax",
    Syntax,
    Error,
    "YAML that does not parse, has duplicate keys, or is too deep or too large to expand"
);

pub struct YamlSyntax;

impl Rule for YamlSyntax {
    fn meta(&self) -> &'static crate::rules::RuleMeta {
        &META
    }
}
