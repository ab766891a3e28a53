"""Rules for programs that run another command: shells, ``ssh``, ``su``, ``sudo``, ``env``,
``timeout``, ``nice``, ``stdbuf``, ``xargs``, ``watch``, ``strace``, ``time``.

Each one is read-only exactly when its own options are known and harmless and the command it
runs is read-only, judged by the same rules (:meth:`Call.argv` for an argv, :meth:`Call.script`
for text a shell will parse). Text that a second shell parses must be fully literal: ``ssh host
"cat $F"`` hands the *value* of ``$F`` to the remote shell as code, so it cannot be checked.
"""

from __future__ import annotations

import re

from warroom.execute.argspec import parse_opts, table
from warroom.execute.rulebook import Call, rule
from warroom.execute.safe_env import safe_variable
from warroom.execute.shparse import PWord, Unprovable


def _literal_script(call: Call, words: list[PWord], what: str) -> str:
    parts: list[str] = []
    for w in words:
        if not w.literal:
            raise Unprovable(f"{what}: {w.text} is expanded here and its value parsed again as "
                             "shell code by the next shell, which cannot be checked")
        parts.append(w.value or "")
    return " ".join(parts)


_SHELL_FLAGS = table("-e -u -x -v -f -C -E -T -h -B -p -l --login --norc --noprofile "
                     "--posix -o= +o= +e +u +x")
_SHELL_SET_OPTS = {"pipefail", "errexit", "nounset", "xtrace", "verbose", "noglob",
                   "noclobber", "posix"}


@rule("sh", "bash", "dash", "ash", "ksh", "zsh")
def _shell(call: Call) -> str:
    args = list(call.args)
    script: str | None = None
    k = 0
    while k < len(args):
        w = args[k]
        if not w.literal:
            raise Unprovable(f"{call.prog} {w.text}: a computed option or script name")
        v = w.value or ""
        if v == "--" or not v.startswith(("-", "+")) or v in ("-", "+"):
            break
        if v in ("-o", "+o"):
            if k + 1 >= len(args) or args[k + 1].value not in _SHELL_SET_OPTS:
                raise Unprovable(f"{call.prog} -o with an option the check does not accept")
            k += 2
            continue
        if v.startswith("--"):
            if v not in _SHELL_FLAGS:
                raise Unprovable(f"{call.prog} {v}: an option the check does not know")
            k += 1
            continue
        letters = v[1:]
        for ch in letters:
            if ch == "c":
                script = "pending"
            elif ch in "iIsrO":
                raise Unprovable(f"{call.prog} -{ch} starts an interactive or restricted shell "
                                 "or reads commands from input")
            elif "-" + ch not in _SHELL_FLAGS:
                raise Unprovable(f"{call.prog} -{ch}: an option the check does not know")
        k += 1
    rest = args[k:]
    if rest and rest[0].value == "--":
        rest = rest[1:]
    if script == "pending":
        if not rest:
            raise Unprovable(f"{call.prog} -c without a command")
        if not rest[0].literal:
            raise Unprovable(f"{call.prog} -c runs a computed script ({rest[0].text})")
        return call.script(rest[0].value or "", f"{call.prog} -c")
    if rest:
        raise Unprovable(f"{call.prog} runs the script file {rest[0].show()}, which cannot be "
                         "checked")
    if call.cmd.heredocs:
        return call.script(call.cmd.heredocs[-1], f"{call.prog} <<heredoc")
    raise Unprovable(f"{call.prog} reads commands from its input, which cannot be checked")


_SSH_FLAGS = table("-4 -6 -A -a -C -g -K -k -n -q -T -t -v -vv -vvv -X -x -Y -y -i= -l= -p= "
                   "-J= -c= -m= -B= -b= -o=")
