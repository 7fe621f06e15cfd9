#!/usr/bin/env python3
"""Memory of the language server over open/close cycles (hostile review case 88).

Starts `o11ylint server`, then CYCLES times opens DOCS rule files of about 50 KB each and
closes them all, then sends EDITS edits with distinct expressions to one document. After
each phase it reads the server's resident memory (VmRSS in /proc). A server that keeps what
a closed document left behind grows from cycle to cycle; one that does not stays flat.

Prints one line per phase and a last line `lsp-memory: first cycle A MB, last cycle B MB,
edits C MB`; exits 1 when the last cycle is more than 10% above the first. Used by
`make bench` (scripts/bench.sh); a memory goal, so not a unit test.
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/o11ylint")
CYCLES = int(os.environ.get("LSP_CYCLES", "4"))
DOCS = int(os.environ.get("LSP_DOCS", "1000"))
EDITS = int(os.environ.get("LSP_EDITS", "5000"))


def rule_file(n: int, size: int = 50_000) -> str:
    out = ["groups:", f"  - name: g{n}", "    rules:"]
    i = 0
    while sum(len(line) + 1 for line in out) < size:
        out += [
            f"      - alert: Doc{n}Alert{i}",
            f"        expr: sum by (job) (rate(http_requests_total{{code=~\"5..\",doc=\"{n}\"}}[5m])) > {i}",
            "        labels:",
            "          severity: warning",
            "        annotations:",
            f"          summary: \"{{{{ $labels.job }}}} fails ({i})\"",
        ]
        i += 1
    return "\n".join(out) + "\n"


def main() -> int:
    root = tempfile.mkdtemp(prefix="o11ylint-lsp-mem-")
    proc = subprocess.Popen([BIN, "server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, cwd=root)
    answered = threading.Event()

    def drain() -> None:
        # read every frame the server writes so that it never blocks on a full pipe
        out = proc.stdout
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                c = out.read(1)
                if not c:
                    return
                header += c
            length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
            body = json.loads(out.read(length))
            if body.get("id") == 999:
                answered.set()

    threading.Thread(target=drain, daemon=True).start()

    def send(msg: dict) -> None:
        data = json.dumps(msg).encode()
        proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)

    def rss_mb() -> float:
        # the server answers requests in order: once it answered a request sent after the
        # phase, it has handled the phase's messages
        answered.clear()
        send({"jsonrpc": "2.0", "id": 999, "method": "workspace/executeCommand",
              "params": {"command": "o11ylint.noop"}})
        proc.stdin.flush()
        answered.wait(600)
        time.sleep(0.5)
        for line in open(f"/proc/{proc.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
          "params": {"processId": None, "rootUri": f"file://{root}", "capabilities": {}}})
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    cycles = []
    for c in range(CYCLES):
        for i in range(DOCS):
            send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
                "uri": f"file://{root}/rules/doc{i}.yaml", "languageId": "yaml", "version": 1,
                "text": rule_file(c * DOCS + i)}}})
        opened = rss_mb()
        for i in range(DOCS):
            send({"jsonrpc": "2.0", "method": "textDocument/didClose",
                  "params": {"textDocument": {"uri": f"file://{root}/rules/doc{i}.yaml"}}})
        closed = rss_mb()
        cycles.append(closed)
        print(f"cycle {c + 1}: {DOCS} documents open {opened:.0f} MB, all closed {closed:.0f} MB",
              flush=True)
    uri = f"file://{root}/rules/edited.yaml"
    send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "yaml", "version": 1, "text": rule_file(0, 2_000)}}})
    for e in range(EDITS):
        text = ("groups:\n  - name: g\n    rules:\n      - record: job:x:rate5m\n"
                f"        expr: sum by (job) (rate(x_total{{n=\"{e}\"}}[5m])) * {e}\n")
        send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": e + 2}, "contentChanges": [{"text": text}]}})
    edits = rss_mb()
    print(f"{EDITS} edits with distinct expressions: {edits:.0f} MB", flush=True)
    send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
    send({"jsonrpc": "2.0", "method": "exit"})
    proc.stdin.close()
    proc.wait(60)
    print(f"lsp-memory: first cycle {cycles[0]:.0f} MB, last cycle {cycles[-1]:.0f} MB, "
          f"edits {edits:.0f} MB")
    return 0 if cycles[-1] <= cycles[0] * 1.10 else 1


if __name__ == "__main__":
    sys.exit(main())
