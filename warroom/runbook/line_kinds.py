"""Telling, line by line, a command from its sample output, from prose and from PromQL.

Runbooks paste commands, prompts, output and explanations into one fence; the heuristics that
tell them apart are tuned against the corpus and change on their own, so they are kept apart
from how a block is split into steps (:mod:`warroom.runbook.blocks`).
"""

from __future__ import annotations

import re

from warroom.syntax import shell

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


def first_word(line: str) -> str:
    parts = line.strip().split(None, 1)
    return parts[0] if parts else ""


def _path_like(word: str) -> bool:
    return word.startswith(("./", "../", "~/")) or (word.startswith("/") and word.count("/") >= 2)


# What programs print, in shapes no command line has: kubectl's result lines
# (`deployment.apps/web restarted`, `pod "web-1" deleted`) and `git log --oneline` rows.
_K8S_RESULT = re.compile(
    r'^(?:[a-z][\w.-]*/[\w.:-]+|[a-z][\w.-]* "[^"]+")\s+(?:created|configured|deleted|'
    r"restarted|patched|scaled|labeled|annotated|unchanged|rolled back|paused|resumed|cordoned|"
    r"uncordoned|drained|evicted|tainted|untainted|exposed|autoscaled|serverside-applied|edited|"
    r"replaced|condition met|already cordoned|skipped)\b")
_SHA_ROW = re.compile(r"^(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\s+\S")


def output_signature(text: str) -> bool:
    """A line only a program prints: a kubectl result, a commit row, or `key=Value 1 ...` (a
    header such as openssl's ``notBefore=Mar  3 10:00:00 2026 GMT``: as shell it would set a
    variable and run ``3``)."""
    if _K8S_RESULT.match(text) or _SHA_ROW.match(text):
        return True
    words = text.split()
    i = 0
    while i < len(words) and shell.is_assignment(words[i]):
        i += 1
    return 0 < i < len(words) and words[i][0].isdigit()


def is_strong_command(line: str) -> bool:
    """The line almost certainly starts a shell command (known program, path, assignment...)."""
    text = line.strip()
    if not text:
        return False
    w = first_word(text)
    if looks_like_repl(text) or looks_like_logfmt(text) or output_signature(text):
        return False
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


_TABLE_HEADER = re.compile(r"^[A-Z][A-Z0-9_()*%./-]*(?:(?: {2,}|\t+)[A-Z][A-Z0-9_()*%./ -]*){1,}$")
_HELP_LINE = re.compile(r"^[a-z][\w-]*(?:,\s*-\S+)?\s{2,}[A-Z][a-z]+(?:\s+\S+)*\.?$")


# A database or language REPL's prompt: what follows is typed into that program, not the shell
# (`mysql> SELECT ...` run by a shell would start mysql writing into a file named SELECT).
_REPL = re.compile(r"^(?:(?:mysql|mariadb|sqlite3?|cqlsh(?::[\w-]+)?|mongo|redis[\w.:-]*(?: [\d.:]+)?|"
                   r"\d{1,3}(?:\.\d{1,3}){3}:\d+(?:\[\d+\])?|irb\([^)]*\)[\d:]*|"
                   r"\[\d+\] pry\([^)]*\)|ksql|hbase\([^)]*\)[\d:]*)>|[\w.-]+=[#>]|>>>)(?:\s|$)")


def looks_like_logfmt(line: str) -> bool:
    """``level=error msg="x" ts=...``: a log line, not shell assignments (those are upper case)."""
    words = line.split()
    if len(words) < 2 or not all("=" in w for w in words[:2]):
        return False
    keys = [w.split("=", 1)[0] for w in words if "=" in w]
    return all(k.islower() and k.replace("_", "").replace(".", "").isalnum() for k in keys[:2]) \
        and keys[0] in ("level", "lvl", "ts", "time", "t", "msg", "caller", "severity")


def looks_like_repl(line: str) -> bool:
    """``mysql> SELECT 1;``, ``postgres=# \\dt``, ``127.0.0.1:6379> INFO``, ``>>> x``."""
    return bool(_REPL.match(line.strip()))


def looks_like_table_header(line: str) -> bool:
    """``NAME   READY   STATUS``: the header of a program's column output."""
    text = line.strip()
    return bool(_TABLE_HEADER.match(text)) and first_word(text) not in KNOWN_COMMANDS


def looks_like_output(line: str) -> bool:
    """The line reads like program output, a table, a log line or prose rather than a command."""
    text = line.strip()
    if not text:
        return False
    w = first_word(text)
    if output_signature(text):
        return True
    if is_strong_command(text):
        return False
    c = text[0]
    if looks_like_repl(text) or looks_like_logfmt(text):
        return True
    if c == "-" or c == "+" and text.startswith("+-"):
        return True  # `--force  delete now` (flag help) or `+----+` (a result table's border)
    if _HELP_LINE.match(text) and w not in KNOWN_COMMANDS:
        return True  # `delete     Delete resources` (a CLI's command list)
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
    if any(ln.startswith(("|", "+-")) for ln in body):
        return False  # a result table (`| USER | count(*) |`), not a query
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
