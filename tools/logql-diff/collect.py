#!/usr/bin/env python3
"""Collect LogQL expressions for the differential test.

Sources, each optional (a missing folder is reported as skipped):
  * every `expr:` of the Loki rule files in ../shared/corpus/loki-rules/
  * every target `expr` of a Loki data source in the Grafana dashboards in
    ../shared/corpus/grafana-dashboards/ (with Grafana variables replaced)
  * LogQL in this repository: generated/loki/, contracts/, tests/fixtures/
    (rule files' `expr:`, Loki dashboard targets, and *.logql files)

Each distinct expression is then mutated in fixed ways (deleted characters,
a duplicated token, a dropped closing brace or parenthesis, swapped
operators, a removed pipe, a trailing operator, ...) so that roughly half the
corpus is invalid LogQL.

Output: JSON lines {"id": ..., "expr": ..., "origin": ...} on stdout, in a
stable order with stable ids. A summary goes to stderr.

Python 3 standard library only (the YAML is read with a small line-based
reader that understands what rule files use: plain, quoted and block scalars).
"""

import argparse
import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_SHARED = os.path.normpath(os.path.join(REPO, "..", "shared"))


def log(msg):
    print(f"collect: {msg}", file=sys.stderr)


# --------------------------------------------------------------------------
# YAML: just the `expr:` values
# --------------------------------------------------------------------------

EXPR_KEY = re.compile(r"^(?P<indent>\s*)(?:-\s+)?expr:(?P<rest>.*)$")


def _unquote_double(s):
    # YAML double-quoted scalars use JSON-like escapes.
    try:
        return json.loads('"' + s + '"')
    except ValueError:
        return s.replace('\\"', '"').replace("\\\\", "\\")


def _scalar_from(rest, lines, i, key_indent):
    """Value of a key whose text after the colon is `rest` (line i).

    Returns (value or None, next line index)."""
    rest = rest.strip()
    # Block scalars: | |- |+ > >- >+ (optional indentation digit).
    m = re.match(r"^([|>])([+-]?)(\d?)([+-]?)\s*(#.*)?$", rest)
    if m:
        style = m.group(1)
        chomp = m.group(2) or m.group(4)
        body = []
        j = i + 1
        block_indent = None
        while j < len(lines):
            line = lines[j]
            if line.strip() == "":
                body.append("")
                j += 1
                continue
            ind = len(line) - len(line.lstrip(" "))
            if block_indent is None:
                if ind <= key_indent:
                    break
                block_indent = ind
            if ind < block_indent:
                break
            body.append(line[block_indent:])
            j += 1
        while body and body[-1] == "":
            body.pop()
        if style == "|":
            text = "\n".join(body)
        else:
            text = re.sub(r"(?<!\n)\n(?!\n)", " ", "\n".join(body))
        if chomp != "-":
            text += "\n"
        return text, j
    if rest.startswith("'"):
        text = rest[1:]
        j = i
        while True:
            # Find a closing quote that is not a doubled ''.
            k = 0
            end = None
            while k < len(text):
                if text[k] == "'":
                    if k + 1 < len(text) and text[k + 1] == "'":
                        k += 2
                        continue
                    end = k
                    break
                k += 1
            if end is not None:
                return text[:end].replace("''", "'"), j + 1
            j += 1
            if j >= len(lines):
                return None, j
            text = text.rstrip() + " " + lines[j].strip()
    if rest.startswith('"'):
        text = rest[1:]
        j = i
        while True:
            k = 0
            end = None
            while k < len(text):
                if text[k] == "\\":
                    k += 2
                    continue
                if text[k] == '"':
                    end = k
                    break
                k += 1
            if end is not None:
                return _unquote_double(text[:end]), j + 1
            j += 1
            if j >= len(lines):
                return None, j
            text = text.rstrip() + " " + lines[j].strip()
    # Plain scalar, possibly continued on more-indented lines.
    text = re.sub(r"\s+#.*$", "", rest)
    j = i + 1
    while j < len(lines):
        line = lines[j]
        ind = len(line) - len(line.lstrip(" "))
        if line.strip() == "" or ind <= key_indent or re.match(r"^\s*(-\s+)?[\w.-]+:(\s|$)", line):
            break
        text += " " + line.strip()
        j += 1
    text = text.strip()
    return (text if text else None), j


