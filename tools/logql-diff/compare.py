#!/usr/bin/env python3
"""Join the two checkers' verdicts by id, print the agreement and write the
Markdown report (every disagreement with the expression and a judgement).

Python 3 standard library only.
"""

import argparse
import json
import re
import sys

# Judgements, tried in order. Each is (applies-when, reason). `ours_valid`
# tells which side accepted; `msg` is our parser's error message (if any).
JUDGEMENTS = [
    (
        lambda e, ours_valid, msg: not ours_valid and "escape sequence" in msg,
        "Loki reads double-quoted strings with Go's rules, which reject an unknown escape "
        "such as `\\*` or `\\d`; lezer's String token accepts any backslash pair. Loki rejects "
        "this query, and so do we: lezer is too lenient.",
    ),
    (
        lambda e, ours_valid, msg: not ours_valid
        and re.search(
            r"needs an unwrap|cannot be used with unwrap|does not support by/without|"
            r"needs a quantile parameter|does not take a parameter|needs a number parameter",
            msg,
        ),
        "Loki checks while parsing which range/vector aggregations need or refuse `unwrap`, "
        "a parameter or `by`/`without`; the lezer grammar only checks the shape. Loki rejects "
        "this query, and so do we: lezer is too lenient.",
    ),
    (
        lambda e, ours_valid, msg: not ours_valid
        and re.search(r"bool modifier|is a log query|group modifiers|between two numbers", msg),
        "Loki rejects this binary expression while building it (log query as an operand, "
        "`bool` on a non-comparison, or a comparison of two scalars without `bool`); the lezer "
        "grammar does not check it. We follow Loki: lezer is too lenient.",
    ),
    (
        lambda e, ours_valid, msg: not ours_valid and msg.startswith("invalid regular expression"),
        "Loki compiles every regular expression of a matcher, line filter or label filter "
        "while parsing the query (Go's regexp, RE2 syntax) and refuses the query when one does "
        "not compile; the lezer grammar does not look inside strings. Loki rejects this query, "
        "and so do we: lezer is too lenient.",
    ),
    (
        lambda e, ours_valid, msg: ours_valid
        and re.search(r"\|\s*unwrap\b[^\[]*\[[^\]]*\]\s*offset\b", e),
        "`offset` after the range of an unwrapped range aggregation whose pipeline has stages "
        "before the unwrap (`{...} | json | unwrap x [5m] offset 1h`): Loki documents `offset` "
        "as a modifier of the range of any range aggregation, but the lezer grammar lists the production "
        "`Selector PipelineExpr UnwrapExpr Range` without an `OffsetExpr` variant (it has one "
        "for every other placement). A gap in lezer; we accept it.",
    ),
    (
        lambda e, ours_valid, msg: ours_valid
        and re.search(r'(["`]|\d[a-zA-Z]*|\))\s+[A-Za-z_]\w*\s*(=~|!~|!=|==|>=|<=|=|>|<)', e),
        "Label filters joined by whitespace (`| a=\"x\" b=\"y\"`): Loki's documentation says `and` "
        "may be written as a comma, a space or another pipe; the lezer grammar only knows "
        "`and`, `,` and `or`. A gap in lezer; we accept it.",
    ),
]

UNEXPLAINED = "UNEXPLAINED: to investigate."


def judge(expr, ours_valid, msg):
    for cond, reason in JUDGEMENTS:
        if cond(expr, ours_valid, msg or ""):
            return reason
    return UNEXPLAINED


def load(path):
    out = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                rec = json.loads(line)
                out[rec["id"]] = rec
    return out


