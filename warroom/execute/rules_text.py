"""Rules for tools that carry a small program: ``sed`` scripts, ``awk`` programs, ``find``
expressions.

Their options are not enough: ``sed '1e rm x'`` runs a command and ``awk '{print > "f"}'``
writes a file with no option at all. So the program itself is parsed, and anything that runs a
command or writes (sed ``e``/``w``/``s///e``/``s///w``; awk ``system()``, pipes, ``print >``;
find ``-exec``/``-delete``/``-fprint``) — or anything the parser does not recognise — refuses.
"""

from __future__ import annotations

import re

from warroom.execute.argspec import parse_opts, table
from warroom.execute.rulebook import Call, rule
from warroom.execute.shparse import PWord, Unprovable

_SED_FLAGS = table("-n --quiet --silent -e= --expression= -E -r --regexp-extended -s --separate "
                   "-u --unbuffered -z --null-data -l= --line-length= --posix --debug --sandbox "
                   "--follow-symlinks -b --binary --help --version")
_SED_DANGER = {"-i": "edits files in place", "--in-place": "edits files in place",
               "-f": "runs a sed script from a file, which cannot be checked",
               "--file": "runs a sed script from a file, which cannot be checked"}
_SED_SINKS = ("/dev/stdout", "/dev/stderr")


@rule("sed", "gsed")
def _sed(call: Call) -> str:
    o = parse_opts("sed", call.args, _SED_FLAGS, danger=_SED_DANGER)
    scripts: list[PWord] = [v for v in o.values("-e", "--expression") if v is not None]
    if not scripts:
        if not o.pos:
            raise Unprovable("sed without a script")
        scripts = [o.pos[0]]
    for s in scripts:
        if not s.literal:
            raise Unprovable(f"the sed script ({s.text}) is computed, so it cannot be checked")
        sed_script(s.value or "")
    return "sed only prints"


def sed_script(text: str) -> None:
    """Raise :class:`Unprovable` unless the GNU sed script only prints."""
    s, n, i = text, len(text), 0
    depth = 0

    def to_eol(j: int) -> int:
        while j < n and s[j] != "\n":
            j += 2 if s[j] == "\\" else 1
        return j

    def delimited(j: int, d: str) -> int:
        while j < n:
            if s[j] == "\\":
                j += 2
                continue
            if s[j] == d:
                return j + 1
            if s[j] == "\n" and d != "\n":
                raise Unprovable("a sed command split across lines")
            j += 1
        raise Unprovable("an unterminated sed expression")

    def address(j: int) -> int:
        if j < n and s[j].isdigit():
            while j < n and (s[j].isdigit() or s[j] == "~"):
                j += 1
            return j
        if j < n and s[j] == "$":
            return j + 1
        if j < n and s[j] == "/":
            j = delimited(j + 1, "/")
        elif j < n and s[j] == "\\" and j + 1 < n:
            j = delimited(j + 2, s[j + 1])
        else:
            return j
        while j < n and s[j] in "IM":
            j += 1
        return j

    while i < n:
        c = s[i]
        if c in " \t\n;":
            i += 1
            continue
        if c == "#":
            i = to_eol(i)
            continue
        j = address(i)
        if j > i:
            while j < n and s[j] == " ":
                j += 1
            if j < n and s[j] == ",":
                j += 1
                while j < n and s[j] == " ":
                    j += 1
                if j < n and s[j] in "+~":
                    j += 1
                    while j < n and s[j].isdigit():
                        j += 1
                else:
                    k = address(j)
                    if k == j:
                        raise Unprovable("a sed address range without its end")
                    j = k
        i = j
        while i < n and s[i] in " \t!":
            i += 1
        if i >= n:
            raise Unprovable("a sed address without a command")
        c = s[i]
        i += 1
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                raise Unprovable("an unbalanced } in a sed script")
        elif c in "dDgGhHnNpPxz=F":
            pass
        elif c in "lqQL":
            while i < n and (s[i].isdigit() or s[i] == " "):
                i += 1
        elif c in ":btTv":
            while i < n and s[i] not in ";\n}":
                i += 1
        elif c in "aic":
            i = to_eol(i)
        elif c in "rR":
            i = to_eol(i)  # reads a file into the output
        elif c in "wW":
            j = to_eol(i)
            if s[i:j].strip() not in _SED_SINKS:
                raise Unprovable(f"the sed command {c} writes to a file")
            i = j
        elif c == "e":
            raise Unprovable("the sed command e runs a shell command")
        elif c == "s":
            if i >= n or s[i] in "\\\n":
                raise Unprovable("a sed s command with an invalid delimiter")
            d = s[i]
            i = delimited(i + 1, d)
            i = delimited(i, d)
            while i < n and s[i] not in ";\n}":
                f = s[i]
                if f == "e":
                    raise Unprovable("the sed s///e flag runs the result as a shell command")
                if f == "w":
                    j = to_eol(i + 1)
                    if s[i + 1:j].strip() not in _SED_SINKS:
                        raise Unprovable("the sed s///w flag writes to a file")
                    i = j
                    break
                if f not in "gpiImM0123456789 \t":
                    raise Unprovable(f"an unknown sed s flag {f!r}")
                i += 1
        elif c == "y":
            if i >= n:
                raise Unprovable("a sed y command without its arguments")
            d = s[i]
            i = delimited(i + 1, d)
            i = delimited(i, d)
        else:
            raise Unprovable(f"an unknown sed command {c!r}")
    if depth:
        raise Unprovable("an unbalanced { in a sed script")


