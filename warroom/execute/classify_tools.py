"""Rules for local tools whose flags decide whether they write (sed -i, find -delete, tee FILE...).

Each rule reads only its own argv, never the nested command line, so none of them needs the
dispatcher; keeping them here leaves :mod:`warroom.execute.classify` to the recursion.
"""

from __future__ import annotations

import re

from warroom.execute.classify_argv import _REDIRECT_OK, Classification, _has_flag, _positional, _ro, _rw
from warroom.runbook import shell


def _find(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    for a in argv:
        if a in ("-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprintf", "-fls",
                 "-fprint0"):
            return _rw(f"find {a} changes or runs things")
    return _ro("find only lists files")


def _sed(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if any(a == "-i" or a.startswith("-i") or a.startswith("--in-place") for a in argv[1:]):
        return _rw("sed -i edits files in place")
    return _ro("sed only prints")


def _awk(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    prog_text = " ".join(argv[1:])
    if "system(" in prog_text or re.search(r"print[^;}]*>", prog_text) or "|&" in prog_text \
            or re.search(r"\|\s*\"", prog_text) or "-i inplace" in prog_text:
        return _rw("the awk program runs commands or writes files")
    return _ro("awk only prints")


def _tee(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    files = [a for a in argv[1:] if not a.startswith("-") and a not in _REDIRECT_OK]
    if files:
        return _rw(f"tee writes to {files[0]}")
    return _ro("tee only prints")


def _sort(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if any(a == "-o" or a.startswith("--output") for a in argv):
        return _rw("sort -o writes a file")
    return _ro("sort only prints")


def _yq(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if any(a in ("-i", "--inplace") or (a.startswith("-") and not a.startswith("--") and "i" in a)
           for a in argv[1:]):
        return _rw("yq -i edits files in place")
    return _ro("yq only prints")


def _crontab(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if "-l" in argv and not any(a in ("-r", "-e") for a in argv):
        return _ro("crontab -l only lists")
    return _rw("crontab changes scheduled jobs")


def _git(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    words = _positional(argv[1:], {"-C", "-c", "--git-dir", "--work-tree"})
    ro = {"status", "log", "diff", "show", "rev-parse", "blame", "describe", "ls-files",
          "ls-remote", "shortlog", "grep", "cat-file", "reflog", "fsck", "version", "help",
          "whatchanged", "ls-tree", "rev-list", "name-rev", "count-objects"}
    if not words or words[0] in ro:
        return _ro(f"git {words[0] if words else ''} only reads".replace("  ", " "))
    if words[0] in ("branch", "tag", "remote", "stash") and len(words) == 1:
        return _ro(f"git {words[0]} only lists")
    if words[0] == "stash" and words[1:2] == ["list"]:
        return _ro("git stash list only lists")
    return _rw(f"git {words[0]} changes the repository")


def _helm(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    words = _positional(argv[1:], {"-n", "--namespace", "--kube-context", "--kubeconfig"})
    ro = {"list", "ls", "status", "get", "history", "show", "inspect", "template", "version",
          "search", "diff", "lint", "env", "verify", "dependency-list"}
    if not words or words[0] in ro:
        return _ro(f"helm {words[0] if words else ''} only reads".strip())
    return _rw(f"helm {words[0]} changes releases")


def _ip(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    words = _positional(argv[1:], set())
    if len(words) <= 1 or words[1] in ("show", "list", "ls", "get"):
        return _ro("ip only shows")
    return _rw(f"ip {' '.join(words[:2])} changes the network configuration")


def _nc(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if any(a.startswith("-") and "z" in a for a in argv[1:]):
        return _ro("nc -z only checks a port")
    return _rw("nc sends data")


def _dmesg(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if any(a in ("-c", "-C", "--clear", "--read-clear", "-n", "--console-level") for a in argv):
        return _rw("dmesg with this option changes the kernel log")
    return _ro("dmesg only reads")


def _journalctl(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if any(a.startswith(("--vacuum", "--rotate", "--flush", "--sync", "--relinquish")) for a in argv):
        return _rw("journalctl with this option changes the journal")
    return _ro("journalctl only reads")


def _sysctl(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if "-w" in argv or "-p" in argv or any("=" in a for a in argv[1:]):
        return _rw("sysctl changes kernel settings")
    return _ro("sysctl only reads")


def _openssl(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if len(argv) > 1 and argv[1] in ("s_client", "x509", "version", "verify", "req", "crl",
                                     "asn1parse", "ciphers") and not _has_flag(argv, "-out"):
        return _ro(f"openssl {argv[1]} only reads")
    return _rw("openssl may write keys or files")


def _echo_like_prompt(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    return _ro(f"{argv[0]} only reads input")
