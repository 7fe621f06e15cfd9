//! The module layers of `src/`, lowest first. A module may only use
//! (`crate::…`) modules to its left; test code (`#[cfg(test)]` items) is
//! exempt. This keeps the dependency graph acyclic and the layering visible:
//! source and spans → parsers → diagnostics and the rule catalogue →
//! configuration → contracts → artifact models → analyses → rules →
//! suppressions → engine → outputs → command line.

use std::path::{Path, PathBuf};

const LAYERS: &[&str] = &[
    "source",
    "syntax",
    "diag",
    "policy",
    "contracts",
    "artifact",
    "analysis",
    "rules",
    "suppress",
    "engine",
    "outputs",
    "cli",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The text with every `#[cfg(test)]` item blanked (newlines kept, so line
/// numbers stay right) and every comment blanked.
fn without_tests_and_comments(text: &str) -> String {
    let mut out: Vec<u8> = text.as_bytes().to_vec();
    // Comments first, so braces inside them do not count. Strings are
    // skipped so `"http://…"` is not a comment; a `'"'` char literal is not
    // a string.
    let mut i = 0;
    let b = text.as_bytes();
    let mut in_str = false;
    while i < b.len() {
        match b[i] {
            b'\'' if !in_str && b.get(i + 1) == Some(&b'"') && b.get(i + 2) == Some(&b'\'') => {
                i += 2
            }
            b'\'' if !in_str && b.get(i + 1) == Some(&b'\\') => i += 2,
            b'"' if !in_str => in_str = true,
            b'\\' if in_str => i += 1,
            b'"' if in_str => in_str = false,
            b'/' if !in_str && b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    let text = String::from_utf8(out.clone()).unwrap();
    let mut from = 0;
    while let Some(at) = text[from..].find("#[cfg(test)]").map(|k| k + from) {
        // The item ends at the `;` or the brace closing its first `{`.
        let mut depth = 0usize;
        let mut end = text.len();
        for (k, c) in text[at..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = at + k + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = at + k + 1;
                    break;
                }
                _ => {}
            }
        }
        for o in &mut out[at..end] {
            if *o != b'\n' {
                *o = b' ';
            }
        }
        from = end;
    }
    String::from_utf8(out).unwrap()
}

/// The top-level modules a piece of code names through `crate::`, with the
/// byte offset of each mention: `crate::a::…` and `crate::{a::…, b}`.
fn crate_refs(code: &str) -> Vec<(usize, String)> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut refs = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut start = true;
            for (k, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if c.is_whitespace() => {}
                    _ if start => {
                        refs.push((at, ident(&group[k..])));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            refs.push((at, ident(rest)));
        }
    }
    refs
}

#[test]
fn modules_only_use_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut seen_layers = std::collections::BTreeSet::new();
    let mut violations = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let top = top.trim_end_matches(".rs");
        if top == "lib" || top == "main" {
            continue;
        }
        let Some(own) = LAYERS.iter().position(|l| *l == top) else {
            violations.push(format!(
                "src/{}: module `{top}` is in no layer of LAYERS",
                rel.display()
            ));
            continue;
        };
        seen_layers.insert(top.to_string());
        let text = std::fs::read_to_string(path).unwrap();
        let code = without_tests_and_comments(&text);
        for (at, module) in crate_refs(&code) {
            let Some(used) = LAYERS.iter().position(|l| *l == module) else {
                continue; // a macro or item at the crate root
            };
            if used > own {
                let line = code[..at].matches('\n').count() + 1;
                violations.push(format!(
                    "src/{}:{line}: `{top}` uses `crate::{module}`, a higher layer ({})",
                    rel.display(),
                    LAYERS.join(" < ")
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports against the layer order:\n{}",
        violations.join("\n")
    );
    for l in LAYERS {
        assert!(
            seen_layers.contains(*l),
            "layer `{l}` has no module in src/"
        );
    }
}

#[test]
fn the_scanner_sees_grouped_imports_and_skips_tests() {
    let code = without_tests_and_comments(
        "use crate::{a::X, b::{Y, Z}};\n// crate::c\n#[cfg(test)]\nmod tests { use crate::d; }\nfn f() { crate::e::g(); }\n",
    );
    let names: Vec<String> = crate_refs(&code).into_iter().map(|(_, m)| m).collect();
    assert_eq!(names, ["a", "b", "e"]);
}

#[test]
fn no_source_file_is_over_1200_lines() {
    // a file that long mixes responsibilities; split it along its seams
    // (test modules in `tests.rs` files are exempt)
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let long: Vec<String> = files
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "tests.rs"))
        .filter_map(|p| {
            let n = std::fs::read_to_string(p).unwrap().lines().count();
            (n > 1200).then(|| format!("{} ({n} lines)", p.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over 1,200 lines: {}",
        long.join(", ")
    );
}
