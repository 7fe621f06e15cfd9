#!/usr/bin/env python3
"""Every generated Grafana dashboard checked against Grafana's own published
schema package and against the variable shape Grafana's Loki data source reads.

1. Type check: each generated/grafana/*.json is written as a TypeScript object
   literal typed as `Dashboard` from `@grafana/schema` (Apache-2.0, the types
   Grafana generates from its CUE kinds) and compiled with `tsc --noEmit
   --strict`. Object literals get TypeScript's excess-property check, so an
   unknown key is an error as well as a wrong type. String enums of the schema
   (e.g. ThresholdsMode) are compared by value, as JSON carries them. Top-level
   keys starting with `__` (export metadata such as `__inputs`, and the
   generator's `__comment` marker) are not part of the model and are left out.
2. Loki variables: Grafana's Loki data source (`metricFindQuery` /
   `processMetricFindQuery` in public/app/plugins/datasource/loki/datasource.ts)
   reads a variable query either as a string or as an object with `type`
   (0 label names, 1 label values), `label` and optionally `stream`; any other
   object returns no values.

Needs node and npm (installs the packages pinned by package-lock.json into
node_modules on first use). Exit status: 0 ok, 1 a dashboard fails, 3 skipped
(node/npm missing).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

PRELUDE = """import type { Dashboard } from '@grafana/schema';

// JSON carries enum members by value: compare string enums by their values.
type Loose<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends Array<infer U>
      ? Array<Loose<U>>
      : T extends object
        ? { [K in keyof T]: Loose<T[K]> }
        : T;

"""


def loki_variable_problems(name: str, dash: dict) -> list[str]:
    out = []
    for v in (dash.get("templating") or {}).get("list", []):
        ds = v.get("datasource") or {}
        if v.get("type") != "query" or ds.get("type") != "loki":
            continue
        q = v.get("query")
        if isinstance(q, str):
            continue
        if not isinstance(q, dict) or q.get("type") not in (0, 1, 2) or \
                (q.get("type") == 1 and not isinstance(q.get("label"), str)):
            out.append(f"{name}: variable `{v.get('name')}`: Loki variable query {json.dumps(q)} is not a shape "
                       "Grafana's Loki data source reads (a string, or {type, label, stream}); the variable "
                       "stays empty")
    return out


def main() -> int:
    if not shutil.which("node") or not shutil.which("npm"):
        print("grafana-schema: SKIP: node/npm not installed", file=sys.stderr)
        return 3
    dashboards = sorted((ROOT / "generated" / "grafana").glob("*.json"))
    problems = []
    for p in dashboards:
        problems += loki_variable_problems(p.name, json.loads(p.read_text()))
    if not (HERE / "node_modules" / "@grafana" / "schema").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True)
    with tempfile.TemporaryDirectory(dir=HERE, prefix=".tscheck-") as tmp:
        t = Path(tmp)
        files = []
        for p in dashboards:
            f = t / (p.stem.replace("-", "_") + ".ts")
            dash = json.loads(p.read_text())
            # top-level `__` keys (__inputs, __requires, our __comment marker) are
            # export metadata outside the dashboard model; Grafana's import drops them
            dash = {k: v for k, v in dash.items() if not k.startswith("__")}
            f.write_text(PRELUDE + f"export const dashboard: Loose<Dashboard> = {json.dumps(dash, indent=2)};\n")
            files.append(str(f))
        tsc = HERE / "node_modules" / "typescript" / "bin" / "tsc"
        r = subprocess.run(["node", str(tsc), "--noEmit", "--strict", "--skipLibCheck", "--target", "es2022",
                            "--module", "nodenext", "--moduleResolution", "nodenext", *files],
                           cwd=HERE, capture_output=True, text=True)
        for line in (r.stdout + r.stderr).splitlines():
            if line.strip():
                problems.append(line.replace(str(t) + "/", "generated/grafana/"))
    version = json.loads((HERE / "node_modules" / "@grafana" / "schema" / "package.json").read_text())["version"]
    for pr in problems:
        print(f"FAIL {pr}")
    print(f"grafana-schema: {len(dashboards)} dashboards against @grafana/schema {version}: "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