_SSH_DANGER = {"-F": "reads an ssh configuration that can run local commands",
               "-E": "writes a log file", "-L": "opens a tunnel", "-R": "opens a tunnel",
               "-D": "opens a tunnel", "-w": "opens a tunnel", "-W": "forwards stdio",
               "-M": "starts a control master", "-S": "uses a control socket",
               "-O": "sends a control command", "-f": "goes to the background",
               "-N": "opens a connection without a command", "-s": "starts a subsystem",
               "-e": "sets an escape character", "-Q": "queries algorithms", "-G": "prints "
               "the configuration", "-V": "prints the version", "-I": "loads a PKCS#11 "
               "library", "-P": "selects a tagged configuration"}
_SSH_OPTIONS = {o.lower() for o in """BatchMode ConnectTimeout StrictHostKeyChecking
UserKnownHostsFile ServerAliveInterval ServerAliveCountMax LogLevel ConnectionAttempts Port User
IdentityFile IdentitiesOnly PasswordAuthentication PubkeyAuthentication PreferredAuthentications
Compression AddressFamily HostKeyAlgorithms CheckHostIP HashKnownHosts NumberOfPasswordPrompts
RequestTTY ForwardAgent ForwardX11 GlobalKnownHostsFile KbdInteractiveAuthentication
GSSAPIAuthentication TCPKeepAlive UpdateHostKeys VerifyHostKeyDNS""".split()}


@rule("ssh")
def _ssh(call: Call) -> str:
    o = parse_opts("ssh", call.args, _SSH_FLAGS, danger=_SSH_DANGER, stop_at_positional=True)
    for v in o.values("-o"):
        text = v.value if v is not None else None
        if text is None:
            raise Unprovable("ssh -o with a computed option")
        name = re.split(r"[=\s]", text.strip(), maxsplit=1)[0].lower()
        if name not in _SSH_OPTIONS:
            raise Unprovable(f"ssh -o {name}: an option the check does not accept (ProxyCommand, "
                             "LocalCommand, Match exec and similar run local commands)")
    for v in o.values("-J"):
        if v is None or v.value is None or v.value.startswith("-"):
            raise Unprovable("ssh -J with a computed or option-like jump host")
    if not o.pos:
        raise Unprovable("ssh without a host")
    host = o.pos[0]
    if host.may_dash or (host.value or "").startswith("-"):
        raise Unprovable(f"the ssh host ({host.text}) may expand to an option")
    remote = o.pos[1:]
    if remote and remote[0].value == "--":
        remote = remote[1:]
    if not remote:
        if call.cmd.heredocs:
            return "ssh: " + call.script(call.cmd.heredocs[-1], "ssh <<heredoc")
        raise Unprovable("ssh without a command opens a remote shell")
    text = _literal_script(call, remote, "ssh")
    reason = call.script(text, "ssh")
    return f"ssh runs a read-only command ({reason})"


@rule("su")
def _su(call: Call) -> str:
    args = [a for a in call.args if a.value != "-"]
    o = parse_opts("su", args, table("-l --login -c= --command= -s= --shell= -m -p "
                                     "--preserve-environment -P --pty -g= --group= -G= "
                                     "--supp-group="),
                   danger={"-C": "runs a session command", "--session-command": "runs a "
                           "session command", "-w": "keeps environment variables",
                           "--whitelist-environment": "keeps environment variables"})
    for v in o.values("-s", "--shell"):
        if v is None or v.value not in ("/bin/sh", "/bin/bash", "/usr/bin/bash", "/usr/bin/sh"):
            raise Unprovable("su -s with a shell the check does not know")
    cmds = o.values("-c", "--command")
    if not cmds:
        raise Unprovable("su without -c opens a shell")
    for v in cmds:
        if v is None or not v.literal:
            raise Unprovable("su -c runs a computed command, which cannot be checked")
    if len(o.pos) > 1 or any(p.may_dash for p in o.pos):
        raise Unprovable("su with arguments the check does not know")
    reason = "; ".join(call.script(v.value or "", "su -c") for v in cmds if v is not None)
    return f"su runs a read-only command ({reason})"


