#!/usr/bin/env python3
"""Turn the OpenBao fixture (tests/live/openbao.om) into recent samples.

The fixture is plain OpenMetrics in which every series has exactly two
samples: its value at t=0 and its value one hour later (t=3600). This script
reads it and writes an OpenMetrics file with one sample every STEP seconds
from END-WINDOW to END, each value interpolated on the line through the two
fixture samples (counters keep their rate, gauges that do not change stay
flat). Families, HELP/TYPE/UNIT lines and series order are kept; the output
ends with `# EOF`, ready for `promtool tsdb create-blocks-from openmetrics`.

    expand-openmetrics.py FIXTURE OUTPUT --end UNIX_SECONDS [--window 7200] [--step 15]
"""

import argparse
import sys


def parse_sample(line, lineno):
    """(series, value, timestamp) of an OpenMetrics sample line."""
    # The series may contain spaces inside quoted label values, so split
    # the value and the timestamp off the end.
    parts = line.rsplit(None, 2)
    if len(parts) != 3:
        raise SystemExit(f"line {lineno}: expected `series value timestamp`: {line!r}")
    series, value, ts = parts
    try:
        return series, float(value), float(ts)
    except ValueError:
        raise SystemExit(f"line {lineno}: value or timestamp is not a number: {line!r}")


def read_families(path):
    """[(header lines, {series: [(t, v), ...]})] in file order."""
    families = []
    current = None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line:
                continue
            if line == "# EOF":
                break
            if line.startswith("# HELP ") or line.startswith("# TYPE ") or line.startswith("# UNIT "):
                name = line.split(None, 3)[2]
                if current is None or current[0] != name or current[2]:
                    current = [name, [], {}]
                    families.append(current)
                current[1].append(line)
                continue
            if line.startswith("#"):
                raise SystemExit(f"line {lineno}: unexpected comment in OpenMetrics: {line!r}")
            if current is None:
                raise SystemExit(f"line {lineno}: sample before any # TYPE line")
            series, value, ts = parse_sample(line, lineno)
            current[2].setdefault(series, []).append((ts, value))
    for name, _, series in families:
        for s, points in series.items():
            times = sorted(t for t, _ in points)
            if times != [0.0, 3600.0]:
                raise SystemExit(f"{name}: series {s} needs exactly two samples, at 0 and 3600")
    return families


def number(v):
    text = f"{v:.12g}"
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("fixture")
    ap.add_argument("output")
    ap.add_argument("--end", type=int, required=True, help="last sample, Unix seconds")
    ap.add_argument("--window", type=int, default=7200, help="seconds of samples (default 7200)")
    ap.add_argument("--step", type=int, default=15, help="seconds between samples (default 15)")
    args = ap.parse_args()
    if args.step <= 0 or args.window < args.step:
        raise SystemExit("--step must be positive and --window at least one step")

    families = read_families(args.fixture)
    start = args.end - args.window
    times = list(range(start, args.end + 1, args.step))
    samples = 0
    with open(args.output, "w", encoding="utf-8") as out:
        for _, header, series in families:
            for h in header:
                out.write(h + "\n")
            for s, points in series.items():
                pts = dict(points)
                v0, v1 = pts[0.0], pts[3600.0]
                slope = (v1 - v0) / 3600.0
                for t in times:
                    out.write(f"{s} {number(v0 + slope * (t - start))} {t}\n")
                    samples += 1
        out.write("# EOF\n")
    n_series = sum(len(f[2]) for f in families)
    print(f"{n_series} series, {samples} samples from {start} to {args.end} every {args.step}s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
