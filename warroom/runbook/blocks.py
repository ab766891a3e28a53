"""Turning the text of one code block into step drafts.

Shell blocks are split into one draft per blank-line-separated command. The comment lines
right above a command label it; ``# Expected: ...`` after it is its expectation; ``# Output:``
starts example output. Prompts (``$ ``, ``user@host:~$ ``, and ``# `` root prompts in console
blocks) are stripped, and in a prompted block the unprompted lines after a command are its
example output. A command whose text is not complete yet (open quote, heredoc, ``\\``
continuation, ``if/for/while/case`` or ``{``/``(`` block, trailing ``|``/``&&``) swallows the
following lines, blank ones included, so it always stays whole. A block starting with ``#!``
is one script.

The heuristics deciding whether a line "looks like a command" live here too; they are used
for blocks without a language and for lines in a prompted block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from warroom.runbook import shell

KNOWN_COMMANDS = frozenset("""
kubectl oc k kubecolor helm kustomize kubens kubectx k9s stern minikube kind k3d eksctl argocd
flux istioctl linkerd velero docker podman crictl ctr nerdctl skopeo buildah systemctl service
journalctl sudo su doas cd ls ll cat tac grep egrep fgrep zgrep rg ag awk gawk sed jq yq curl
wget http ssh scp sftp rsync git make python python3 pip pip3 psql pg_dump pg_dumpall
pg_restore pg_basebackup pg_ctl pg_isready mysql mysqldump redis-cli etcdctl aws gcloud gsutil
bq az terraform terragrunt vault consul nomad knife chef-client gitlab-ctl gitlab-rake
gitlab-rails gitlab-psql gitlab-patronictl patronictl sv tail head less more find xargs echo
printf export source set unset env printenv watch sleep kill pkill killall ps top htop atop
free df du mount umount ip ss netstat dig nslookup host ping ping6 traceroute tracepath mtr
tcpdump nc ncat telnet openssl base64 date uptime dmesg lsof strace ltrace iostat vmstat mpstat
sar pidstat chmod chown chgrp cp mv rm mkdir rmdir touch ln tar gzip gunzip zcat unzip bash sh
zsh dash time timeout nohup ionice nice crontab hostnamectl timedatectl sysctl modprobe lsmod
iptables ip6tables nft ufw firewall-cmd pgrep pstree toolbox chroot exit vi vim nano emacs tee
sort uniq wc cut tr column diff patch stat file which whereis history alias read test promtool
amtool hatop rails rake bundle npm npx node yarn go cargo java ansible ansible-playbook salt
puppet logcli mc s3cmd rclone pwgen htpasswd systemd-run systemd-analyze loginctl who w last id
whoami hostname uname lsblk blkid fdisk parted mkfs fsck xfs_growfs resize2fs lvextend pvs vgs
lvs ethtool ifconfig route arp tshark hey ab wrk fio dd sync swapoff swapon nproc lscpu getent
sha256sum md5sum xxd od hexdump strings realpath readlink basename dirname seq true false expr
bc cmp comm join paste nl fold gpg ssh-keygen ssh-add kinit klist ldapsearch nmap iperf iperf3
conntrack ipvsadm virsh qemu-img vagrant packer glsh k-ctl wal-g wal-e envdir pgbouncer
redis-server sentinel gitaly praefect gitlab-shell gitlab-ctl chronyc ntpq ntpstat apt apt-get
yum dnf rpm dpkg snap brew pkill
""".split())

SHELL_KEYWORDS = frozenset({"if", "for", "while", "until", "case", "function", "select"})

_PROMPT = re.compile(
    r"^(?P<prompt>\$|[\w.-]+@[\w.-]+(?::[^\s$#]*)?\s?[$#]|\[[\w.@ -]+(?:\s+[^\]]*)?\][$#]|"
    r"\([\w.-]+\)\s*\$)(?: (?P<cmd>.*)|$)")
_EXPECT = re.compile(r"^(?:expected|expect|expects|expected output|expected result)\s*:\s*(.*)$",
                     re.I)
_OUTPUT = re.compile(r"^(?:output|example output|sample output|outputs|result|returns|"
                     r"example result|prints)\s*:\s*(.*)$", re.I)
_BOX = re.compile(r"[\u2500-\u257f]")
_PROMQL_FUNC = re.compile(
    r"\b(sum|avg|min|max|count|topk|bottomk|stddev|stdvar|quantile|count_values|group|"
    r"rate|irate|increase|delta|idelta|deriv|predict_linear|histogram_quantile|absent|"
    r"absent_over_time|changes|resets|label_replace|label_join|clamp_min|clamp_max|"
    r"(?:avg|min|max|sum|count|quantile|stddev|last|present)_over_time)\s*(?:(?:by|without)\s*"
    r"\([^)]*\)\s*)?\(")
_PROMQL_SELECTOR = re.compile(r"[A-Za-z_:][\w:]*\s*\{[^{}]*[!=]~?\s*\"[^\"]*\"[^{}]*\}")
_PROMQL_RANGE = re.compile(r"\[\d+[smhdwy]\]")
_METRIC = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})?(\[\d+[smhdwy]\])?$")


# -- line heuristics --------------------------------------------------------------------------

def first_word(line: str) -> str:
    parts = line.strip().split(None, 1)
    return parts[0] if parts else ""


def _path_like(word: str) -> bool:
    return word.startswith(("./", "../", "~/")) or (word.startswith("/") and word.count("/") >= 2)


def is_strong_command(line: str) -> bool:
    """The line almost certainly starts a shell command (known program, path, assignment...)."""
    text = line.strip()
    if not text:
        return False
    w = first_word(text)
    if w in KNOWN_COMMANDS or _path_like(w):
        return True
    if shell.is_assignment(w) and not w.endswith("="):
        return True
    if w.endswith("=") and shell.is_assignment(w + "x") and len(text.split()) == 1:
        return True
    if w in ("[", "[["):
        return True
    if w in SHELL_KEYWORDS:
        return bool(re.search(r";\s*(then|do)\b|\bdo$|\bthen$|\bin\b.*;|\[\[?|\(\(", text))
    if re.match(r"^[A-Za-z_][\w-]*\(\)\s*\{?$", text):  # function definition
        return True
    return False


def looks_like_output(line: str) -> bool:
    """The line reads like program output, a table, a log line or prose rather than a command."""
    text = line.strip()
    if not text:
        return False
    w = first_word(text)
    if is_strong_command(text):
        return False
    c = text[0]
    if c in "{}<|" or (c == "[" and not text.startswith(("[ ", "[[ "))):
        return True
    if c in "\"'" and re.match(r"^(\"[^\"]*\"|'[^']*')\s*[:=]", text):
        return True
    if c.isdigit() and not shell.is_assignment(w):
        return True
    if w.endswith(":") or w.endswith(","):
        return True
    if re.match(r"^\S+\s+=\s", text):
        return True
    if c.isupper() and not shell.is_assignment(w) and w not in KNOWN_COMMANDS:
        return True
    if _BOX.search(text[:4]) or text.startswith(("- ", "* ", "+ ", "...", "…", "==>", "-->")):
        return True
    return False


def looks_like_prose(line: str) -> bool:
    """A comment that is a sentence rather than a commented-out root-prompt command."""
    text = line.strip()
    return text.endswith((".", ":", ",", "?", "!")) or not is_strong_command(text)


def strip_prompt(line: str, root_prompts: bool) -> tuple[str, str] | None:
    """Return (prompt kind, command) when the line starts with a shell prompt, else None."""
    text = line.strip()
    m = _PROMPT.match(text)
    if m:
        prompt = m.group("prompt")
        kind = "#" if prompt.endswith("#") else "$"
        return kind, (m.group("cmd") or "").strip()
    if root_prompts and text.startswith("# "):
        cmd = text[2:].strip()
        if cmd and not looks_like_prose(cmd):
            return "#", cmd
    return None


def looks_like_promql(text: str) -> bool:
    """The block holds PromQL (even if it was fenced as shell)."""
    lines = [ln.strip() for ln in text.splitlines()]
    body = [ln for ln in lines if ln and not ln.startswith(("#", "//"))]
    if not body:
        return False
    if any(is_strong_command(ln) and first_word(ln) not in ("sum", "time", "join") for ln in body):
        return False
    if any(first_word(ln).startswith("$") or strip_prompt(ln, False) for ln in body):
        return False
    joined = " ".join(body)
    if _PROMQL_FUNC.search(joined) or _PROMQL_SELECTOR.search(joined):
        return True
    if len(body) == 1 and _METRIC.match(body[0]) and "_" in body[0]:
        return True
    return bool(_PROMQL_RANGE.search(joined) and re.search(r"[A-Za-z_:][\w:]*\s*(\{|\[)", joined))


def holds_commands(text: str) -> bool:
    """For a block without a language: does it hold shell commands (not output, config, prose)?"""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return False
    if any(_PROMPT.match(ln) for ln in lines):
        return True
    # A root-prompted command first, as in `# ps aux | grep x` followed by its output.
    if lines[0].startswith("# ") and not looks_like_prose(lines[0][2:]):
        return True
    body = [ln for ln in lines if not ln.startswith("#")]
    if not body:
        return False
    strong = sum(1 for ln in body if is_strong_command(ln))
    return strong * 3 >= len(body) * 2


# -- drafts -----------------------------------------------------------------------------------

@dataclass
class Draft:
    """A step as found in a block, before numbering and classification."""

    command_lines: list[str] = field(default_factory=list)
    label: str | None = None
    expect: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    line: int = 0  # 0-based index in the block of the first command line
    prompt: str | None = None
    open: bool = False

    @property
    def command(self) -> str:
        lines = list(self.command_lines)
        while lines and lines[-1].lstrip().startswith("#") and not self.open:
            lines.pop()
        while lines and not lines[-1].strip():
            lines.pop()
        return "\n".join(lines)

    @property
    def example_output(self) -> str | None:
        out = "\n".join(self.output).strip("\n")
        return out or None

    def add(self, text: str) -> None:
        self.command_lines.append(text)
        if len(self.command_lines) > 200:
            # Past this size stop tracking structure (keeps huge blocks linear), and let
            # blank lines split again.
            self.open = False
            return
        self.open = not shell.scan("\n".join(self.command_lines)).complete


def _comment_text(line: str) -> str:
    return line.strip().lstrip("#").strip()


def split_shell(lines: list[str], lang: str) -> list[Draft]:
    """Split a shell block (already dedented) into drafts; never raises."""
    lines = [ln.rstrip() for ln in lines]
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None:
        return []
    if lines[first].startswith("#!"):
        d = Draft(command_lines=lines[first:], line=first)
        return [d]
    prompted_lines = [strip_prompt(ln, False) for ln in lines]
    console = lang in ("console", "shell-session", "shellsession", "terminal", "sh-session",
                       "bash-session", "")
    prompt_mode = any(p is not None for p in prompted_lines)
    root_prompts = prompt_mode or console
    if not prompt_mode and console:
        prompt_mode = any(strip_prompt(ln, True) for ln in lines)
    drafts: list[Draft] = []
    cur: Draft | None = None
    pending: list[str] = []
    output_mode = False

    def close() -> None:
        nonlocal cur
        if cur is not None and cur.command.strip():
            drafts.append(cur)
        cur = None

    def start(idx: int, prompt: str | None = None) -> Draft:
        nonlocal pending
        d = Draft(line=idx, prompt=prompt)
        label = " ".join(p for p in pending if p).strip()
        d.label = label or None
        pending = []
        return d

    for idx, line in enumerate(lines):
        if cur is not None and cur.open:
            text = line
            if prompt_mode and line.lstrip().startswith("> "):
                text = line.lstrip()[2:]
            cur.add(text)
            continue
        stripped = line.strip()
        if not stripped:
            close()
            pending = []
            output_mode = False
            continue
        prompted = strip_prompt(line, root_prompts) if prompt_mode or console else None
        if stripped.startswith("#") and prompted is None:
            body = _comment_text(stripped)
            m = _EXPECT.match(body)
            if m and cur is not None:
                cur.expect.append(m.group(1).strip())
                continue
            m = _OUTPUT.match(body)
            if m and cur is not None:
                output_mode = True
                if m.group(1).strip():
                    cur.output.append(m.group(1).strip())
                continue
            if cur is not None and output_mode:
                # After "# Output:", commented lines are the example output itself.
                cur.output.append(re.sub(r"^\s*# ?", "", line))
                continue
            if cur is not None and cur.output:
                cur.output.append(line)
                pending.append(body)
                continue
            if cur is not None and not prompt_mode:
                cur.add(line)
                continue
            if stripped.startswith("#!"):
                continue
            pending.append(body)
            continue
        if output_mode and cur is not None:
            cur.output.append(line)
            continue
        if prompt_mode:
            if prompted is not None:
                kind, cmd = prompted
                if not cmd:
                    continue
                if cur is not None and (cur.output or pending or cur.prompt != kind):
                    # A new prompt after output, after a comment, or of another kind (`$` then
                    # `#` inside a debug shell) starts a new step.
                    if cur.output and pending:
                        # the comments were read as output; they label this command instead
                        del cur.output[-len(pending):]
                    close()
                if cur is None:
                    cur = start(idx, kind)
                cur.add(cmd)
                continue
            if cur is None:
                if is_strong_command(stripped):
                    cur = start(idx, "")
                    cur.add(line)
                continue
            if pending and cur.prompt and is_strong_command(stripped):
                if cur.output:
                    del cur.output[-len(pending):]
                close()
                cur = start(idx, "")
                cur.add(line)
                continue
            if cur.prompt == "":
                # unprompted commands before any prompt: keep collecting
                if looks_like_output(stripped):
                    cur.output.append(line)
                else:
                    cur.add(line)
                continue
            cur.output.append(line)
            pending = []
            continue
        # Plain (unprompted) block.
        if cur is None:
            if looks_like_output(stripped):
                pending = []
                continue
            cur = start(idx)
            cur.add(line)
            continue
        if cur.output or looks_like_output(stripped):
            cur.output.append(line)
            continue
        cur.add(line)
    close()
    drafts = _join_assignments(drafts)
    for d in drafts:
        if d.label is None:
            d.label = _trailing_comment_label(d.command)
    return drafts


def _only_assignments(command: str) -> bool:
    result = shell.scan(command)
    if not result.commands or not result.complete:
        return False
    return all(c.words and all(shell.is_assignment(w.raw) for w in c.words) and not c.redirects
               for c in result.commands)


def _join_assignments(drafts: list[Draft]) -> list[Draft]:
    """A chunk that only sets shell variables does nothing on its own (each step runs in its
    own shell), so it is joined to the command right after it in the same block."""
    out: list[Draft] = []
    carry: Draft | None = None
    for d in drafts:
        if carry is not None:
            d.command_lines = carry.command_lines + d.command_lines
            d.line = carry.line
            d.label = d.label or carry.label
            d.output = carry.output + d.output
            carry = None
        if _only_assignments(d.command) and d is not drafts[-1]:
            carry = d
            continue
        out.append(d)
    return out


def _trailing_comment_label(command: str) -> str | None:
    """Use ``cmd  # what it does`` as the label of a one-line command without one."""
    if "\n" in command:
        return None
    ctx = shell.scan(command).contexts
    for i, ch in enumerate(command):
        if ch == "#" and ctx[i] == shell.COMMENT:
            text = command[i:].lstrip("#").strip()
            return text or None
    return None


