//! Files that are templates for another tool: Helm chart templates, Jinja
//! templates, Juju charm rule templates and similar generator inputs. They
//! are not what Prometheus or Loki load (the tool renders them first), so
//! they are skipped with a reason instead of being reported as broken YAML
//! or broken queries.
//!
//! Recognition is by markers those tools require and rule files never
//! contain: Helm's `.Values`/`.Release`/`.Chart` objects and `include` /
//! `toYaml` calls, Jinja's `{% ... %}` statements, Juju's `%%juju_topology%%`
//! placeholder. Alert templates (`{{ $labels.x }}`, `{{ $value }}`) are Go
//! templates Prometheus renders itself and are not markers.

/// Why `text` is a template for another tool, if it is one.
pub fn detect(text: &str) -> Option<String> {
    if text.contains("%%juju_topology%%") {
        return Some(
            "a Juju charm rule template (`%%juju_topology%%` is replaced when the charm loads it)"
                .into(),
        );
    }
    const HELM: &[&str] = &[
        ".Values.",
        ".Release.",
        ".Chart.",
        ".Capabilities.",
        "{{- include ",
        "{{ include ",
        "{{- toYaml ",
        "{{ toYaml ",
    ];
    if let Some(m) = HELM.iter().find(|m| text.contains(**m)) {
        return Some(format!(
            "a Helm/Go template for another tool (`{}`): lint the rendered output (`helm template`)",
            m.trim()
        ));
    }
    let jinja = text.lines().any(|l| {
        let t = l.trim_start();
        (t.starts_with("{%") && t.contains("%}")) || t.starts_with("{#")
    });
    if jinja {
        return Some("a Jinja template (`{% ... %}` statements): lint the rendered output".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_other_tools_templates() {
        assert!(detect("expr: count_over_time({%%juju_topology%%}[5m])")
            .unwrap()
            .contains("Juju"));
        assert!(detect("groups:\n{{- include \"rules\" . | nindent 2 }}\n")
            .unwrap()
            .contains("Helm"));
        assert!(detect("  for: {{ .Values.alerts.for }}\n")
            .unwrap()
            .contains("`.Values.`"));
        assert!(
            detect("groups:\n{% for g in groups %}\n- name: {{ g }}\n{% endfor %}\n")
                .unwrap()
                .contains("Jinja")
        );
    }

    #[test]
    fn alert_templates_are_not_markers() {
        let rule = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    annotations:\n      summary: \"{{ $labels.instance }} down ({{ $value }}){{- if gt $value 1.0 }}!{{- end }}\"\n";
        assert_eq!(detect(rule), None);
    }
}
