"""The library's parse kept between dashboard starts (``tui.library_cache``): read back only while
nothing the child read has changed, never from a damaged entry or one others could have written."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tui import library_cache
from tests.unit.test_tui_library import EXTRA
from tui.library import load_in_child
from warroom.config import Config
from warroom.runbook.model import Finding, Runbook

GOOD = EXTRA          # one runbook that parses, with a step
BROKEN = "+++\nid = [unclosed\n+++\n# Broken\n"
TOOL = "zzwarroomcachetool"
BY_HAND = f"""# By hand

## Mitigation

Run `{TOOL} --verbose` on the host.
"""
OLD_NS = time.time_ns() - 10 * 86_400 * 10**9   # long before any child: not "racily clean"


#: The child as ``load_in_child`` starts it (``-m tui.library``), with no racy window: what this test wrote before
#: the child started is settled (on the file clock), so its record is kept; the window, the ctime's
#: ``RACY_NS`` before the start, is ``test_racily_clean_is_judged_on_the_ctime``'s.
SETTLED = ("from tui import library_cache; library_cache.RACY_NS = 0; import runpy; "
           "runpy.run_module('tui.library', run_name='__main__', alter_sys=True)")


def _aged(*paths: Path) -> None:
    """mtime (and atime) put back ten days: only the ctime, which moves on every write, tells the file changed."""
    for path in paths:
        os.utime(path, ns=(OLD_NS, OLD_NS))


def _library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> tuple[Config, Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    extra = tmp_path / "extra"
    extra.mkdir()
    for name, text in files.items():
        (extra / name).write_text(text)
    _aged(*extra.iterdir(), extra)
    cfg = Config()
    cfg.runbooks.dirs = [str(extra)]
    return cfg, extra


def _children(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The child processes started from here on (each still runs, with no racy window: ``SETTLED``)."""
    started: list[list[str]] = []
    real: Callable[..., subprocess.CompletedProcess[bytes]] = subprocess.run

    def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        started.append(list(argv))
        assert argv[1:3] == ["-m", "tui.library"], argv
        return real([argv[0], "-c", SETTLED, *argv[3:]], **kwargs)

    monkeypatch.setattr(subprocess, "run", run)
    return started


def _entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "warroom" / "library").glob("*" + library_cache.SUFFIX))


def _titles(loaded: tuple[list[Runbook], list[Finding]]) -> dict[str, str]:
    return {rb.id: rb.title for rb in loaded[0]}