def split_plain(lines: list[str], comment_prefixes: tuple[str, ...] = ("#", "//")) -> list[Draft]:
    """Split a PromQL or native block: blank lines separate entries, comments above label them."""
    drafts: list[Draft] = []
    cur: Draft | None = None
    pending: list[str] = []
    for idx, raw in enumerate(lines):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            if cur is not None:
                drafts.append(cur)
                cur = None
            pending = []
            continue
        if stripped.startswith(comment_prefixes):
            body = stripped.lstrip("#/").strip()
            m = _EXPECT.match(body)
            if m and cur is not None:
                cur.expect.append(m.group(1).strip())
                continue
            if cur is None:
                pending.append(body)
            continue
        if cur is None:
            cur = Draft(line=idx, label=" ".join(pending).strip() or None)
            pending = []
        cur.command_lines.append(line)
    if cur is not None:
        drafts.append(cur)
    return drafts


def split_native(lines: list[str]) -> list[Draft]:
    """Native k8s blocks: one action per line; comment lines above label it."""
    drafts: list[Draft] = []
    pending: list[str] = []
    for idx, raw in enumerate(lines):
        stripped = raw.strip()
        if not stripped:
            pending = []
            continue
        if stripped.startswith("#"):
            body = _comment_text(stripped)
            m = _EXPECT.match(body)
            if m and drafts and not pending:
                drafts[-1].expect.append(m.group(1).strip())
                continue
            pending.append(body)
            continue
        drafts.append(Draft(command_lines=[stripped], line=idx,
                            label=" ".join(pending).strip() or None))
        pending = []
    return drafts