def yaml_exprs(path):
    """All `expr:` values of a YAML file, in order."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        lines = fh.read().splitlines()
    out = []
    i = 0
    while i < len(lines):
        m = EXPR_KEY.match(lines[i])
        if not m:
            i += 1
            continue
        indent = len(m.group("indent"))
        value, nxt = _scalar_from(m.group("rest"), lines, i, indent)
        if value is not None and value.strip():
            out.append((i + 1, value))
        i = max(nxt, i + 1)
    return out


# --------------------------------------------------------------------------
# Grafana dashboards
# --------------------------------------------------------------------------

INTERVAL_VARS = {
    "__interval": "5m",
    "__rate_interval": "5m",
    "__auto": "5m",
    "__auto_interval": "5m",
    "__range": "5m",
    "__interval_ms": "300000",
    "__range_ms": "300000",
    "__range_s": "300",
}

VAR_RE = re.compile(
    r"\$\{(?P<b>[A-Za-z_]\w*)(?:[.:][^}]*)?\}"  # ${var}, ${var:fmt}
    r"|\[\[(?P<o>[A-Za-z_]\w*)(?::\w+)?\]\]"  # [[var]] (old syntax)
    r"|\$(?P<p>[A-Za-z_]\w*)"  # $var
)


def substitute_variables(expr):
    """Replace Grafana variables with plausible values.

    Interval built-ins become `5m`; an ordinary variable becomes `x` inside a
    string and, outside strings, `1` after a comparison operator (e.g.
    `duration > $min`) and `x` elsewhere."""

    def repl(m):
        name = m.group("b") or m.group("o") or m.group("p")
        if name in INTERVAL_VARS:
            return INTERVAL_VARS[name]
        if name.startswith("__"):
            return "x"
        before = expr[: m.start()]
        in_string = (before.count('"') - before.count('\\"')) % 2 == 1 or before.count("`") % 2 == 1
        if not in_string and re.search(r"(==|!=|>=|<=|>|<|=)\s*$", before):
            return "1"
        return "x"

    return VAR_RE.sub(repl, expr)


def loki_datasource_vars(dash):
    names = set()
    templ = dash.get("templating")
    lst = templ.get("list") if isinstance(templ, dict) else None
    for v in lst or []:
        if isinstance(v, dict) and v.get("type") == "datasource" and "loki" in str(v.get("query", "")).lower():
            if isinstance(v.get("name"), str):
                names.add(v["name"])
    return names


def is_loki(ds, loki_vars):
    if ds is None:
        return False
    if isinstance(ds, dict):
        if "loki" in str(ds.get("type", "")).lower():
            return True
        ref = str(ds.get("uid", ""))
    else:
        ref = str(ds)
    if "loki" in ref.lower():
        return True
    m = re.fullmatch(r"\$\{?(\w+)\}?", ref.strip())
    return bool(m and m.group(1) in loki_vars)


def dashboard_exprs(path):
    """(json-path, expr) of every Loki target of a dashboard file."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as e:
        log(f"skipping {path}: {e}")
        return []
    if not isinstance(doc, dict):
        return []
    dash = doc.get("dashboard", doc) if isinstance(doc.get("dashboard"), dict) else doc
    loki_vars = loki_datasource_vars(dash)
    out = []

    def walk(node, where, ds):
        if isinstance(node, dict):
            ds_here = node.get("datasource", ds)
            expr = node.get("expr")
            if isinstance(expr, str) and expr.strip() and is_loki(ds_here, loki_vars):
                out.append((where, expr))
            for k, v in node.items():
                walk(v, f"{where}.{k}", ds_here)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]", ds)

    walk(dash, "$", None)
    return out


# --------------------------------------------------------------------------
# Mutations
# --------------------------------------------------------------------------


