"""Parsing the runbook library in a child process, so the dashboard never holds the parse.

Parsed in the dashboard's own process (in a worker thread), the shipped library grew its resident
memory by about 8 MB — markdown-it and linkify imported, every document's token stream, and the
allocator arenas of the thread that parsed, which the allocator keeps after the parse is done.
A child process parses instead and hands the runbooks back pickled over a pipe: unpickling them
costs about 1 MB and 15 ms. Should the child fail in any way, the library is parsed in-process as
before, so a broken interpreter setup costs memory, never the runbooks.

The child's answer is kept in the user's cache dir with a record of everything it read
(``tui.library_cache``): a later start over an unchanged library unpickles those same bytes without
starting a child (~0.5 s CPU saved, nearly all of it the parser's imports).

    python -m tui.library [DIR ...]     # the child: pickles (answer, record) to stdout, where the
                                        # answer is the pickle of (runbooks, findings)
"""

from __future__ import annotations

from warroom import ImportsUnswept

with ImportsUnswept(freeze=__name__ == "__main__"):       # the child's: frozen after (``_child``)
    import importlib.util
    import pickle
    import subprocess
    import sys
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from typing import TYPE_CHECKING

    from tui import library_cache
    from warroom.runbook.model import Finding, Runbook

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.runbook.library import RunbookLibrary

CHILD_TIMEOUT = 120.0  # seconds; a library of thousands of runbooks on a slow disk, generously
#: What unpickling an answer (the child's, or the one kept for it) raises when it is not one.
NOT_AN_ANSWER = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError)


def load_runbooks(cfg: Config) -> tuple[list[Runbook], list[Finding]]:
    """The shipped library plus the configured dirs, with every lint finding kept for display.

    Uses the runbook engine's library when it is present; a runbook that fails to parse shows up
    as findings, never as a crash.
    """
    return _load(lambda library: library.from_config(cfg))


def _load(make: Callable[[type[RunbookLibrary]], RunbookLibrary]) -> tuple[list[Runbook], list[Finding]]:
    if importlib.util.find_spec("warroom.runbook.library") is None:
        return [], [Finding(file="(runbooks)", line=0, level="warning",
                            message="the runbook engine is not installed yet; no runbooks loaded")]
    from warroom.runbook.library import RunbookLibrary

    lib = make(RunbookLibrary)
    runbooks = lib.list()
    findings = [f for rb in runbooks for f in rb.findings]
    findings.extend(lib.findings)
    return runbooks, findings


def load_in_child(cfg: Config) -> tuple[list[Runbook], list[Finding]]:
    """The library of ``cfg`` (shipped + configured dirs): as kept from the last child over it when
    nothing it read changed, else parsed by a child process (and kept)."""
    dirs = [str(d) for d in cfg.runbook_dirs()]
    kept = library_cache.entry(dirs)
    answer = kept.read() if kept is not None else None
    if answer is not None:
        try:
            # Ours: a child's answer, kept whole (digest) in a file only this user can write.
            runbooks, findings = pickle.loads(answer)  # noqa: S301
        except NOT_AN_ANSWER:
            pass        # kept by another version of the model: a child answers anew below
        else:
            return list(runbooks), list(findings)
    try:
        proc = subprocess.run([sys.executable, "-m", "tui.library", *dirs], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=CHILD_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return load_runbooks(cfg)
    if proc.returncode != 0:
        return load_runbooks(cfg)
    try:
        # Our own child's output over a pipe, never a file anyone else could have written.
        answer, record = pickle.loads(proc.stdout)  # noqa: S301
        runbooks, findings = pickle.loads(answer)  # noqa: S301
    except NOT_AN_ANSWER:
        return load_runbooks(cfg)
    if kept is not None and record is not None:
        kept.write(answer, record)
    return list(runbooks), list(findings)


def _child(dirs: Sequence[str]) -> int:
    """Parse the library over ``dirs`` (the parent's ``Config.runbook_dirs()``) as ``load_runbooks``
    does, recording what it reads; only the parser is imported, not the config."""
    recorder = library_cache.Recorder(dirs)
    searched: list[Path] = []

    def recording(library: type[RunbookLibrary]) -> RunbookLibrary:
        class Recording(library):  # type: ignore[valid-type,misc]
            """The library, telling the recorder each directory before it is looked at and each file
            before it is read."""

            def load(self) -> None:
                for d in self.dirs:
                    recorder.note(d)
                searched.extend(self.dirs)
                super().load()

            def add_file(self, path: Path) -> Runbook:
                recorder.note(path)
                return super().add_file(path)

        return Recording(dirs)

    answer = pickle.dumps(_load(recording), protocol=pickle.HIGHEST_PROTOCOL)
    record = recorder.finish(searched)
    sys.stdout.buffer.write(pickle.dumps((answer, record), protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    if importlib.util.find_spec("warroom.runbook.library") is not None:   # else ``_load`` says it is missing
        with ImportsUnswept():      # the parser's modules, most of the child's imports: frozen
            import warroom.runbook.library  # noqa: F401
    raise SystemExit(_child([str(Path(d)) for d in sys.argv[1:]]))
