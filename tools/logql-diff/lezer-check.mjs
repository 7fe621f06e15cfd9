// Reads JSON lines {"id": ..., "expr": ...} on stdin and prints, for each,
// {"id": ..., "valid": bool, "error_at": offset|null} according to Grafana's
// lezer LogQL grammar (@grafana/lezer-logql). Lezer recovers from errors
// instead of failing, so an expression counts as invalid when the tree it
// builds contains an error node; error_at is the offset of the first one.
// Offsets are in UTF-16 code units as JavaScript counts them; run.sh converts
// nothing, it only compares validity.
import { createInterface } from 'node:readline';
import { parser } from '@grafana/lezer-logql';

function check(expr) {
  const tree = parser.parse(expr);
  let errorAt = null;
  tree.iterate({
    enter(node) {
      if (errorAt !== null) return false;
      if (node.type.isError) {
        errorAt = node.from;
        return false;
      }
      return true;
    },
  });
  return { valid: errorAt === null, error_at: errorAt };
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (line.trim() === '') continue;
  let rec;
  try {
    rec = JSON.parse(line);
  } catch (e) {
    process.stderr.write(`lezer-check: skipping a line that is not JSON: ${e.message}\n`);
    continue;
  }
  const expr = typeof rec.expr === 'string' ? rec.expr : '';
  const out = { id: rec.id, ...check(expr) };
  process.stdout.write(JSON.stringify(out) + '\n');
}