_AWK_FLAGS = table("-F= --field-separator= -v= --assign= -S --sandbox -P --posix -c "
                   "--traditional -b --characters-as-bytes -M --bignum -N --use-lc-numeric "
                   "-s --no-optimize -r --re-interval --version -V --help -h")
_AWK_DANGER = {"-f": "runs an awk program from a file, which cannot be checked",
               "--file": "runs an awk program from a file, which cannot be checked",
               "-E": "runs an awk program from a file", "--exec": "runs an awk program from a "
               "file", "-i": "includes an awk source file", "--include": "includes an awk "
               "source file", "-l": "loads an extension", "--load": "loads an extension",
               "-o": "writes the program to a file", "--pretty-print": "writes the program to "
               "a file", "-p": "writes a profile file", "--profile": "writes a profile file",
               "-d": "writes the variables to a file", "--dump-variables": "writes the "
               "variables to a file", "-D": "starts the debugger", "--debug": "starts the "
               "debugger", "-W": "takes implementation options the check does not know"}


@rule("awk", "gawk", "mawk", "nawk")
def _awk(call: Call) -> str:
    o = parse_opts(call.prog, call.args, _AWK_FLAGS, danger=_AWK_DANGER)
    for v in o.values("-v", "--assign"):
        if v is None or not re.match(r"[A-Za-z_]\w*=", v.value if v.value is not None else v.prefix):
            raise Unprovable(f"{call.prog} -v needs NAME=VALUE")
    if not o.pos:
        raise Unprovable(f"{call.prog} without a program")
    prog = o.pos[0]
    if not prog.literal:
        raise Unprovable(f"the awk program ({prog.text}) is computed, so it cannot be checked")
    awk_program(prog.value or "")
    return f"{call.prog} only prints"


# After these a "/" starts a regular expression; after anything else (a name, a number, ")",
# and getline, whose "/" can only be a division) it divides.
_AWK_KEYWORDS = {"print", "printf", "return", "if", "else", "while", "for", "do", "in",
                 "delete", "next", "nextfile", "exit", "function", "func", "break",
                 "continue", "BEGIN", "END", "BEGINFILE", "ENDFILE"}
_AWK_TOKEN = re.compile(r"""
    (?P<ws>[ \t]+|\\\n)
  | (?P<nl>\n)
  | (?P<comment>\#[^\n]*)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<num>[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\|\||&&|\|&|\+\+|--|[-+*/%^!<>=]=|!~|>>|[-+*/%^!<>=~?:,;{}()\[\]$|&@])
""", re.X)


