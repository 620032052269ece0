"""Latency of ``gru-lint server``: from ``didChange`` to the ``publishDiagnostics`` it causes.

Starts the real server over stdio (as an editor does, with the test suite's small client),
opens ``benchmarks/model_500.py`` and makes ``--edits`` edits one after another, each a
full-text change as the server asks for (one number on one line changes, alternating
between two lines so the text is always new), waiting for the diagnostics of that version
before the next. Reports p50/p95/max in milliseconds. The target is p95 <= 50 ms on the
2-core CI machine; it is reported, never asserted.

    python benchmarks/lsp_bench.py
    python benchmarks/lsp_bench.py --edits 200 --file path/to/model.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from lsp_client import LspClient  # noqa: E402

TARGET_P95_MS = 50.0


def server_cpu(pid):
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``; None elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def percentile(values, q):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3, help="untimed edits first")
    parser.add_argument("--file", type=Path, default=HERE / "model_500.py")
    args = parser.parse_args(argv)

    text = args.file.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    editable = [i for i, line in enumerate(lines) if "=" in line and not line.lstrip().startswith("#")]
    a, b = editable[len(editable) // 3], editable[2 * len(editable) // 3]
    uri = args.file.resolve().as_uri()

    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    client = LspClient(settings={})
    try:
        client.initialize()
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        )
        first = client.diagnostics(uri, 1)
        cpu_before = server_cpu(client.proc.pid)
        timings = []
        for n in range(args.warmup + args.edits):
            version = n + 2
            edited = list(lines)
            row = a if n % 2 else b
            edited[row] = edited[row].rstrip("\r\n") + f"  # edit {n}" + edited[row][len(edited[row].rstrip("\r\n")):]
            start = time.perf_counter()
            client.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"text": "".join(edited)}],
                },
            )
            client.diagnostics(uri, version)
            elapsed = (time.perf_counter() - start) * 1000
            if n >= args.warmup:
                timings.append(elapsed)
        cpu = server_cpu(client.proc.pid)
        if cpu is not None and cpu_before is not None:
            cpu = (cpu - cpu_before) / (args.warmup + args.edits) * 1000
        client.shutdown()
    finally:
        client.kill()

    p50, p95 = statistics.median(timings), percentile(timings, 95)
    print(f"file: {args.file} ({len(lines)} lines, {len(first)} findings)")
    print(f"didChange -> publishDiagnostics over {len(timings)} edits:")
    print(f"  p50 {p50:.1f} ms   p95 {p95:.1f} ms   max {max(timings):.1f} ms   min {min(timings):.1f} ms")
    if cpu is not None:
        print(f"  server CPU time per edit: {cpu:.1f} ms (analysis, JSON-RPC and all)")
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()[0]
        print(f"  load average: {load_before:.2f} before, {load:.2f} after, on {os.cpu_count()} cores"
              + (" -- other processes competed, latencies are inflated" if load > (os.cpu_count() or 1) else ""))
    verdict = "meets" if p95 <= TARGET_P95_MS else "misses"
    print(f"  {verdict} the target p95 <= {TARGET_P95_MS:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
