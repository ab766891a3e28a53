"""Rules for tools that talk to a remote API (aws, gcloud, curl, wget).

Whether they change anything depends on an HTTP method or a verb prefix rather than on the tool,
so their verb lists and method checks are kept together and apart from local tools.
"""

from __future__ import annotations

import re

from warroom.execute.classify_argv import _REDIRECT_OK, Classification, _positional, _ro, _rw
from warroom.runbook import shell

_AWS_RO_PREFIXES = ("describe", "list", "get", "head", "batch-get", "filter", "lookup", "search",
                    "scan", "query", "ls", "tail", "wait", "help", "simulate", "validate",
                    "estimate", "test-", "check")


_AWS_GLOBAL_WITH_VALUE = {"--region", "--profile", "--output", "--endpoint-url", "--query",
                          "--cli-read-timeout", "--cli-connect-timeout", "--color", "--ca-bundle"}


_GCLOUD_RO = ("list", "describe", "get", "get-iam-policy", "read", "print-access-token",
              "ls", "cat", "tail", "info", "version", "config-list")


def _aws(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    words = _positional(argv[1:], _AWS_GLOBAL_WITH_VALUE)
    if len(words) < 2:
        return _ro("aws help or configuration listing") if not words or words[0] in (
            "help", "--version") else _rw(f"aws {' '.join(words)} is not a read-only command")
    service, op = words[0], words[1]
    if service == "configure" and op in ("list", "get"):
        return _ro(f"aws configure {op} only reads")
    if service == "s3" and op in ("cp", "sync", "mv") and len(words) >= 3 and words[-1] == "-":
        return _ro("aws s3 cp to stdout only reads")
    if op.startswith(_AWS_RO_PREFIXES) or (service == "logs" and op in ("tail", "filter-log-events")):
        return _ro(f"aws {service} {op} only reads")
    return _rw(f"aws {service} {op} changes AWS resources")


def _gcloud(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    words = _positional(argv[1:], {"--project", "--zone", "--region", "--format", "--filter",
                                   "--account", "--configuration", "--limit"})
    if "get-credentials" in words:
        return _rw("gcloud get-credentials changes the local kubeconfig")
    if any(w.startswith(_GCLOUD_RO) for w in words[-2:]) or words[-1:] == ["list"]:
        return _ro(f"gcloud {' '.join(words[:3])} only reads")
    if "ssh" in words:
        return _rw("gcloud compute ssh opens a remote shell")
    return _rw(f"gcloud {' '.join(words[:3])} may change cloud resources")


def _curl(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    i = 1
    while i < len(argv):
        a = argv[i]
        low = a
        if low in ("-X", "--request") and i + 1 < len(argv):
            method = argv[i + 1].upper()
            if method not in ("GET", "HEAD", "OPTIONS"):
                return _rw(f"curl sends an HTTP {method}")
            i += 2
            continue
        if low.startswith("-X") and len(low) > 2:
            method = low[2:].upper()
            if method not in ("GET", "HEAD", "OPTIONS"):
                return _rw(f"curl sends an HTTP {method}")
        if low.startswith("--request="):
            method = low.split("=", 1)[1].upper()
            if method not in ("GET", "HEAD", "OPTIONS"):
                return _rw(f"curl sends an HTTP {method}")
        if low in ("-d", "-F", "-T", "--json", "--form", "--upload-file") or low.startswith(
                ("--data", "--form", "--json", "--upload-file")) or (
                re.match(r"^-[a-zA-Z]*[dFT]", low) and not low.startswith("--")):
            if "--get" in argv or any(re.fullmatch(r"-[a-zA-Z]*G[a-zA-Z]*", x) for x in argv):
                i += 1
                continue
            return _rw("curl sends data (an HTTP POST/PUT)")
        if low in ("-o", "--output") and i + 1 < len(argv):
            if argv[i + 1] not in _REDIRECT_OK:
                return _rw(f"curl writes to the file {argv[i + 1]}")
            i += 2
            continue
        if low in ("-O", "--remote-name", "--remote-name-all"):
            return _rw("curl saves the download to a file")
        i += 1
    return _ro("curl makes a plain GET request")


def _wget(argv: list[str], cmd: shell.SimpleCommand, depth: int) -> Classification:
    if "--spider" in argv:
        return _ro("wget --spider only checks the URL")
    for i, a in enumerate(argv):
        if a in ("-O", "--output-document") and i + 1 < len(argv) and argv[i + 1] in ("-", "/dev/null"):
            if any(x.startswith(("--post", "--method")) for x in argv):
                return _rw("wget sends data")
            return _ro("wget prints the page")
        if a.startswith("-O") and a[2:] in ("-", "/dev/null") or a in ("-qO-",):
            return _ro("wget prints the page")
    return _rw("wget saves files")