def md_code(s):
    s = s.replace("\n", "\u23ce ")
    ticks = "``" if "`" in s else "`"
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{ticks}{pad}{s}{pad}{ticks}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--lezer", required=True)
    ap.add_argument("--rust", required=True)
    ap.add_argument("--markdown")
    ap.add_argument("--lezer-version", default="?")
    ap.add_argument("--rust-command", default="target/release/o11ylint debug logql")
    ap.add_argument("--min-agreement", type=float, default=None, help="exit 1 below this percentage")
    ap.add_argument("--max-unexplained", type=int, default=None,
                    help="exit 1 when more disagreements than this have no explanation")
    args = ap.parse_args()

    corpus = []
    with open(args.corpus, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                corpus.append(json.loads(line))
    lezer = load(args.lezer)
    rust = load(args.rust)

    total = 0
    agree = 0
    both_valid = both_invalid = 0
    disagreements = []
    missing = 0
    for rec in corpus:
        i = rec["id"]
        if i not in lezer or i not in rust:
            missing += 1
            continue
        total += 1
        lv = bool(lezer[i]["valid"])
        rv = bool(rust[i]["valid"])
        if lv == rv:
            agree += 1
            if lv:
                both_valid += 1
            else:
                both_invalid += 1
        else:
            msg = rust[i].get("message") or ""
            disagreements.append((rec, lv, rv, msg, judge(rec["expr"], rv, msg)))

    if total == 0:
        print("logql-diff: no expressions to compare (corpus missing?); skipped")
        return 0
    pct = 100.0 * agree / total
    lezer_valid = sum(1 for r in corpus if r["id"] in lezer and lezer[r["id"]]["valid"])
    rust_valid = sum(1 for r in corpus if r["id"] in rust and rust[r["id"]]["valid"])
    unexplained = sum(1 for d in disagreements if d[4] == UNEXPLAINED)
    print(f"logql-diff: {agree}/{total} agree ({pct:.2f}%), {len(disagreements)} disagreements "
          f"({unexplained} unexplained); valid per lezer {lezer_valid}, per o11ylint {rust_valid}")
    if missing:
        print(f"logql-diff: {missing} ids missing from a checker's output", file=sys.stderr)

    if args.markdown:
        lines = [
            "# LogQL parser: differential test against Grafana's lezer grammar",
            "",
            "o11ylint parses LogQL with its own parser (`src/syntax/logql/`). This test",
            "compares its verdict (valid or not) with the one of `@grafana/lezer-logql`",
            f"{args.lezer_version}, the grammar Grafana's query editor uses, on real",
            "expressions and on systematic mutations of them. Lezer recovers from errors, so",
            "an expression counts as invalid for it when its tree holds an error node.",
            "",
            "This file is generated by `tools/logql-diff/run.sh`; do not edit it by hand.",
            "",
            "## Result",
            "",
            "| | count |",
            "|---|---|",
            f"| expressions compared | {total} |",
            f"| same verdict | {agree} ({pct:.2f}%) |",
            f"| both valid | {both_valid} |",
            f"| both invalid | {both_invalid} |",
            f"| valid for lezer only | {sum(1 for d in disagreements if d[1])} |",
            f"| valid for o11ylint only | {sum(1 for d in disagreements if d[2])} |",
            f"| disagreements without an explanation | {unexplained} |",
            "",
            "## How to reproduce",
            "",
            "```sh",
            "cargo build --release",
            "tools/logql-diff/run.sh",
            "```",
            "",
            "`run.sh` installs the pinned npm package when `node_modules/` is missing, runs",
            "`collect.py` (corpus and mutations, written as JSON lines), `lezer-check.mjs`",
            "and the Rust checker (`$LOGQL_RUST`, default",
            "`target/release/o11ylint debug logql`), then this comparison.",
            f"This run used `LOGQL_RUST={args.rust_command}`.",
            "",
            "Sources: the `expr` of every Loki rule file in `../shared/corpus/loki-rules/`,",
            "every target `expr` of a Loki data source in `../shared/corpus/grafana-dashboards/`",
            "(Grafana variables replaced: interval built-ins by `5m`, other variables by `x`, or",
            "`1` after a comparison operator), LogQL in this repository under `generated/loki/`,",
            "`contracts/` and `tests/fixtures/` when present, and for each distinct expression",
            "mutations that break it (deleted characters, a duplicated token, a dropped `}`, `)`",
            "or `]`, swapped operators, a removed pipe, a trailing operator, a stray comma, a",
            "string compared with `>`) or keep it valid (wrapping, comments, newlines, an extra",
            "matcher, line filter or parser, another range, `offset`, backtick strings,",
            "`without`).",
            "",
            "## Disagreements",
            "",
        ]
        if not disagreements:
            lines.append("None.")
        for n, (rec, lv, rv, msg, reason) in enumerate(disagreements, 1):
            lines.append(f"{n}. `{rec['id']}`: lezer says {'valid' if lv else 'invalid'}, "
                         f"o11ylint says {'valid' if rv else 'invalid'}"
                         + (f" ({md_code(msg)})" if msg else "") + ".")
            lines.append(f"   - expression: {md_code(rec['expr'])}")
            lines.append(f"   - judgement: {reason}")
        lines.append("")
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines))
        print(f"logql-diff: wrote {args.markdown}")

    if args.min_agreement is not None and pct < args.min_agreement:
        print(f"logql-diff: agreement {pct:.2f}% is below {args.min_agreement}%", file=sys.stderr)
        return 1
    if args.max_unexplained is not None and unexplained > args.max_unexplained:
        print(f"logql-diff: {unexplained} disagreements have no explanation (at most "
              f"{args.max_unexplained} allowed); see {args.markdown or 'the report'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
