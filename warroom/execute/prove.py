"""The read-only prover: a command is read-only only when every part of it is accounted for.

:func:`prove` parses the text strictly (:mod:`warroom.execute.shparse`), checks every
redirection, then every simple command against the rule of its program — a shell builtin here,
a tool in one of the ``rules_*`` modules. A rule returns the reason its form only reads, or
raises :class:`Unprovable` with the reason it may change something. There is no fallback: a
program without a rule, an option missing from a rule's table, a word whose value the check
cannot know where it matters — each makes the whole step mutating.

Wrappers (``sudo``, ``timeout``, ``xargs``, ``env``, ``watch``, ``ssh``, ``sh -c``, ``kubectl
exec``...) hand the command they run back to :meth:`Call.argv` or :meth:`Call.script`, so the
same rules judge it, however deep.
"""

from __future__ import annotations

import re

from warroom.execute.argspec import SINKS, parse_opts, table
from warroom.execute.rulebook import RULES, Call, rule
from warroom.execute.safe_env import safe_variable
from warroom.execute.shparse import PCmd, PWord, Unprovable, parse

_MAX_DEPTH = 8
_STD_DIRS = ("/bin/", "/usr/bin/", "/usr/local/bin/", "/sbin/", "/usr/sbin/", "/usr/local/sbin/")
_OUT_OK = SINKS - {"-"}


def prove(text: str, depth: int = 0, what: str = "") -> str:
    """The reason ``text`` only reads; raises :class:`Unprovable` otherwise."""
    if depth > _MAX_DEPTH:
        raise Unprovable("the command nests too deeply to check")
    try:
        parsed = parse(text)
    except Unprovable as exc:
        raise Unprovable(f"the command cannot be fully parsed ({exc}), so it cannot be "
                         "checked") from None
    for r in parsed.redirects:
        _check_redirect(r.op, r.fd, r.target)
    reasons: list[str] = []
    for cmd in parsed.commands:
        reasons.append(simple(cmd, depth))
    names = [r for r in reasons if r]
    if not names:
        return "nothing that runs a program"
    uniq = list(dict.fromkeys(names))
    return uniq[0] if len(uniq) == 1 else "read-only: " + ", ".join(
        dict.fromkeys(n.split(" only ")[0].split(" runs ")[0] for n in uniq))


def _check_redirect(op: str, fd: str, target: PWord) -> None:
    if op in (">", ">>", ">|", "&>", "&>>", "<>"):
        if target.value not in _OUT_OK:
            raise Unprovable(f"writes to the file {target.show()}")
        return
    if op in (">&", "<&"):
        v = target.value
        if v is not None and (v in ("1", "2", "-") or (op == "<&" and v.isdigit())):
            return
        if op == ">&" and v in _OUT_OK:
            return
        raise Unprovable(f"writes to the file {target.show()}")
    if op == "<":
        v = target.value if target.value is not None else target.prefix
        if v.startswith(("/dev/tcp/", "/dev/udp/")):
            raise Unprovable(f"opens a network connection ({target.show()})")


def simple(cmd: PCmd, depth: int, wrapped: str = "") -> str:
    if depth > _MAX_DEPTH:
        raise Unprovable("the command nests too deeply to check")
    if cmd.keyword == "for":
        for name, _ in cmd.assigns:
            if not safe_variable(name):
                raise Unprovable(f"the loop sets {name}, which changes how later commands run")
        return ""
    if cmd.keyword == "[[":
        _double_bracket(cmd.words)
        return ""
    if cmd.keyword == "((":
        return ""
    exported = bool(cmd.words)
    for name, _ in cmd.assigns:
        if not safe_variable(name, exported=exported):
            raise Unprovable(f"sets {name}, which changes how {'the command' if exported else 'later commands'} run")
    if not cmd.words:
        return ""
    w0 = cmd.words[0]
    if not w0.literal:
        raise Unprovable(f"runs a command named by a variable or expansion ({w0.text}), which "
                         "cannot be checked")
    name = w0.value or ""
    if "/" in name:
        if not name.startswith(_STD_DIRS) or name.count("/") != next(
                d for d in _STD_DIRS if name.startswith(d)).count("/"):
            raise Unprovable(f"runs {name}, a program outside the system directories")
        name = name.rsplit("/", 1)[1]
    fn = RULES.get(name)
    if fn is None:
        raise Unprovable(f"{name} is not a known read-only command" if name else
                         "runs a command with an empty name")
    return fn(Call(name, cmd.words[1:], cmd, depth, prove, simple))


