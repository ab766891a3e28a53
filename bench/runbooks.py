"""Runbook parsing: steps found, exactness against a hand-made list, and time per MB, beside peers.

    python -m bench.runbooks            # corpus + peers (installs them in a throwaway venv)
    python -m bench.runbooks --no-peers # warroom only

On ``../shared/corpus/runbooks``: the runnable steps ``warroom`` finds, and how they compare with
the commands listed by hand in ``tests/fixtures/runbooks_expected/corpus_commands.json`` (exact /
mangled / missed / false, :mod:`warroom.runbook.exactness`). The same for the two nearest Python
peers, ``runbook-exec`` and ``runbookproof``, installed from PyPI into a temporary virtualenv
that is deleted afterwards (they are never a dependency of warroom). Time per MB: each tool
parses the whole corpus several times in one process; the best round is reported.

Throughput and linearity: synthetic runbooks (written here, from text of our own) of 1 MB and 4 MB
parsed by warroom; the 4 MB/1 MB time ratio near 4 means linear, and MB/s must stay >= 1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXPECTED = REPO / "tests" / "fixtures" / "runbooks_expected" / "corpus_commands.json"
PEERS = ("runbook-exec==0.2.2", "runbookproof==0.1.0")


def corpus_dir() -> Path:
    for base in (REPO.parent, REPO.parent.parent):
        if (base / "shared" / "corpus" / "runbooks").is_dir():
            return base / "shared" / "corpus" / "runbooks"
    return REPO.parent / "shared" / "corpus" / "runbooks"


def corpus_files(root: Path) -> list[Path]:
    out = []
    for p in sorted(root.rglob("*")):
        if not p.is_file() or p.name == "LICENSE":
            continue
        if p.suffix.lower() in (".md", ".markdown"):
            out.append(p)
        elif not p.suffix and p.read_bytes()[:200].lstrip().startswith((b"#", b"---", b"+++")):
            out.append(p)
    return out


# Runs inside the peers' venv: prints {"tool": {"commands": {file: [...]}, "seconds": best}}.
PEER_SCRIPT = r'''
import json, sys, time
from pathlib import Path
files = json.loads(sys.argv[1]); rounds = int(sys.argv[2])
out = {}
def run_exec(f):
    from runbook_exec.parser import parse_runbook
    try:
        return [s.command for s in parse_runbook(Path(f)) if s.command]
    except Exception as exc:  # a peer failing on a file is a result, not a bench crash
        return {"error": repr(exc)}
def run_proof(f):
    from runbookproof.extractors.markdown import extract_commands_from_markdown
    try:
        text = Path(f).read_text(encoding="utf-8", errors="replace")
        return [c.raw_text for c in extract_commands_from_markdown(text, path=f)]
    except Exception as exc:
        return {"error": repr(exc)}
for name, fn in (("runbook-exec 0.2.2", run_exec), ("runbookproof 0.1.0", run_proof)):
    cmds = {f: fn(f) for f in files}
    best = None
    for _ in range(rounds):
        t0 = time.perf_counter()
        for f in files:
            fn(f)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    out[name] = {"commands": cmds, "seconds": best}
print(json.dumps(out))
'''


def warroom_commands(files: list[Path], rounds: int) -> tuple[dict[str, list[str]], float]:
    from warroom.runbook.parser import load_runbook

    cmds = {str(f): [s.command for s in load_runbook(f).steps if s.command] for f in files}
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for f in files:
            load_runbook(f)
        best = min(best, time.perf_counter() - t0)
    return cmds, best


def peer_commands(files: list[Path], rounds: int) -> dict[str, dict]:
    with tempfile.TemporaryDirectory(prefix="warroom-bench-peers-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        py = venv / "bin" / "python"
        pip = subprocess.run([str(py), "-m", "pip", "install", "-q", *PEERS], capture_output=True,
                             text=True, timeout=600)
        if pip.returncode != 0:
            return {"error": {"message": pip.stderr[-500:]}}
        proc = subprocess.run([str(py), "-c", PEER_SCRIPT, json.dumps([str(f) for f in files]),
                               str(rounds)], capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            return {"error": {"message": proc.stderr[-500:]}}
        return json.loads(proc.stdout)


def synthetic(size: int) -> str:
    """A runbook of about ``size`` bytes in the shapes real ones have (text of our own)."""
    unit = """