def awk_program(text: str) -> None:
    """Raise :class:`Unprovable` unless the awk program only prints to stdout/stderr."""
    i, n = 0, len(text)
    prev = ""  # "operand" or ""
    print_depth: int | None = None  # paren depth where a print statement started
    paren = 0
    redirect_next = False
    while i < n:
        if text[i] == "/" and prev != "operand":
            j = i + 1
            while j < n and text[j] != "/":
                if text[j] == "\n":
                    raise Unprovable("an unterminated awk regular expression")
                if text[j] == "[":
                    k = text.find("]", j + 2)
                    j = n if k < 0 else k
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise Unprovable("an unterminated awk regular expression")
            i = j + 1
            prev = "operand"
            continue
        m = _AWK_TOKEN.match(text, i)
        if not m:
            raise Unprovable(f"awk program text the check cannot read ({text[i:i + 10]!r})")
        kind = m.lastgroup
        tok = m.group(0)
        i = m.end()
        if kind in ("ws", "comment"):
            continue
        if redirect_next:
            if kind != "str" or tok not in ('"/dev/stdout"', '"/dev/stderr"', '"-"'):
                raise Unprovable("the awk program writes to a file")
            redirect_next = False
            prev = "operand"
            continue
        if kind == "nl" or tok in (";", "{", "}"):
            print_depth = None
            prev = ""
            continue
        if kind == "ident":
            if tok == "system":
                raise Unprovable("the awk program runs a command (system)")
            if tok in ("print", "printf"):
                print_depth = paren
            prev = "" if tok in _AWK_KEYWORDS else "operand"
            continue
        if kind in ("str", "num"):
            prev = "operand"
            continue
        # operators
        if tok in ("|", "|&"):
            raise Unprovable("the awk program pipes to or from a command")
        if tok == "@":
            raise Unprovable("the awk program uses gawk @ directives or indirect calls")
        if tok == "(":
            paren += 1
        elif tok == ")":
            paren -= 1
        if tok in (">", ">>") and print_depth is not None and paren == print_depth:
            redirect_next = True
            continue
        prev = "operand" if tok in (")", "]", "$", "++", "--") else ""
    if redirect_next:
        raise Unprovable("the awk program writes to a file")


_FIND_VALUE = set("""-name -iname -path -ipath -wholename -iwholename -regex -iregex -regextype
-type -xtype -mtime -mmin -atime -amin -ctime -cmin -newer -anewer -cnewer -size -user -group
-uid -gid -perm -links -inum -samefile -lname -ilname -maxdepth -mindepth -fstype -used
-context -printf -files0-from""".split())
_FIND_BOOL = set("""-print -print0 -ls -prune -quit -empty -readable -writable -executable
-nouser -nogroup -true -false -xdev -mount -depth -d -follow -daystart -noleaf
-ignore_readdir_race -noignore_readdir_race -warn -nowarn -a -and -o -or -not ! ( ) ,
-help --help -version --version""".split())
_FIND_DANGER = {"-delete": "deletes files", "-exec": "runs a command", "-execdir": "runs a "
                "command", "-ok": "runs a command", "-okdir": "runs a command",
                "-fprint": "writes to a file", "-fprint0": "writes to a file",
                "-fprintf": "writes to a file", "-fls": "writes to a file"}


@rule("find")
def _find(call: Call) -> str:
    args = list(call.args)
    k = 0
    # leading options
    while k < len(args) and args[k].value in ("-H", "-L", "-P", "-D") or (
            k < len(args) and args[k].value is not None and re.fullmatch(r"-O[0-3]", args[k].value)):
        k += 2 if args[k].value == "-D" else 1
    expr = False
    while k < len(args):
        w = args[k]
        v = w.value
        if v is None:
            if w.may_split or (w.may_dash and expr) or (w.may_dash and not expr):
                raise Unprovable(f"find {w.text}: a computed word may become a find action "
                                 "such as -delete")
            k += 1
            continue
        if not expr and not (v.startswith("-") or v in ("(", "!", ",")):
            k += 1  # a starting path
            continue
        expr = True
        if v in _FIND_DANGER:
            raise Unprovable(f"find {v} {_FIND_DANGER[v]}")
        if v in _FIND_BOOL:
            k += 1
            continue
        if v in _FIND_VALUE or re.fullmatch(r"-newer[amcBt][amcBt]t?", v):
            if k + 1 >= len(args):
                raise Unprovable(f"find {v} needs a value")
            nxt = args[k + 1]
            if nxt.may_split:
                raise Unprovable(f"the value of find {v} may split into several words")
            k += 2
            continue
        raise Unprovable(f"find has no primary {v} the check knows")
    return "find only lists files"