def test_kept_while_nothing_read_changed_never_from_a_damaged_entry(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """One library through every way its entry stops serving (each a child: ~0.5 s CPU, so one test)."""
    cfg, extra = _library(tmp_path, monkeypatch, {"good.md": GOOD, "broken.md": BROKEN, "by-hand.md": BY_HAND})
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    children = _children(monkeypatch)
    kept = library_cache.entry([str(d) for d in cfg.runbook_dirs()])
    assert kept is not None

    first = load_in_child(cfg)
    assert len(children) == 1 and _entries(tmp_path) == [kept.path]
    assert load_in_child(cfg) == first and len(children) == 1      # read back: the child's answer, no child
    if library_cache._user_site() is None:          # a virtualenv: $HOME changes nothing a child imports
        monkeypatch.setenv("HOME", str(tmp_path / "another-home"))
        assert load_in_child(cfg) == first and len(children) == 1  # (the cache dir is $XDG_CACHE_HOME's)
    assert any(f.file == str(extra / "broken.md") and f.line >= 1 and f.level == "error" for f in first[1])
    unpacked = library_cache._unpack(kept.path.read_bytes())
    assert unpacked is not None
    recorded = {path for path, _ in unpacked[0]["stats"]}
    assert {str(extra / "good.md"), str(extra / "broken.md"), str(extra)} <= recorded
    assert any(p.endswith(os.path.join("warroom", "runbook", "parser.py")) for p in recorded)   # the parser's code
    assert any(os.sep + "markdown_it" + os.sep in p for p in recorded)

    # damaged (emptied, cut short, a bit flipped in the answer or the header, not an entry): ignored
    whole = kept.path.read_bytes()
    middle = len(whole) // 2
    for damaged in (b"", whole[:middle], whole[:middle] + bytes([whole[middle] ^ 1]) + whole[middle + 1:],
                    whole[:60] + bytes([whole[60] ^ 1]) + whole[61:], b"not an entry at all\n"):
        kept.path.write_bytes(damaged)
        assert kept.read() is None
    kept.path.write_bytes(whole)
    assert kept.read() is not None
    kept.path.chmod(0o620)                            # others may write it: a pickle, never read
    assert kept.read() is None
    kept.path.chmod(0o600)
    kept.path.write_bytes(whole[:-7])
    assert load_in_child(cfg) == first and len(children) == 2
    assert kept.read() is not None                    # written again by that start

    # the same size, the mtime put back: only the ctime tells the edit
    good = extra / "good.md"
    before = good.stat()
    good.write_text(GOOD.replace("Test runbook", "Tost runbook"))
    os.utime(good, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert good.stat().st_size == before.st_size
    assert _titles(load_in_child(cfg))["RB-TEST-001"] == "Tost runbook" and len(children) == 3
    assert kept.read() is not None

    # a file added, the directory's mtime put back as well
    (extra / "more.md").write_text(GOOD.replace("RB-TEST-001", "RB-TEST-002"))
    _aged(extra / "more.md", extra)
    assert "RB-TEST-002" in _titles(load_in_child(cfg)) and len(children) == 4
    assert kept.read() is not None

    # an inline code span is a step when its program is installed: shutil.which's answers are recorded
    def by_hand() -> list[str]:
        [book] = [rb for rb in load_in_child(cfg)[0] if rb.id == "by-hand"]
        return [s.command for s in book.steps if s.command]

    assert not any(TOOL in c for c in by_hand()) and len(children) == 4
    tool = bin_dir / TOOL
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    assert any(TOOL in c for c in by_hand()) and len(children) == 5

    # a directory at the entry's path (as any file not regular): ignored, the child parses, no descriptor left open;
    # the write cannot replace it, and leaves nothing behind
    latest = load_in_child(cfg)
    assert len(children) == 5
    kept.path.unlink()
    kept.path.mkdir()
    fds = set(os.listdir("/proc/self/fd"))
    assert kept.read() is None and kept.read() is None
    assert load_in_child(cfg) == latest and len(children) == 6
    assert load_in_child(cfg) == latest and len(children) == 7
    assert set(os.listdir("/proc/self/fd")) == fds
    assert kept.path.is_dir() and not [p for p in kept.path.parent.iterdir() if p.name.endswith(".tmp")]


def test_racily_clean_is_judged_on_the_ctime() -> None:
    """A path whose ctime is within ``RACY_NS`` before the child's start, or later, may have changed again in the
    tick the child read it in: its record is not kept, whatever its mtime says. An edit that put the mtime back
    (``touch -r``, ``cp -p``) left an old mtime over that fresh ctime, and the old rule (both stamps fresh) kept it
    (attack54 F2)."""
    start = OLD_NS + 86_400 * 10**9
    edge = start - library_cache.RACY_NS

    def sig(mtime_ns: int, ctime_ns: int) -> library_cache.Signature:
        return [0o100644, 1, 2, 5, mtime_ns, ctime_ns]

    racy = library_cache.racily_clean
    assert racy(sig(OLD_NS, start - 10**6), start)            # the mtime put back, written just before the start
    assert racy(sig(OLD_NS, edge), start) and racy(sig(edge, edge), start)
    assert racy(sig(start + 10**9, start + 10**9), start)     # written after the start
    assert not racy(sig(edge - 1, edge - 1), start) and not racy(sig(OLD_NS, OLD_NS), start)
    assert not racy(sig(start + 10**9, edge - 1), start)      # an mtime set ahead, nothing written since: settled
    assert not racy([-1, 2], start)                            # missing (ENOENT): nothing to write in a tick


def test_the_cache_keeps_the_most_recently_used_entries(tmp_path: Path) -> None:
    """At most ``MAX_ENTRIES`` entries (a test run's temporary libraries push the oldest out); a write
    left half done an hour ago goes, one under way now stays."""
    now = OLD_NS + 10 * 3600 * 10**9
    for i in range(library_cache.MAX_ENTRIES + 4):
        entry = tmp_path / f"{i:02d}{library_cache.SUFFIX}"
        entry.write_bytes(b"x")
        os.utime(entry, ns=(now - i * 10**9, now - i * 10**9))     # 00 the most recently used
    for name, age_ns in ((".stale.tmp", 2 * 3600 * 10**9), (".writing.tmp", 10**9)):
        (tmp_path / name).write_bytes(b"x")
        os.utime(tmp_path / name, ns=(now - age_ns, now - age_ns))
    library_cache._prune(tmp_path, now)
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == [".writing.tmp", *(f"{i:02d}{library_cache.SUFFIX}" for i in range(library_cache.MAX_ENTRIES))]
