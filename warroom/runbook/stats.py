"""How much of a set of runbooks becomes runnable steps.

    python -m warroom.runbook.stats PATH...

Counts the runbooks that parse (every readable markdown file does; binary, empty or unreadable
ones do not), and for their code blocks: how many fences carry a shell language (bash, sh,
shell, console, zsh...) and how many of those became at least one step; blocks without a
language that were recognised as commands or PromQL; and the steps by kind.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from warroom.runbook.fence import SHELL_LANGS
from warroom.runbook.parser import load_runbook

_FATAL = ("not a text file", "file is empty", "cannot read", "too large", "is a directory")


def corpus_stats(paths: Iterable[str | Path]) -> dict[str, object]:
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            # Public runbook repos also keep markdown without an extension.
            files.extend(f for f in sorted(p.rglob("*")) if f.is_file() and (
                f.suffix.lower() in (".md", ".markdown") or (not f.suffix and f.name != "LICENSE"
                                                               and _looks_markdown(f))))
        elif p.is_file():
            files.append(p)
    parsed = 0
    kinds: Counter[str] = Counter()
    shell_blocks = shell_with_steps = 0
    untagged = untagged_steps = 0
    failed: list[str] = []
    for f in files:
        rb = load_runbook(f)
        if any(x.message.startswith(_FATAL) for x in rb.findings):
            failed.append(str(f))
            continue
        parsed += 1
        kinds.update(s.kind for s in rb.steps)
        for b in rb.code_blocks:
            if b["kind"] == "indented":
                continue
            if b["lang"] in SHELL_LANGS:
                shell_blocks += 1
                shell_with_steps += b["steps"] > 0
            elif b["lang"] == "" and b["kind"] in ("shell", "promql"):
                untagged += 1
                untagged_steps += b["steps"] > 0
    return {"files": len(files), "parsed": parsed, "failed": failed,
            "shell_blocks": shell_blocks, "shell_blocks_with_steps": shell_with_steps,
            "untagged_command_blocks": untagged, "untagged_blocks_with_steps": untagged_steps,
            "steps": dict(kinds)}


def _looks_markdown(path: Path) -> bool:
    try:
        head = path.read_bytes()[:200]
    except OSError:
        return False
    return head.lstrip().startswith((b"#", b"---", b"+++"))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m warroom.runbook.stats PATH...", file=sys.stderr)
        return 2
    st = corpus_stats(args)
    share = (st["shell_blocks_with_steps"] / st["shell_blocks"] * 100) if st["shell_blocks"] else 0.0
    steps = st["steps"]
    print(f"runbooks parsed: {st['parsed']}/{st['files']}")
    for f in st["failed"]:  # type: ignore[attr-defined]
        print(f"  did not parse: {f}")
    print(f"shell-language blocks that became steps: {st['shell_blocks_with_steps']}/"
          f"{st['shell_blocks']} ({share:.1f}%)")
    print(f"blocks without a language recognised as commands/PromQL: "
          f"{st['untagged_command_blocks']} ({st['untagged_blocks_with_steps']} with steps)")
    print("steps: " + ", ".join(f"{k} {v}" for k, v in sorted(steps.items())) +  # type: ignore[union-attr]
          f" (total {sum(steps.values())})")  # type: ignore[union-attr]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