@rule("sudo", "doas")
def _sudo(call: Call) -> str:
    flags = ("-u= --user= -g= --group= -n --non-interactive -H --set-home -S --stdin -k "
             "--reset-timestamp -E --preserve-env -D= --chdir= -p= --prompt= -l --list -b? "
             "-P --preserve-groups -A --askpass -T= --command-timeout=") if call.prog == "sudo" \
        else "-u= -n"
    o = parse_opts(call.prog, call.args, table(flags.replace(" -b?", "")),
                   danger={"-i": "opens a root shell", "--login": "opens a root shell",
                           "-s": "opens a root shell", "--shell": "opens a root shell",
                           "-e": "edits files", "--edit": "edits files", "-b": "runs the command "
                           "in the background", "--background": "runs the command in the "
                           "background", "-C": "closes file descriptors", "-r": "sets an SELinux "
                           "role", "-t": "sets an SELinux type", "-U": "lists another user's "
                           "rights", "-v": "extends the credential timeout", "--validate":
                           "extends the credential timeout", "-K": "removes credentials"},
                   stop_at_positional=True)
    if not o.pos:
        if o.has("-l", "--list"):
            return f"{call.prog} -l only lists"
        raise Unprovable(f"{call.prog} without a command")
    reason = call.argv(o.pos, call.prog)
    return f"{call.prog}: {reason}"


@rule("timeout")
def _timeout(call: Call) -> str:
    o = parse_opts("timeout", call.args, table("--preserve-status --foreground -k= --kill-after= "
                                               "-s= --signal= -v --verbose"),
                   stop_at_positional=True)
    if not o.pos or o.pos[0].value is None or not re.fullmatch(r"[0-9.]+[smhd]?", o.pos[0].value):
        raise Unprovable("timeout without a literal duration")
    return call.argv(o.pos[1:], "timeout")


@rule("nice")
def _nice(call: Call) -> str:
    o = parse_opts("nice", call.args, table("-n= --adjustment="), stop_at_positional=True,
                   numeric=True)
    if not o.pos:
        return "nice only prints the niceness"
    return call.argv(o.pos, "nice")


@rule("stdbuf")
def _stdbuf(call: Call) -> str:
    o = parse_opts("stdbuf", call.args, table("-i= --input= -o= --output= -e= --error="),
                   stop_at_positional=True)
    return call.argv(o.pos, "stdbuf")


@rule("time")
def _time(call: Call) -> str:
    o = parse_opts("time", call.args, table("-p --portability -v --verbose -f= --format= -q "
                                            "--quiet"),
                   danger={"-o": "writes its report to a file", "--output": "writes its report "
                           "to a file", "-a": "appends its report to a file"},
                   stop_at_positional=True)
    return call.argv(o.pos, "time")


@rule("env")
def _env(call: Call) -> str:
    o = parse_opts("env", call.args, table("-i --ignore-environment -0 --null -u= --unset= "
                                           "-C= --chdir= -v --debug"),
                   danger={"-S": "splits a string into a command line, which cannot be checked",
                           "--split-string": "splits a string into a command line",
                           "--block-signal": "", "--default-signal": "", "--ignore-signal": ""},
                   stop_at_positional=True)
    rest = list(o.pos)
    while rest and rest[0].value is not None and re.match(r"[A-Za-z_]\w*=", rest[0].value):
        name = rest[0].value.split("=", 1)[0]
        if not safe_variable(name, exported=True):
            raise Unprovable(f"env sets {name}, which changes how the command runs")
        rest = rest[1:]
    if rest and not rest[0].literal and re.match(r"[A-Za-z_]\w*=", rest[0].prefix):
        name = rest[0].prefix.split("=", 1)[0]
        if not safe_variable(name, exported=True):
            raise Unprovable(f"env sets {name}, which changes how the command runs")
        rest = rest[1:]
        while rest and (rest[0].value or rest[0].prefix) and re.match(
                r"[A-Za-z_]\w*=", rest[0].value or rest[0].prefix):
            name = (rest[0].value or rest[0].prefix).split("=", 1)[0]
            if not safe_variable(name, exported=True):
                raise Unprovable(f"env sets {name}, which changes how the command runs")
            rest = rest[1:]
    if not rest:
        return "env only prints the environment"
    return call.argv(rest, "env")


