"""The stand-in calls a command makes, read off its text (``standin_calls``: the shell scanner's simple commands whose
first word is a stand-in; a ``$(…)`` filling one argument a place, ``_substituted``; formatting filters after a read,
``_formats``), and each call as its tool reads it (``spelled``: kubectl's options in one order and form, a kind by
its name, a patch without spaces, an env value as FlowEngine reads it), so a step typed in another spelling of the
same request is that step. The module docstring of ``by_hand`` gives the rule these serve."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from typing import Any

from warroom.drill import STANDINS
from warroom.incident.formatting import FILTERS
from warroom.syntax.shell import scan


NAMED = re.compile(r"(?<![\w.-])(" + "|".join(STANDINS) + r")(?![\w.-])")      # a stand-in's name as a word


def standin_calls(command: str) -> list[tuple[str, ...]] | None:
    """The stand-in calls ``command`` makes, each as its argv (the tool first); None when they cannot be read
    off the text or it makes none (``by_hand``'s module docstring: its rule)."""
    read = _read(command)
    return None if read is None else read[0]


def _read(command: str) -> tuple[list[tuple[str, ...]], bool] | None:
    """(``standin_calls``, whether ``command`` runs anything else too: ``grep``, ``jq``, ``echo``; not a command whose
    output fills a place of a stand-in call, ``_substituted``: the call as recorded holds it)."""
    result = scan(command)
    if not result.complete:
        return None
    out: list[tuple[str, ...]] = []
    quiet = len(_QUIET.findall(command))    # a read's redirections may only quiet its errors
    filled: list[tuple[int, int]] = []      # the words of stand-in calls with a ``$(…)`` in them, where they stand
    others: list[int] = []                  # where each other command starts
    for cmd in result.commands:
        words = cmd.words
        if words and words[0].value in STANDINS:
            quiet -= len(cmd.redirects)
            if any(r != (">", "/dev/null") for r in cmd.redirects) or quiet < 0 or cmd.heredocs:
                return None     # only `2>/dev/null` (the scan keeps no fd: counted in the text, ``_QUIET``)
            argv = tuple(_substituted(w.raw, len(out), k) if w.has_expansion else w.value for k, w in enumerate(words))
            if None in argv:
                return None
            out.append(tuple(str(w) for w in argv))
            filled += [(w.start, w.end) for w in words if w.has_expansion]
        elif any(NAMED.search(w.value) for w in words) and not (words[0].value in FILTERS and not any(
                w.has_expansion for w in words)):
            return None       # `xargs kubectl`, `NS=x kubectl`, `echo $(kubectl …)`, a stand-in in a quoted script
            #                   (a formatting filter runs no program: `grep -i aws` greps for the word, attack49 F1)
        else:
            others.append(words[0].start if words else -1)
    more = any(not any(lo <= at < hi for lo, hi in filled) for at in others)
    if more and _formats([cmd for cmd in result.commands
                          if not any(lo <= (cmd.words[0].start if cmd.words else -1) < hi for lo, hi in filled)]):
        more = False
    return (out, more) if out else None


#: a read's only allowed redirection: ``2>/dev/null``, the commonest way to quiet a read; what it prints and its exit
#: code are the call's, as the stand-in recorded them (attack49 F1: it had no credit at all)
_QUIET = re.compile(r"(?:^|(?<=[\s;|&(]))2>\s*/dev/null(?![\w/.-])")


def _formats(commands: Sequence[Any]) -> bool:
    """Whether ``commands`` (a step's, outside the ``$(…)`` filling a call's word) are one pipeline of stand-in reads
    followed only by formatting filters (``formatting.reshapes``: each given only options known to reshape standard
    output): ``aws logs … | jq -r '.events[].message'``, ``kubectl logs … | grep ERROR | sort | uniq -c | head``. Such a
    read's outcome is its calls' exit codes, which the stand-ins' record holds, so it is judged from its own record
    (fix47credit: a ``| jq`` left the read "typed by hand, not checked"): downstream of the read in its one pipeline, a
    filter cannot make a failed read succeed (its call exited 0 or credits nothing). Not one pipeline (``&&``, ``;``, a
    subshell, a loop), a filter upstream of a read (it feeds the read), a filter with a redirection, an expansion or
    anything ``reshapes`` does not list (``sort -c``, ``sort -o F``, ``uniq - F``, ``tail -f``, ``jq 'halt_error'``:
    attack48 Z2), or a ``grep`` last (its exit code is the step's verdict: no match fails the step) is not
    formatting."""
    from warroom.incident.formatting import TESTS, reshapes

    seen_filter = False
    before: list[str] = []
    for n, cmd in enumerate(commands):
        words = [w.value for w in cmd.words]
        if not words or cmd.joined_by != ("" if n == 0 else "|"):
            return False
        if words[0] in STANDINS:
            if seen_filter:
                return False
        else:
            seen_filter = True
            if cmd.redirects or cmd.heredocs or any(w.has_expansion for w in cmd.words) or not reshapes(words, before):
                return False
        before = words
    return seen_filter and commands[-1].words[0].value not in TESTS


_OUTPUT = "WARROOMOUTPUT{}X{}X{}X"     # a ``$(…)``'s output in a stand-in call's word: its call, word, number


def _substituted(raw: str, call: int, word: int) -> str | None:
    """A word of a stand-in call (``raw``, as written) whose expansions are all command substitutions inside one pair
    of double quotes (``"$(date -d '15 minutes ago' +%s)000"``: RB-CORE-004's step 2), with each ``$(…)`` a place
    (``_OUTPUT``) its output fills in the call as recorded: the shell makes it one argument, and the stand-in records
    that argument as it read it (redteam47 F8: "not done" typed word for word). None for any other expansion: ``$NS``,
    backquotes, ``$((…))``, an unquoted ``$(…)`` (split into words, or none, by its output)."""
    if len(raw) < 2 or raw[0] != '"' or raw[-1] != '"':
        return None
    body, out, i, n = raw[1:-1], [], 0, 0
    while i < len(body):
        if body.startswith("$(", i) and not body.startswith("$((", i):
            end = _closing(body, i + 2)
            if end is None:
                return None
            out.append(_OUTPUT.format(call, word, n))
            n, i = n + 1, end + 1
        elif body[i] in '$`\\"':
            return None
        else:
            out.append(body[i])
            i += 1
    return "".join(out) if n else None


def _closing(text: str, i: int) -> int | None:
    """The index of the ``)`` that closes a ``$(`` whose text starts at ``i`` (quotes inside it kept whole)."""
    depth, quote = 1, ""
    for j in range(i, len(text)):
        ch = text[j]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return j
    return None


@functools.lru_cache(maxsize=4096)
def spelled(argv: tuple[str, ...]) -> tuple[str, ...]:
    """A stand-in call (the tool first) in one spelling of what the tool reads from it, so a step typed in another
    spelling of the same request is that step (attack44 A5: ``--namespace=production --patch='{"spec":{…}}'`` was
    "outside the runbook's steps" beside the runbook's ``-n production -p '{"spec": {…} }'``). For kubectl, read with
    its stand-in's own option table: the verb first (options may come before it), options after the other words in
    one order and form (``--namespace=production`` for ``-n production``), a kind by its name (``deployments/x`` for
    ``deploy/x``), a JSON patch without the spaces between its tokens; the words after ``--`` as typed. Any other
    tool's call, or one kubectl would refuse, as typed."""
    if len(argv) < 2 or argv[0] != "kubectl":
        return argv
    from warroom.drill.fleet import NAMESPACE
    from warroom.drill.standins.base import ToolError, parse_args
    from warroom.drill.standins.kubectl import FLAGS, LOGS_FLAGS, VERBS, WORDS
    from warroom.drill.standins.kubeobj import KINDS

    words = list(argv[1:])
    first = next((i for i, a in enumerate(words) if a in VERBS), None) if words[0].startswith("-") else 0
    if first is None:
        return argv
    try:
        args = parse_args(words[:first] + words[first + 1:], LOGS_FLAGS if words[first] == "logs" else FLAGS,
                          words=WORDS)
    except ToolError:
        return argv
    pos = [f"{KINDS[kind.lower()]}/{name}" if slash and kind.lower() in KINDS else w
           for w in args.pos for kind, slash, name in [w.partition("/")]]
    # TYPE NAME is TYPE/NAME (``scale deploy flowengine``: attack44 A17), after a subcommand too (``set env deployment
    # flowengine K=V``, ``rollout undo deployment flowengine``: attack50 A8), as the stand-in reads it
    at = 1 if words[first] in ("set", "rollout") and pos and pos[0] in ("env", "image", "undo", "restart",
                                                                      "history", "status") else 0
    if len(pos) > at and pos[at].lower() in KINDS and (at == 0 or pos[at] in KINDS):
        kind = KINDS[pos[at].lower()]
        pos = [*pos[:at], f"{kind}/{pos[at + 1]}", *pos[at + 2:]] if len(pos) > at + 1 and not {"/", "="} & set(
            pos[at + 1]) else [*pos[:at], kind, *pos[at + 1:]]
    options = dict(args.opts)
    if words[first] == "set" and pos[:1] == ["env"] and options.get("env"):      # ``-e K=V``: after the positional
        pos = [*pos, *options.pop("env")]                                      # ones, as ``set_env`` reads them
    if pos[:1] == ["env"] and len(pos) > 1:         # an env value as FlowEngine reads it (``_read_as``)
        pos = [*pos[:2], *_env_set(pos[1], pos[2:])]
    options.pop("current_replicas", None)       # a precondition: the call that ran (exit 0) met it, the same change
    if "namespace" not in options and not options.get("all_namespaces"):     # the drill's default namespace
        options["namespace"] = NAMESPACE
    opts = sorted((key, v) for key, value in options.items() for v in (value if isinstance(value, list) else [value])
                  if key != "type" or not _as_strategic(str(v), str(args.opts.get("patch", ""))))
    return ("kubectl", words[first], *pos,
            *(f"--{key}" if v is True else f"--{key}={_tight(str(v)) if key == 'patch' else v}" for key, v in opts),
            *(("--", *args.rest) if args.rest else ()))


def _env_set(target: str, words: list[str]) -> list[str]:
    """A ``set env``'s assignments as the change they make (``kubectl.env_changes``: a later one of a key wins), each
    value as FlowEngine reads it (``_read_as``), in one order: the keys set, then those unset, each by name. The same
    request in any word order is one (redteam51 R7: the breaker's two pairs swapped were "outside the runbook's
    steps"); words the stand-in refuses, as typed."""
    if any("=" not in w and not w.endswith("-") for w in words):
        return words
    sets: dict[str, str] = {}
    for w in words:
        if "=" in w:
            sets[w.split("=", 1)[0]] = _read_as(target, w)
    unset = sorted({w for w in words if "=" not in w})
    return [*(sets[k] for k in sorted(sets)), *unset]


def _read_as(target: str, word: str) -> str:
    """An env assignment of a ``set env`` on ``target`` (``deployments/flowengine``) as FlowEngine reads its value
    (``cluster``: ``DISABLE_PROVIDERS``' names in any case, spaces ignored; a switch ``true`` for any of ``1 yes on``,
    else ``false``), so two spellings the world reads alike are one (attack50 A8: ``DISABLE_PROVIDERS=Anthropic`` was
    no "Take the failed provider out"); a value holding a step's place, another key or deployment, as typed."""
    from warroom.drill.cluster import SWITCHES, disabled, switched_on
    from warroom.drill.fleet import DEPLOYMENT

    key, eq, value = word.partition("=")
    if not eq or target != f"deployments/{DEPLOYMENT}" or "WARROOM" in value:
        return word
    if key == "DISABLE_PROVIDERS":
        return f"{key}={','.join(sorted(disabled({key: value})))}"
    return f"{key}={str(switched_on({key: value}, key)).lower()}" if key in SWITCHES else word


def _as_strategic(how: str, patch: str) -> bool:
    """Whether ``kubectl patch --type HOW`` makes the change the default (a strategic merge patch) makes: a JSON merge
    patch (RFC 7386) differs from it only on lists (replaced, not merged by key) and ``$patch`` directives, so one
    without either is the same request (attack44 A5b: ``--type merge -p '{"spec":{"minReplicas":12}}'`` was "outside
    the runbook's steps")."""
    if how != "merge":
        return how == "strategic"
    import yaml         # kubectl reads a patch as YAML or JSON alike (YAML reads both): its value, not its characters

    try:
        value = yaml.safe_load(patch)
    except yaml.YAMLError:
        return False

    def plain(node: object) -> bool:    # no list, no ``$`` directive anywhere (attack45 X3: a YAML block list, a "$5")
        if isinstance(node, list):
            return False
        return not isinstance(node, dict) or all(not str(k).startswith("$") and plain(v) for k, v in node.items())
    return isinstance(value, dict) and plain(value)


def _tight(text: str) -> str:
    """A JSON text without the whitespace between its tokens (strings as they are); a YAML mapping or list (kubectl
    reads a patch as either) as that JSON; any other text as it is."""
    if not text.lstrip().startswith(("{", "[")):
        import yaml

        try:
            read = yaml.safe_load(text)
        except yaml.YAMLError:
            return text
        return json.dumps(read, separators=(",", ":")) if isinstance(read, (dict, list)) else text
    out: list[str] = []
    quoted = escaped = False
    for ch in text:
        if quoted:
            escaped, quoted = not escaped and ch == "\\", quoted and (escaped or ch != '"')
        elif ch == '"':
            quoted = True
        elif ch.isspace():
            continue
        out.append(ch)
    return "".join(out)