## Check the queue worker {n}

The worker drains the ingest queue and writes batches to the warehouse every few seconds. When
the warehouse is slow the queue grows; when the worker crashes it stops growing *and* stops
draining, which looks the same on the lag panel for the first minutes. Before touching anything,
find out which of the two it is: a restart of a worker that is merely slow loses its in-flight
batch and makes the lag worse. See [the ingest design notes](https://example.invalid/ingest) for
why batches are not idempotent, and ask in the channel if the lag is above **ten minutes**.

The worker drains the ingest queue. If the backlog grows, look at it first:

1. See how far behind it is: `kubectl -n ingest get deploy worker-{n} -o wide`
2. Read its last errors:

    ```bash
    # Recent errors only
    kubectl -n ingest logs deploy/worker-{n} --since=15m | grep -i error | tail -50
    # Expected: no "connection refused"

    kubectl -n ingest rollout restart deploy/worker-{n}
    ```

| flag | meaning |
|------|---------|
| `--since` | how far back |

- [ ] Tell the channel: `echo "worker {n} restarted"`

Once it drains, note the time in the incident and watch the lag panel for another ten minutes:
a worker that restarts in a loop drains for a while and stops again, and the panel is the only
place that shows it without logging in to the node. If it stops again, escalate to the data team.

```bash
cat <<'EOF' > /tmp/worker-{n}.conf
max_batch = 100
retry = 3
EOF
```
"""
    parts = []
    total = 0
    n = 0
    while total < size:
        chunk = unit.format(n=n)
        parts.append(chunk)
        total += len(chunk)
        n += 1
    return "# Ingest workers\n" + "".join(parts)


def throughput() -> dict[str, float]:
    """warroom's parse of 1 MB and 4 MB, and markdown-it's own full parse of the same 4 MB text
    in the same run (the baseline: machine load moves both)."""
    from markdown_it import MarkdownIt

    from warroom.runbook.parser import parse_runbook

    texts = {mb: synthetic(mb * 1024 * 1024) for mb in (1, 4)}
    md = MarkdownIt("commonmark").enable("table")
    best: dict[str, float] = {}
    # Interleaved rounds, best of each: a shared machine's load changes during the run.
    for _ in range(2):
        for mb, text in texts.items():
            t0 = time.perf_counter()
            parse_runbook(text)
            t1 = time.perf_counter()
            md.parse(text)
            t2 = time.perf_counter()
            for key, value in ((f"{mb}MB_seconds", t1 - t0), (f"markdown_it_{mb}MB_seconds", t2 - t1)):
                best[key] = min(best.get(key, float("inf")), value)
    out = dict(best)
    out["MB_per_s"] = 4 / out["4MB_seconds"]
    out["ratio_4MB_to_1MB"] = out["4MB_seconds"] / out["1MB_seconds"]
    out["markdown_it_ratio_4MB_to_1MB"] = out["markdown_it_4MB_seconds"] / out["markdown_it_1MB_seconds"]
    out["ratio_to_markdown_it"] = out["4MB_seconds"] / out["markdown_it_4MB_seconds"]
    return out


def figures(quick: bool) -> list[dict[str, object]]:
    """Rows for ``python -m bench``'s table (``--quick``: no peers, fewer rounds)."""
    data = measure(peers=not quick, rounds=2 if quick else 5, quiet=True)
    if data is None:
        return [{"name": "runbooks: corpus", "unit": "", "value": None, "baseline": None,
                 "note": "corpus not present"}]
    rows, tp = data["tools"], data["throughput"]
    ours = rows["warroom"]
    peers = {k: v for k, v in rows.items() if k != "warroom"}
    best = max(peers.items(), key=lambda kv: kv[1]["exact"]) if peers else None
    return [
        {"name": f"runbooks: hand-listed commands found exactly (of {ours['listed']})",
         "unit": "", "value": float(ours["exact"]),
         "baseline": float(best[1]["exact"]) if best else None,
         "baseline_name": best[0] if best else "", "target": ">= 1.0",
         "note": f"mangled {ours['mangled']}, missed {ours['missed']}, false {ours['false']}"},
        {"name": "runbooks: parse a 4 MB runbook", "unit": "s", "value": tp["4MB_seconds"],
         "baseline": tp["markdown_it_4MB_seconds"], "baseline_name": "markdown-it's own parse",
         "note": f"{tp['MB_per_s']:.2f} MB/s; 4/1 MB time x{tp['ratio_4MB_to_1MB']:.2f}"},
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.runbooks", description=__doc__.split("\n")[0])
    ap.add_argument("--no-peers", action="store_true", help="skip runbook-exec / runbookproof")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    measure(peers=not args.no_peers, rounds=args.rounds)
    return 0


def measure(*, peers: bool, rounds: int, quiet: bool = False) -> dict | None:
    """Run everything, print the table (unless ``quiet``), write bench/results/runbooks.json."""
    from warroom.runbook.exactness import Score, score

    say = (lambda *a: None) if quiet else print  # noqa: E731
    root = corpus_dir()
    if not root.is_dir():
        say(f"corpus not present at {root}")
        return None
    files = corpus_files(root)
    mb = sum(f.stat().st_size for f in files) / (1024 * 1024)
    expected = json.loads(EXPECTED.read_text())["files"]
    tools: dict[str, tuple[dict[str, list[str]], float | None]] = {}
    tools["warroom"] = warroom_commands(files, rounds)
    if peers:
        for name, data in peer_commands(files, rounds).items():
            if name == "error":
                say(f"peers unavailable: {data['message']}")
                continue
            cmds = {f: (c if isinstance(c, list) else []) for f, c in data["commands"].items()}
            tools[name] = (cmds, data["seconds"])
    say(f"corpus: {len(files)} files, {mb * 1024:.0f} KiB ({root})")
    say(f"hand-listed: {sum(len(v) for v in expected.values())} commands in {len(expected)} files")
    head = f"{'tool':<22}{'steps':>7}{'listed':>8}{'exact':>7}{'mangled':>9}{'missed':>8}" \
           f"{'false':>7}{'ms/MB':>9}"
    say(head)
    say("-" * len(head))
    rows = {}
    for name, (cmds, seconds) in tools.items():
        total = Score()
        for rel, exp in expected.items():
            got = cmds.get(str(root / rel), [])
            total.add(score(exp, got))
        steps = sum(len(v) for v in cmds.values())
        per_mb = (seconds / mb * 1000) if seconds is not None and mb else float("nan")
        rows[name] = {"steps": steps, "listed": total.expected, "exact": total.exact,
                      "mangled": total.mangled, "missed": total.missed, "false": total.false,
                      "ms_per_MB": round(per_mb, 1)}
        say(f"{name:<22}{steps:>7}{total.expected:>8}{total.exact:>7}{total.mangled:>9}"
              f"{total.missed:>8}{total.false:>7}{per_mb:>9.1f}")
    tp = throughput()
    say(f"\nwarroom on synthetic runbooks: 1 MB {tp['1MB_seconds']:.2f} s, 4 MB "
          f"{tp['4MB_seconds']:.2f} s -> {tp['MB_per_s']:.2f} MB/s (target >= 1), "
          f"4MB/1MB time ratio {tp['ratio_4MB_to_1MB']:.2f} (4.0 = linear; markdown-it alone "
          f"{tp['markdown_it_ratio_4MB_to_1MB']:.2f}); markdown-it alone parses the 4 MB in "
          f"{tp['markdown_it_4MB_seconds']:.2f} s: warroom takes x{tp['ratio_to_markdown_it']:.2f}"
          " of that (the in-run baseline; load on a shared machine moves both)")
    results = REPO / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    data = {"tools": rows, "throughput": tp, "corpus_files": len(files)}
    (results / "runbooks.json").write_text(json.dumps(data, indent=1))
    return data


if __name__ == "__main__":
    raise SystemExit(main())