@rule("xargs")
def _xargs(call: Call) -> str:
    o = parse_opts("xargs", call.args, table(
        "-0 --null -a= --arg-file= -d= --delimiter= -E= -e=? --eof=? -I= -i=? --replace=? -L= "
        "--max-lines= -l=? -n= --max-args= -P= --max-procs= -r --no-run-if-empty -s= "
        "--max-chars= -t --verbose -x --exit --show-limits --process-slot-var="),
        danger={"-o": "reopens the terminal as input", "--open-tty": "reopens the terminal as "
                "input", "-p": "asks on the terminal", "--interactive": "asks on the terminal"},
        stop_at_positional=True)
    inner = list(o.pos)
    if not inner:
        return "xargs only echoes its input"
    repl = [v for v in o.values("-I", "--replace", "-i") if v is not None]
    marker = repl[-1].value if repl and repl[-1].value else ("{}" if o.has("-i", "--replace")
                                                            else None)
    if marker:
        # each word holding the marker becomes a line of input
        out: list[PWord] = []
        for w in inner:
            if w.value is not None and marker in w.value:
                starts = w.value.startswith(marker)
                out.append(PWord(w.text, None, may_dash=starts, may_split=False,
                                 prefix=w.value.split(marker, 1)[0]))
            else:
                out.append(w)
        inner = out
    else:
        inner.append(PWord("<input words>", None, may_dash=True, may_split=True))
    return "xargs runs " + call.argv(inner, "xargs")


@rule("watch")
def _watch(call: Call) -> str:
    o = parse_opts("watch", call.args, table(
        "-n= --interval= -d=? --differences=? -t --no-title -b --beep -e --errexit -g --chgexit "
        "-c --color -C --no-color -x --exec -p --precise -w --no-wrap -r --no-rerun -q= "
        "--equexit= --no-linewrap"), stop_at_positional=True)
    if o.has("-x", "--exec"):
        return "watch: " + call.argv(o.pos, "watch -x")
    if not o.pos:
        raise Unprovable("watch without a command")
    return "watch: " + call.script(_literal_script(call, o.pos, "watch"), "watch")


@rule("strace")
def _strace(call: Call) -> str:
    o = parse_opts("strace", call.args, table(
        "-c -C -f -ff -F -i -q -qq -r -t -tt -ttt -T -v -x -xx -y -yy -k -w -z -Z -n -a= -e= "
        "-O= -p= -P= -s= -S= -X= --summary-only --summary --follow-forks --output-separately "
        "--instruction-pointer --quiet --relative-timestamps --absolute-timestamps "
        "--syscall-times --no-abbrev --stack-trace --summary-wall-clock --successful-only "
        "--failed-only --string-limit= --attach= --trace= --trace-path= --decode-fds=? "
        "--signal= --status="),
        danger={"-o": "writes its trace to a file", "--output": "writes its trace to a file",
                "-E": "sets the traced program's environment", "-u": "runs the program as "
                "another user", "-b": "detaches on a syscall", "-D": "runs as a detached "
                "grandchild", "--inject": "changes the traced program's system calls",
                "--fault": "makes the traced program's system calls fail"},
        stop_at_positional=True)
    for v in o.values("-e"):
        text = v.value if v is not None else None
        if text is None or re.match(r"(inject|fault|write|read|kvm|quiet)=", text) and not \
                text.startswith(("write=", "read=")):
            raise Unprovable("strace -e with inject/fault tampering changes the traced program")
    if not o.pos:
        if not o.has("-p", "--attach"):
            raise Unprovable("strace without a command or -p")
        return "strace -p only observes"
    return "strace " + call.argv(o.pos, "strace")
