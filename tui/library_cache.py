"""The runbook library's parse, kept in the user's cache dir between dashboard starts.

The child that parses the library (``tui.library``) costs ~0.5 s CPU per dashboard start: about 0.3 s
importing the parser (markdown-it, linkify, the command classifier) and compiling their regular
expressions, about 0.2 s parsing the shipped library's 19 files. Its answer is a function of what it read, so the child
records exactly that as it runs (``Recorder``), and the parent keeps the answer's bytes beside the record
(``Entry.write``). The next start over the same library checks the record against the disk (``Entry.read``)
and, when nothing in it changed, unpickles the bytes that child sent, without starting one.

The record is taken from what the child did, not from a list of what it should read:

* every file it opened and every directory it listed (Python's audit events ``open``, ``os.scandir``,
  ``os.listdir``): the runbooks, the directories the library walked (a file added or removed changes
  its directory), the modules imported while it ran;
* every directory the library searches and every file it was handed, before it looks (``note``: one
  missing, or refused from its ``stat``, is never listed nor opened);
* every module loaded at the end, its directory, each ``sys.path`` entry and the interpreter (the
  parser's code; a new module that would shadow one changes a directory);
* the library's directories as given, with where they resolve to (missing, a file, a retargeted link);
* every ``shutil.which`` answer (an inline code span is a command when its program is installed).

A path is unchanged when its ``stat`` is: type and mode, device, inode, size, mtime_ns and ctime_ns (the
kernel sets ctime on every write, rename or chmod, so an edit that keeps the size and puts the mtime back
still shows). Nothing is kept from a run during which a path changed, nor when one's ctime falls within
``RACY_NS`` before the child started (by the file clock) or later (``racily_clean``): a write in the same
clock tick as the child's read would leave the same ``stat`` with other bytes (git's "racily clean"
files). The ctime alone decides, never the mtime: an edit that puts the mtime back (``touch -r``, ``cp -p``,
``rsync -t``, an editor keeping the stamp) leaves an old mtime over a fresh ctime, and on a coarse ctime (a
jiffy before Linux 6.13, NFS, FAT's 2 s) a second such edit of the same size in that ctime's tick leaves the
``stat`` recorded (attack54 F2).

The entry is named by its key: the interpreter, the working directory (the child's ``sys.path[0]``),
the environment Python reads (``PYTHON*``) and ``PATH``, the per-user site-packages when one is used,
the directories, and the whole environment when a directory holds ``$`` or starts with ``~`` (the
child expands it). Two homes share an entry when nothing else differs (a virtualenv has no per-user
site-packages); what ``site`` read at the child's start is in the record (``pyvenv.cfg``, ``.pth``). A damaged entry
(truncated, altered, another format: its digest or shape is wrong) is ignored and written again; one
not owned by the user or writable by others is never read, for its answer is a pickle.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

FORMAT = 1
MAGIC = b"warroom-library-cache %d\n" % FORMAT
SUFFIX = ".library"
MAX_ENTRIES = 16          # libraries kept (most recently used); a test run's temporary ones push out
RACY_NS = 2_000_000_000   # the coarsest file clock in common use (FAT) ticks every 2 s
_DIGEST = 32

Signature = list[int]


def signature(path: str) -> Signature:
    """What ``stat`` says of ``path`` (following links), or ``[-1, errno]`` when it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return [-1, exc.errno or 0]
    except ValueError:      # an embedded NUL: no such file, ever
        return [-1, -1]
    return [st.st_mode, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def key(dirs: Sequence[str]) -> str | None:
    """The inputs of the child's answer that are not files (JSON); None without a working directory."""
    try:
        cwd = os.getcwd()
    except OSError:
        return None
    expands = any("$" in d or d.startswith("~") for d in dirs)
    env = sorted((k, v) for k, v in os.environ.items() if expands or k.startswith("PYTHON") or k == "PATH")
    return json.dumps([FORMAT, sys.executable, sys.version, cwd, env, _user_site(), list(dirs)])


def _user_site() -> str | None:
    """The per-user site-packages a child would put on ``sys.path`` (it follows ``$HOME``), unless
    this interpreter found it off for a reason the child shares (a virtualenv): then ``$HOME``
    changes nothing a child imports, and two homes share an entry."""
    import site

    if site.ENABLE_USER_SITE is False and not sys.flags.no_user_site:
        return None
    return site.getusersitepackages()


def cache_dir() -> Path:
    from warroom.paths import user_cache_dir

    return user_cache_dir() / "library"


def entry(dirs: Sequence[str]) -> Entry | None:
    """Where the parse of the library over ``dirs`` is kept (None when there is no key for it)."""
    k = key(dirs)
    if k is None:
        return None
    name = hashlib.blake2b(k.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest() + SUFFIX
    return Entry(cache_dir() / name, k)


def _private(st: os.stat_result) -> bool:
    """Owned by this user and writable by no one else."""
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


class Entry:
    """One library's kept parse: ``MAGIC``, a digest of the rest, the header's length, the header
    (key and record, JSON), then the child's answer as it sent it."""

    def __init__(self, path: Path, key: str) -> None:
        self.path = path
        self.key = key

    def read(self) -> bytes | None:
        """The answer kept for this key, when the entry is whole and nothing it records changed."""
        try:
            parent = os.lstat(self.path.parent)
            if not stat.S_ISDIR(parent.st_mode) or not _private(parent):
                return None
        except OSError:
            return None
        blob = _read_private(self.path)
        if blob is None:
            return None
        unpacked = _unpack(blob)
        if unpacked is None:
            return None
        header, payload = unpacked
        if header["key"] != self.key or not unchanged(header):
            return None
        try:
            os.utime(self.path)     # used: pruned last
        except OSError:
            pass                    # a read-only cache still serves
        return payload

    def write(self, payload: bytes, record: dict[str, Any]) -> None:
        """Keep ``payload`` with the child's ``record``; a cache that cannot be written is left as is
        (the next start asks a child again)."""
        header = json.dumps({"key": self.key, **record}).encode("utf-8", "surrogatepass")
        rest = len(header).to_bytes(8, "big") + header + payload
        blob = MAGIC + hashlib.blake2b(rest, digest_size=_DIGEST).digest() + rest
        directory = self.path.parent
        try:
            directory.mkdir(parents=True, mode=0o700, exist_ok=True)
            st = os.lstat(directory)
            if not stat.S_ISDIR(st.st_mode) or not _private(st):
                return
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")    # mode 0600
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
                out.flush()
                written_ns = os.fstat(out.fileno()).st_mtime_ns
            os.replace(tmp, self.path)
        except OSError:
            _remove(tmp)
            return
        _prune(directory, written_ns)


def _read_private(path: Path) -> bytes | None:
    """The bytes of ``path`` when it is a regular file of this user's that no one else can write; None
    for anything else: a link, a FIFO (opened without blocking), a directory or a device is judged on
    the ``fstat`` of what was opened, before any read, and the descriptor is closed on every path (a
    directory there would otherwise fail every start, one descriptor more each time)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not _private(st):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def _remove(path: str | Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass        # gone already, or not ours to remove: nothing depends on it


def _prune(directory: Path, now_ns: int) -> None:
    """At most ``MAX_ENTRIES`` entries, the most recently used; a write left half done an hour before
    ``now_ns`` (the file clock: the mtime of the entry just written) goes too."""
    entries: list[tuple[int, Path]] = []
    try:
        for p in directory.iterdir():
            mtime = p.lstat().st_mtime_ns
            if p.suffix == SUFFIX:
                entries.append((mtime, p))
            elif p.name.endswith(".tmp") and now_ns - mtime > 3600 * 10**9:
                _remove(p)
    except OSError:
        return
    for _, p in sorted(entries, reverse=True)[MAX_ENTRIES:]:
        _remove(p)


def _unpack(blob: bytes) -> tuple[dict[str, Any], bytes] | None:
    """(header, payload) of a whole entry of this format; None for anything else."""
    if not blob.startswith(MAGIC):
        return None
    digest, rest = blob[len(MAGIC):len(MAGIC) + _DIGEST], blob[len(MAGIC) + _DIGEST:]
    if len(rest) < 8 or hashlib.blake2b(rest, digest_size=_DIGEST).digest() != digest:
        return None
    size = int.from_bytes(rest[:8], "big")
    try:
        header = json.loads(rest[8:8 + size].decode("utf-8", "surrogatepass"))
    except ValueError:
        return None
    return (header, rest[8 + size:]) if _shaped(header) else None


def _shaped(header: object) -> bool:
    """The header this module writes: the key, and a record as ``Recorder.finish`` gives it."""
    if not isinstance(header, dict) or set(header) != {"key", "stats", "real", "which"}:
        return False
    stats, real, which = header["stats"], header["real"], header["which"]
    return (isinstance(header["key"], str)
            and isinstance(stats, list) and all(
                isinstance(s, list) and len(s) == 2 and isinstance(s[0], str) and isinstance(s[1], list)
                and all(isinstance(n, int) for n in s[1]) for s in stats)
            and isinstance(real, list) and all(
                isinstance(r, list) and len(r) == 2 and all(isinstance(x, str) for x in r) for r in real)
            and isinstance(which, list) and all(
                isinstance(w, list) and len(w) == 2 and isinstance(w[0], list) and len(w[0]) == 3
                and isinstance(w[0][0], str) and isinstance(w[0][1], int)
                and (w[0][2] is None or isinstance(w[0][2], str))
                and (w[1] is None or isinstance(w[1], str)) for w in which))


def unchanged(record: dict[str, Any]) -> bool:
    """Every path ``record`` names stats as it did, resolves where it did, and ``shutil.which``
    answers as it did."""
    return (all(signature(path) == sig for path, sig in record["stats"])
            and all(os.path.realpath(d) == real for d, real in record["real"])
            and all(shutil.which(cmd, mode, path) == found for (cmd, mode, path), found in record["which"]))


class Recorder:
    """What the child reads while it parses (see the module's docstring); in the child only: the audit
    hook it installs stays for the life of the process and ``shutil.which`` is wrapped for good."""

    def __init__(self, dirs: Sequence[str]) -> None:
        self.dirs = list(dirs)
        self.start_ns = _file_clock()
        self.recording = True
        self.seen: dict[str, Signature] = {}
        self.which: list[list[Any]] = []
        self.unreplayable = False       # shutil.which was asked something the record cannot hold
        for path in [sys.executable, *_module_paths(), *(p or "." for p in sys.path), *_site_files()]:
            self._see(path)
        sys.addaudithook(self._hook)
        shutil.which = self._recording_which(shutil.which)   # type: ignore[assignment]

    def _see(self, path: str) -> None:
        if path not in self.seen:
            self.seen[path] = signature(path)

    def note(self, path: str | os.PathLike[str]) -> None:
        """A directory the library is about to look at, or a file it is about to read: its ``stat``
        decides (one missing, a FIFO or an oversize file is never opened nor listed: the audit hook
        would not see it)."""
        if self.recording:
            self._see(os.fspath(path))

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.recording or event not in ("open", "os.scandir", "os.listdir") or not args:
            return
        target = args[0]
        if isinstance(target, bytes):
            target = os.fsdecode(target)
        elif isinstance(target, os.PathLike):
            target = os.fspath(target)
            target = os.fsdecode(target) if isinstance(target, bytes) else target
        if event != "open" and target is None:
            target = "."
        if isinstance(target, str):
            self._see(target)

    def _recording_which(self, which: Callable[..., str | None]) -> Callable[..., str | None]:
        def recording(cmd: str, mode: int = os.F_OK | os.X_OK, path: str | None = None) -> str | None:
            found = which(cmd, mode, path)
            if not self.recording:
                return found
            if isinstance(cmd, str) and isinstance(mode, int) and (path is None or isinstance(path, str)) and (
                    found is None or isinstance(found, str)):
                self.which.append([[cmd, mode, path], found])
            else:
                self.unreplayable = True
            return found
        return recording

    def finish(self, library_dirs: Sequence[str | os.PathLike[str]]) -> dict[str, Any] | None:
        """The record (``Entry.write``), or None when a path changed while the child read it, or
        had changed just before (racily clean), or ``shutil.which`` was asked in a way it cannot
        replay: then nothing is kept."""
        self.recording = False
        for path in [*_module_paths(), *(os.fspath(d) for d in library_dirs), *self.dirs]:
            self._see(path)
        if self.unreplayable or self.start_ns is None:
            return None
        for path, sig in self.seen.items():
            if signature(path) != sig or racily_clean(sig, self.start_ns):
                return None
        real = [[os.fspath(d), os.path.realpath(d)] for d in [*self.dirs, *library_dirs]]
        return {"stats": sorted([path, sig] for path, sig in self.seen.items()), "real": real,
                "which": self.which}


def racily_clean(sig: Signature, start_ns: int) -> bool:
    """Whether a path with ``sig`` may still have changed within the file clock's tick in which the child, started
    at ``start_ns`` (``_file_clock``), read it: its ctime within ``RACY_NS`` before that or later. The ctime, the
    stamp every change moves and no one can set back, not the mtime, which an edit may have put back."""
    return sig[0] != -1 and sig[5] >= start_ns - RACY_NS


def _file_clock() -> int | None:
    """Now as files are stamped (the ctime of a file made for it), for comparing with their stamps:
    the clock they carry, not the wall clock a drill may pin; None when no file can be made."""
    try:
        fd, path = tempfile.mkstemp(prefix="warroom-library-clock-")
    except OSError:
        return None
    try:
        return os.fstat(fd).st_ctime_ns
    finally:
        os.close(fd)
        _remove(path)


def _site_files() -> list[str]:
    """What ``site`` read before anything could record it: the virtualenv's ``pyvenv.cfg``, each
    site-packages' ``.pth`` files, and the per-user site-packages (missing today, on ``sys.path``
    once made)."""
    import site

    user = _user_site()
    dirs = [*site.getsitepackages(), *([user] if user else [])]
    out = [os.path.join(sys.prefix, "pyvenv.cfg"), *dirs]
    for d in dirs:
        try:
            out.extend(os.path.join(d, name) for name in os.listdir(d) if name.endswith(".pth"))
        except OSError:
            continue        # missing: its own stat is in the record
    return out


def _module_paths() -> list[str]:
    """Each loaded module's file and its directory."""
    out: list[str] = []
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str):
            out.extend((file, os.path.dirname(file) or "."))
    return out