def _double_bracket(words: list[PWord]) -> None:
    arith = {"-eq", "-ne", "-lt", "-le", "-gt", "-ge"}
    for k, w in enumerate(words):
        if w.value in arith:
            for o in (words[k - 1] if k else None, words[k + 1] if k + 1 < len(words) else None):
                if o is None or o.value is None or not re.fullmatch(r"-?[0-9]+", o.value):
                    raise Unprovable("[[ ... -eq ... ]] evaluates its operands as arithmetic, "
                                     "which can run code held in a variable")
        if w.value == "-v":
            o = words[k + 1] if k + 1 < len(words) else None
            if o is None or o.value is None or not re.fullmatch(r"[A-Za-z_]\w*", o.value):
                raise Unprovable("[[ -v ]] on an array element evaluates its index as arithmetic")


# -- builtins ---------------------------------------------------------------------------------

def _names_ok(call: Call, words: list[PWord], exported: bool) -> None:
    for w in words:
        if w.value is None and not re.match(r"[A-Za-z_]\w*\+?=", w.prefix):
            raise Unprovable(f"{call.prog} {w.text}: a computed name cannot be checked")
        raw = (w.value if w.value is not None else w.prefix)
        nm = raw.split("=", 1)[0].rstrip("+")
        if not re.fullmatch(r"[A-Za-z_]\w*", nm):
            raise Unprovable(f"{call.prog} {raw!r}: not a plain variable name (an array index is "
                             "evaluated as arithmetic)")
        if not safe_variable(nm, exported=exported):
            raise Unprovable(f"{call.prog} sets {nm}, which changes how later commands run")


@rule("echo", "true", "false", ":", "pwd", "cd", "pushd", "popd", "dirs", "shift", "wait",
      "exit", "return", "break", "continue", "times", "umask", "ulimit", "sleep", "type",
      "hash")
def _plain_builtin(call: Call) -> str:
    if call.prog == "hash" and call.args:
        raise Unprovable("hash with arguments changes which program a name runs")
    if call.prog == "umask" and any(a.value not in ("-S", "-p") and a.value is not None
                                    and not re.fullmatch(r"[0-7]{3,4}", a.value)
                                    for a in call.args):
        raise Unprovable("umask with a symbolic mode cannot be checked")
    return f"{call.prog} only reads" if call.prog != "echo" else "echo only prints"


@rule("printf")
def _printf(call: Call) -> str:
    args = call.args
    if args and args[0].value == "-v":
        if len(args) < 2:
            raise Unprovable("printf -v needs a name")
        _names_ok(call, [args[1]], exported=False)
    elif args and not args[0].literal and args[0].may_dash:
        raise Unprovable("printf's first word may expand to -v NAME, which sets a variable")
    return "printf only prints"


@rule("test", "[")
def _test(call: Call) -> str:
    if call.prog == "[" and (not call.args or call.args[-1].value != "]"):
        raise Unprovable("[ without its closing ]")
    for k, w in enumerate(call.args):
        if w.value == "-v":
            nxt = call.args[k + 1] if k + 1 < len(call.args) else None
            if nxt is None or nxt.value is None or not re.fullmatch(r"[A-Za-z_]\w*", nxt.value):
                raise Unprovable("test -v on an array element evaluates its index as arithmetic")
        if not w.literal and w.may_split:
            raise Unprovable(f"test {w.text}: an unquoted expansion may add -v NAME[...]")
    return "test only compares"


