//! YAML that does not load (emitted by the engine while loading).

crate::declare_rule! {
    pub struct YamlSyntax {
        code: "OL100",
        name: "yaml-syntax",
        family: Syntax,
        severity: Error,
        fix: None,
        summary: "YAML that does not parse, has duplicate keys, or is too deep or too large to expand",
        emitted_by: Engine,
    }
}
