"""Command-line flags as kubectl reads them.

The drill's runbooks pass flags in every spelling kubectl accepts (``-nNS``, ``--output=json``,
``-f`` meaning ``--follow`` only for ``logs``); one table-driven parser keeps those rules in one place
and turns unknown flags into kubectl's own error text.
"""

from __future__ import annotations

from typing import Any

VALUE_FLAGS = {
    "-n": "namespace", "--namespace": "namespace", "-o": "output", "--output": "output",
    "-l": "selector", "--selector": "selector", "-c": "container", "--container": "container",
    "--context": "context", "--kubeconfig": "kubeconfig", "--sort-by": "sort_by",
    "--field-selector": "field_selector", "--tail": "tail", "--since": "since", "--since-time": "since_time",
    "--timeout": "timeout", "--replicas": "replicas", "--to-revision": "to_revision", "--revision": "revision",
    "--patch": "patch", "--type": "type", "--filename": "filename", "--from-literal": "from_literal",
    "--from": "from", "--min": "min", "--max": "max", "--cpu-percent": "cpu_percent",
    "--grace-period": "grace_period", "--env": "env", "-e": "env", "--limits": "limits",
    "--requests": "requests", "--request-timeout": "request_timeout", "--current-replicas": "current_replicas",
    "--image": "image", "--cluster": "cluster", "--user": "user", "--field-manager": "field_manager",
}
MULTI = {"from_literal", "env", "filename"}
BOOL_FLAGS = {
    "-A": "all_namespaces", "--all-namespaces": "all_namespaces", "-w": "watch", "--watch": "watch",
    "-i": "stdin", "--stdin": "stdin", "-t": "tty", "--tty": "tty", "-it": "stdin", "-ti": "stdin",
    "--timestamps": "timestamps", "--overwrite": "overwrite", "--ignore-daemonsets": "ignore_daemonsets",
    "--delete-emptydir-data": "delete_emptydir_data", "--force": "force", "--record": "record",
    "--no-headers": "no_headers", "--show-labels": "show_labels", "--all": "all", "--list": "list",
    "--local": "local", "-q": "quiet", "--quiet": "quiet", "--previous": "previous", "--follow": "follow",
    "--wait": "wait", "--ignore-not-found": "ignore_not_found", "--all-containers": "all_containers",
    "--prefix": "prefix",
}

class Fail(Exception):
    """A kubectl error: printed to stderr, exit code 1 (or ``code``)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class Args:
    """What ``parse`` found: positional words, flags by their long name, and the words after ``--``."""

    def __init__(self, pos: list[str], flags: dict[str, Any], rest: list[str]) -> None:
        self.pos = pos
        self.flags = flags
        self.rest = rest

    def get(self, name: str, default: Any = None) -> Any:
        return self.flags.get(name, default)


def parse(argv: list[str], sub: str) -> Args:
    """Read ``argv`` the way kubectl ``sub`` would; raises ``Fail`` with kubectl's message on a bad flag."""
    pos: list[str] = []
    flags: dict[str, Any] = {}
    rest: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            rest = argv[i + 1:]
            break
        if not a.startswith("-") or a == "-":
            pos.append(a)
            i += 1
            continue
        name, eq, value = a.partition("=")
        if sub == "logs" and name == "-f":
            flags["follow"] = True
            i += 1
            continue
        if sub == "logs" and name == "-p":
            flags["previous"] = True
            i += 1
            continue
        if name == "-f":
            name = "--filename"
        if name == "-p":
            name = "--patch"
        if name == "--dry-run":
            flags["dry_run"] = value or "client"
            i += 1
            continue
        if name in BOOL_FLAGS:
            flags[BOOL_FLAGS[name]] = value.lower() != "false" if eq else True
            i += 1
            continue
        if name not in VALUE_FLAGS and len(name) > 2 and name[:2] in ("-n", "-o", "-l", "-c") and name[1] != "-":
            name, value, eq = name[:2], name[2:].lstrip("="), "="
        key = VALUE_FLAGS.get(name)
        if key is None:
            if name.startswith("--"):
                raise Fail(f"error: unknown flag: {name}\nSee 'kubectl {sub} --help' for usage.")
            raise Fail(f"error: unknown shorthand flag: '{name[1:2]}' in {a}\nSee 'kubectl {sub} --help' for usage.")
        if not eq:
            if i + 1 >= len(argv):
                raise Fail(f"error: flag needs an argument: {name}\nSee 'kubectl {sub} --help' for usage.")
            value = argv[i + 1]
            i += 1
        if key in MULTI:
            flags.setdefault(key, []).append(value)
        else:
            flags[key] = value
        i += 1
    return Args(pos, flags, rest)