def mutations(expr):
    """Deterministic (name, mutated expression) pairs."""
    out = []
    n = len(expr)
    if n == 0:
        return out
    # Delete one character at several relative positions.
    for frac in (0.15, 0.5, 0.85):
        i = min(n - 1, int(n * frac))
        out.append((f"del@{i}", expr[:i] + expr[i + 1 :]))
    # Delete structural characters.
    for ch, name in (("}", "drop-close-brace"), (")", "drop-close-paren"), ("]", "drop-close-bracket")):
        i = expr.rfind(ch)
        if i >= 0:
            out.append((name, expr[:i] + expr[i + 1 :]))
    i = expr.find('"')
    if i >= 0:
        out.append(("drop-first-quote", expr[:i] + expr[i + 1 :]))
    # Duplicate a token.
    tokens = list(re.finditer(r"\|[=~>]?|!=|!~|=~|[A-Za-z_]\w*|\"(?:[^\"\\]|\\.)*\"", expr))
    if tokens:
        t = tokens[len(tokens) // 2]
        out.append((f"dup@{t.start()}", expr[: t.end()] + " " + t.group(0) + expr[t.end() :]))
    # Swap operators.
    swaps = [("|=", "=|"), ("=~", "~="), ("!=", "=!"), ("|~", "~|"), (" by ", " bye "), (" > ", " >> ")]
    for a, b in swaps:
        i = expr.find(a)
        if i >= 0:
            out.append((f"swap:{a.strip()}", expr[:i] + b + expr[i + len(a) :]))
            break
    # Change a matcher operator into a comparison that strings do not allow.
    i = expr.find('="')
    if i >= 0:
        out.append(("eq-to-gt", expr[:i] + '>"' + expr[i + 2 :]))
    # Remove a pipe.
    m = re.search(r"\|\s*(json|logfmt|line_format|label_format|unwrap|pattern|regexp|drop|keep|__error__|\w+\s*[=!<>])", expr)
    if m:
        out.append(("remove-pipe", expr[: m.start()] + expr[m.start() + 1 :]))
    # Break the range.
    m = re.search(r"\[([^\]]+)\]", expr)
    if m:
        out.append(("range-no-unit", expr[: m.start()] + "[5]" + expr[m.end() :]))
    # Trailing operators.
    out.append(("trailing-plus", expr.rstrip() + " +"))
    out.append(("trailing-pipe", expr.rstrip() + " |"))
    # A stray comma inside the selector.
    i = expr.find("{")
    if i >= 0:
        out.append(("lead-comma", expr[: i + 1] + "," + expr[i + 1 :]))
    # Changes that keep a valid expression valid (they test what must pass).
    out.extend(valid_preserving(expr))
    return out


def valid_preserving(expr):
    out = []
    stripped = expr.strip()
    is_log = stripped.startswith("{") and "[" not in stripped
    if is_log:
        out.append(("wrap-count", f"count_over_time({stripped} [5m])"))
        out.append(("add-label-filter", stripped + ' | level="error"'))
        out.append(("add-decolorize", stripped + " | decolorize"))
    else:
        out.append(("wrap-paren", f"({stripped})"))
    out.append(("comment", stripped + "  # a comment"))
    out.append(("newlines", re.sub(r"\s+\|", "\n  |", stripped)))
    i = expr.find("{")
    if i >= 0:
        out.append(("extra-matcher", expr[: i + 1] + 'extra=~"a|b", ' + expr[i + 1 :]))
    i = expr.find("}")
    if i >= 0:
        out.append(("extra-line-filter", expr[: i + 1] + ' |= "needle" or `other`' + expr[i + 1 :]))
        out.append(("extra-json", expr[: i + 1] + " | json" + expr[i + 1 :]))
    m = re.search(r"\[([^\]]+)\]", expr)
    if m:
        out.append(("range-1h30m", expr[: m.start()] + "[1h30m]" + expr[m.end() :]))
        out.append(("offset", expr[: m.end()] + " offset 1h" + expr[m.end() :]))
    m = re.search(r'"([^"\\`]*)"', expr)
    if m:
        out.append(("backtick", expr[: m.start()] + "`" + m.group(1) + "`" + expr[m.end() :]))
    i = expr.find(" by ")
    if i >= 0:
        out.append(("by-to-without", expr[:i] + " without " + expr[i + 4 :]))
    return out


# --------------------------------------------------------------------------


LOGQL_HINT = re.compile(
    r"(^|[(\s,])\{[^}]*\}\s*(\||!=|!~|!>|\[)"  # a bare selector followed by a pipeline or range
    r"|\|\s*(json|logfmt|regexp|pattern|unpack|line_format|label_format|unwrap|decolorize)\b"
)


def looks_like_logql(expr):
    """Tell LogQL from PromQL in files that mix both (our contracts)."""
    return bool(LOGQL_HINT.search(expr))


def short(path):
    """A short, readable and stable name for a corpus file."""
    base = os.path.basename(path)
    base = re.sub(r"\.(json|ya?ml|logql)$", "", base)
    parts = base.split("__")
    if "dashboards" in parts:
        k = len(parts) - 1 - parts[::-1].index("dashboards")
        if k >= 1:
            return "/".join(parts[k - 1 : k] + parts[k + 1 :])
    return "/".join(parts[-2:]) if len(parts) > 1 else base


def collect_sources(shared):
    """(id, origin, expr) of the base expressions, in a stable order."""
    items = []

    rules_dir = os.path.join(shared, "corpus", "loki-rules")
    if os.path.isdir(rules_dir):
        files = sorted(glob.glob(os.path.join(rules_dir, "*")))
        for f in files:
            for line, expr in yaml_exprs(f):
                items.append((f"rules:{short(f)}:L{line}", os.path.relpath(f, shared), expr))
        log(f"loki rules: {len(files)} files")
    else:
        log(f"skipped: no Loki rules folder at {rules_dir}")

    dash_dir = os.path.join(shared, "corpus", "grafana-dashboards")
    if os.path.isdir(dash_dir):
        files = sorted(glob.glob(os.path.join(dash_dir, "*.json")))
        n = 0
        for f in files:
            for k, (where, expr) in enumerate(dashboard_exprs(f)):
                items.append((f"dash:{short(f)}#{k}", os.path.relpath(f, shared) + " " + where, substitute_variables(expr)))
                n += 1
        log(f"dashboards: {len(files)} files, {n} Loki targets")
    else:
        log(f"skipped: no dashboards folder at {dash_dir}")

    for sub in ("generated/loki", "contracts", "tests/fixtures"):
        root = os.path.join(REPO, sub)
        if not os.path.isdir(root):
            log(f"skipped: {sub}/ does not exist")
            continue
        n = 0
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for fn in sorted(filenames):
                f = os.path.join(dirpath, fn)
                rel = os.path.relpath(f, REPO)
                if fn.endswith(".logql"):
                    with open(f, encoding="utf-8", errors="replace") as fh:
                        text = fh.read()
                    if text.strip():
                        items.append((f"repo:{rel}", rel, text))
                        n += 1
                elif fn.endswith((".yaml", ".yml")):
                    by_path = "loki" in rel.lower() or "logql" in rel.lower()
                    for line, expr in yaml_exprs(f):
                        if by_path or looks_like_logql(expr):
                            items.append((f"repo:{rel}:L{line}", rel, substitute_variables(expr)))
                            n += 1
                elif fn.endswith(".json"):
                    for k, (where, expr) in enumerate(dashboard_exprs(f)):
                        items.append((f"repo:{rel}#{k}", rel + " " + where, substitute_variables(expr)))
                        n += 1
        log(f"{sub}/: {n} expressions")
    return items


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.environ.get("O11YLINT_SHARED", DEFAULT_SHARED))
    ap.add_argument("--no-mutations", action="store_true")
    args = ap.parse_args()

    base = []
    seen = set()
    for ident, origin, expr in collect_sources(args.shared):
        key = expr.strip()
        if key in seen:
            continue
        seen.add(key)
        base.append((ident, origin, expr))

    rows = []
    used = set()
    for ident, origin, expr in base:
        if ident in used:
            k = 2
            while f"{ident}.{k}" in used:
                k += 1
            ident = f"{ident}.{k}"
        used.add(ident)
        rows.append({"id": ident, "expr": expr, "origin": origin})
        if args.no_mutations:
            continue
        for name, mutated in mutations(expr):
            if mutated.strip() in seen:
                continue
            seen.add(mutated.strip())
            rows.append({"id": f"{ident}~{name}", "expr": mutated, "origin": f"mutation '{name}' of {ident}"})

    for r in rows:
        sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
    log(f"{len(base)} distinct expressions, {len(rows)} with mutations")
    if not rows:
        log("nothing collected")


if __name__ == "__main__":
    main()
