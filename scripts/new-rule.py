#!/usr/bin/env python3
"""Scaffold a rule: `make new-rule NAME=panel-description FAMILY=dashboards CODE=OL718`.

Writes the three things a rule is and the two lines that register it:
  src/rules/<family>/<name>.rs      declare_rule! and an `impl Rule` with one hook
  src/rules/<family>/mod.rs         `pub mod <name>;`
  src/rules/mod.rs                  the registry line, in code order
  rules/<name>.md                   the page, with the five required sections
  tests/fixtures/<name>/{pass,fail}/  folders; fail/expected.txt empty

Then: write the hook, fill the page, put inputs in pass/ and fail/, bless the
expected findings with `UPDATE_EXPECT=1 cargo test --test fixtures`, and
refresh the rules table with `make rules-table`. Refuses to overwrite anything.
"""
import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAMILIES = {  # directory -> (Family variant, code digit)
    "meta": ("Meta", "0"),
    "syntax": ("Syntax", "1"),
    "labels": ("Labels", "2"),
    "streams": ("Streams", "3"),
    "runbooks": ("Runbooks", "4"),
    "severity": ("Severity", "5"),
    "prefix": ("Prefix", "6"),
    "hygiene": ("Hygiene", "7"),
    "dashboards": ("Dashboards", "7"),
    "contracts": ("Contracts", "8"),
    "query": ("Query", "9"),
}

RULE = '''//! {summary}

use crate::artifact::query::QueryRef;
use crate::rules::{{Ctx, Rule}};

crate::declare_rule! {{
    pub struct {struct} {{
        code: "{code}",
        name: "{name}",
        family: {family},
        severity: {severity},
        fix: None,
        summary: "{summary}",
    }}
}}

impl Rule for {struct} {{
    // Implement the hooks for what the rule reads (see `Rule` in
    // src/rules/mod.rs): check_rule_file, check_rule, check_query,
    // check_dashboard, check_panel, check_contract, check_alloy, file_facts,
    // check_repo. What the rule knows of the repository comes from cx.repo.
    fn check_query(&self, cx: &mut Ctx<'_>, q: &QueryRef<'_>) {{
        let _ = (cx, q);
    }}
}}
'''

PAGE = '''# {name} ({code})

{summary}. Default severity: {severity_lower}. Family: {family_dir}.

## Why it matters

What goes wrong, for whom, when this is not fixed.

## Bad

```yaml
# the smallest input that gets the finding
```

## Good

```yaml
# the same input, fixed
```

## How to fix

The change to make, and when to suppress instead.

## Configuration

Enabled by default. Turn it off or change its severity under `rules:` in `o11ylint.yaml`:

```yaml
rules:
  {name}:
    severity: warning
```
'''


def die(msg):
    print(f"new-rule: {msg}", file=sys.stderr)
    sys.exit(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name", help="kebab-case rule name, e.g. panel-description")
    ap.add_argument("family", choices=sorted(FAMILIES), help="family directory under src/rules/")
    ap.add_argument("code", help="OL and three digits; the first digit is the family's")
    ap.add_argument("--severity", default="Warning", choices=["Error", "Warning", "Info"])
    ap.add_argument("--summary", default="What the rule finds, in one line")
    a = ap.parse_args()

    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", a.name):
        die(f"`{a.name}` is not a kebab-case name")
    variant, digit = FAMILIES[a.family]
    if not re.fullmatch(r"OL\d{3}", a.code):
        die(f"`{a.code}` is not a code (OL and three digits)")
    if a.code[2] != digit:
        die(f"{a.code} does not start with {a.family}'s digit: its codes are OL{digit}xx")
    snake = a.name.replace("-", "_")
    struct = "".join(p.capitalize() for p in a.name.split("-"))

    rule_file = os.path.join(ROOT, "src", "rules", a.family, f"{snake}.rs")
    family_mod = os.path.join(ROOT, "src", "rules", a.family, "mod.rs")
    registry = os.path.join(ROOT, "src", "rules", "mod.rs")
    page = os.path.join(ROOT, "rules", f"{a.name}.md")
    fixtures = os.path.join(ROOT, "tests", "fixtures", a.name)

    reg = open(registry).read()
    for dirpath, _, files in os.walk(os.path.join(ROOT, "src", "rules")):
        for f in files:
            if f'code: "{a.code}"' in open(os.path.join(dirpath, f)).read():
                die(f"{a.code} is taken ({os.path.relpath(os.path.join(dirpath, f), ROOT)})")
    for p in (rule_file, page, fixtures):
        if os.path.exists(p):
            die(f"{os.path.relpath(p, ROOT)} exists")

    # the registry line, in code order (codes are read from the rule files)
    start = reg.index("static RULES: &[&dyn Rule] = &[\n") + len("static RULES: &[&dyn Rule] = &[\n")
    end = reg.index("    ];\n", start)
    lines = [l for l in reg[start:end].split("\n") if l.strip()]
    line = f"        &{a.family}::{snake}::{struct},"

    def code_of(entry):
        fam, mod = entry.strip().lstrip("&").split("::")[:2]
        text = open(os.path.join(ROOT, "src", "rules", fam, f"{mod}.rs")).read()
        return re.search(r'code: "(OL\d{3})"', text).group(1)

    at = next((i for i, l in enumerate(lines) if code_of(l) > a.code), len(lines))
    lines.insert(at, line)
    reg = reg[:start] + "\n".join(lines) + "\n" + reg[end:]

    mod = open(family_mod).read()
    mods = re.findall(r"^pub mod (\w+);$", mod, re.M)
    decl = f"pub mod {snake};"
    after = [m for m in mods if m < snake]
    if after:
        anchor = f"pub mod {after[-1]};\n"
        mod = mod.replace(anchor, anchor + decl + "\n", 1)
    else:
        anchor = f"pub mod {mods[0]};\n"
        mod = mod.replace(anchor, decl + "\n" + anchor, 1)

    fields = dict(name=a.name, code=a.code, family=variant, family_dir=a.family, struct=struct,
                  severity=a.severity, severity_lower=a.severity.lower(), summary=a.summary)
    open(rule_file, "w").write(RULE.format(**fields))
    open(family_mod, "w").write(mod)
    open(registry, "w").write(reg)
    open(page, "w").write(PAGE.format(**fields))
    for sub in ("pass", "fail"):
        os.makedirs(os.path.join(fixtures, sub))
    open(os.path.join(fixtures, "pass", ".gitkeep"), "w").close()
    open(os.path.join(fixtures, "fail", "expected.txt"), "w").close()
    for p in (rule_file, family_mod, registry, page, fixtures + "/pass/", fixtures + "/fail/expected.txt"):
        print("wrote", os.path.relpath(p, ROOT))
    print(
        "next: write the hook and the page, put inputs in pass/ and fail/, then\n"
        "  UPDATE_EXPECT=1 cargo test --test fixtures   # bless fail/expected.txt\n"
        "  make rules-table                             # refresh rules/README.md"
    )


if __name__ == "__main__":
    main()