@rule("set")
def _set(call: Call) -> str:
    opts = {"pipefail", "errexit", "nounset", "xtrace", "verbose", "noclobber", "noglob",
            "errtrace", "functrace", "nolog"}
    args = call.args
    k = 0
    while k < len(args):
        v = args[k].value
        if v is None:
            raise Unprovable("set with a computed option")
        if v == "--":
            break
        if v in ("-o", "+o"):
            if k + 1 >= len(args) or args[k + 1].value not in opts:
                raise Unprovable("set -o with an option the check does not accept")
            k += 2
            continue
        if not re.fullmatch(r"[-+][euxvETCfBhnb]+", v):
            if not v.startswith(("-", "+")):
                break  # positional parameters
            raise Unprovable(f"set {v} changes the shell in a way the check does not accept")
        k += 1
    return "set only changes shell options"


@rule("unset")
def _unset(call: Call) -> str:
    for w in call.args:
        if w.value in ("-v", "-f", "-n"):
            continue
        if w.value is None or not re.fullmatch(r"[A-Za-z_]\w*", w.value):
            raise Unprovable(f"unset {w.text}: not a plain variable name")
        if not safe_variable(w.value):
            raise Unprovable(f"unset {w.value} changes how later commands run")
    return "unset only forgets variables"


@rule("export", "declare", "typeset", "local", "readonly")
def _declare(call: Call) -> str:
    allowed = {"export": "-p -n", "declare": "-a -A -r -x -g -l -u -p -t", "typeset":
               "-a -A -r -x -g -l -u -p -t", "local": "-a -A -r -x -l -u", "readonly": "-p -a -A"}
    flags = set(allowed[call.prog].split())
    exported = call.prog == "export"
    names: list[PWord] = []
    for w in call.args:
        v = w.value
        if v is not None and v.startswith(("-", "+")) and "=" not in v:
            for ch in v[1:]:
                if "-" + ch not in flags:
                    raise Unprovable(f"{call.prog} {v}: an option the check does not accept "
                                     "(-i makes later assignments arithmetic, -n makes a "
                                     "reference, -f defines functions)")
            exported = exported or "x" in v
            continue
        names.append(w)
    _names_ok(call, names, exported)
    return f"{call.prog} only sets shell variables"


@rule("read")
def _read(call: Call) -> str:
    o = parse_opts("read", call.args, table("-r -s -e -p= -t= -n= -N= -d= -u= -a= -i="))
    arr = o.values("-a")
    _names_ok(call, [v for v in arr if v is not None] + o.pos, exported=False)
    return "read only reads input"


@rule("command")
def _command(call: Call) -> str:
    if call.args and call.args[0].value in ("-v", "-V"):
        return "command -v only looks a name up"
    args = list(call.args)
    while args and args[0].value == "-p":
        args = args[1:]
    return call.argv(args, "command")


@rule("builtin")
def _builtin(call: Call) -> str:
    return call.argv(call.args, "builtin")


@rule("exec")
def _exec(call: Call) -> str:
    if not call.args:
        return ""
    return call.argv(call.args, "exec")


@rule("eval")
def _eval(call: Call) -> str:
    parts: list[str] = []
    for w in call.args:
        if not w.literal:
            raise Unprovable(f"eval runs text computed at run time ({w.text}), which cannot be "
                             "checked")
        parts.append(w.value or "")
    return call.script(" ".join(parts), "eval")


# importing the rule modules registers their rules
from warroom.execute import rules_core as _rules_core  # noqa: E402,F401
from warroom.execute import rules_kube as _rules_kube  # noqa: E402,F401
from warroom.execute import rules_net as _rules_net  # noqa: E402,F401
from warroom.execute import rules_sql as _rules_sql  # noqa: E402,F401
from warroom.execute import rules_text as _rules_text  # noqa: E402,F401
from warroom.execute import rules_wrap as _rules_wrap  # noqa: E402,F401
