"""Rules for small local tools: text filters, file and system inspectors.

Two kinds. Tools whose every option only reads (checked against their manuals: ``cat``,
``grep``, ``dig``...) accept any arguments, even computed ones — no option of theirs could
write. Tools with an option that writes or runs something (``sort -o``, ``date -s``,
``ss -K``, ``uniq IN OUT``) get a full option table: an option missing from it, or a word that
may expand to an option, is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from warroom.execute.argspec import SINKS, Opts, parse_opts, parse_single_dash, table
from warroom.execute.rulebook import Call, rule
from warroom.execute.shparse import Unprovable

# Tools none of whose options writes a file, changes the system or runs a program.
_ANY_ARGS = """
cat tac rev nl fold paste join comm cmp diff column expand unexpand numfmt cut tr wc head
grep egrep fgrep zgrep zcat bzcat xzcat zless? strings od hexdump md5sum sha1sum sha224sum
sha256sum sha384sum sha512sum b2sum cksum base32 base64 basenc
basename dirname realpath readlink seq nproc getconf locale tty printenv
uname id whoami groups getent which whereis
dig host nslookup ping ping6 traceroute traceroute6 tracepath
ps pgrep pstree uptime w who last free vmstat lscpu lsmem lsblk findmnt lspci lsusb
netstat lsof pmap numastat mpstat iostat pidstat
du df stat ls jq
""".split()


def _any_args(call: Call) -> str:
    return f"{call.prog} only reads"


for _name in _ANY_ARGS:
    if not _name.endswith("?"):
        rule(_name)(_any_args)


def _tool(name: str, flags: str, *, danger: Mapping[str, str] | None = None,
          outputs: tuple[str, ...] = (), max_pos: int | None = None, numeric: bool = False,
          check: Callable[[Call, Opts], None] | None = None, what: str = "only reads",
          aliases: tuple[str, ...] = ()) -> None:
    tab = table(flags)

    def fn(call: Call) -> str:
        o = parse_opts(name, call.args, tab, danger=danger, outputs=outputs, numeric=numeric)
        if max_pos is not None:
            if len(o.pos) > max_pos:
                raise Unprovable(f"{name} with {len(o.pos)} file arguments writes the last one")
            if any(p.may_split for p in o.pos):
                raise Unprovable(f"{name}: a file argument may expand to several words, and "
                                 "the last one would be written")
        if check is not None:
            check(call, o)
        return f"{name} {what}"

    rule(name, *aliases)(fn)


def _require(flag: str, why: str) -> Callable[[Call, Opts], None]:
    def check(call: Call, o: Opts) -> None:
        if not o.has(flag):
            raise Unprovable(why)
    return check


_tool("tail", "-c= --bytes= -f --follow=? -F -n= --lines= --max-unchanged-stats= --pid= -q "
      "--quiet --silent --retry -s= --sleep-interval= -v --verbose -z --zero-terminated --help "
      "--version", numeric=True)
_tool("sort", "-b --ignore-leading-blanks -d --dictionary-order -f --ignore-case -g "
      "--general-numeric-sort -i --ignore-nonprinting -M --month-sort -h --human-numeric-sort -n "
      "--numeric-sort -R --random-sort --random-source= -r --reverse --sort= -V --version-sort "
      "--batch-size= -c --check=? -C --debug --files0-from= -k= --key= -m --merge -s --stable "
      "-S= --buffer-size= -t= --field-separator= -T= --temporary-directory= --parallel= -u "
      "--unique -z --zero-terminated --help --version",
      danger={"-o": "writes its output to a file", "--output": "writes its output to a file",
              "--compress-program": "runs a program"})
_tool("uniq", "-c --count -d --repeated -D --all-repeated=? -f= --skip-fields= --group=? -i "
      "--ignore-case -s= --skip-chars= -u --unique -z --zero-terminated -w= --check-chars= "
      "--help --version", max_pos=1, numeric=True)
_tool("tee", "-a --append -i --ignore-interrupts -p --output-error=? --help --version",
      check=lambda call, o: _only_sinks("tee", o), what="only passes its input on")
_tool("date", "-d= --date= --debug -f= --file= -I --iso-8601=? --resolution -R --rfc-email "
      "--rfc-3339= -r= --reference= -u --utc --universal --help --version",
      danger={"-s": "sets the system clock", "--set": "sets the system clock"},
      check=lambda call, o: _date_pos(o))
_tool("yq", "-r --raw-output -o= --output-format= -p= --input-format= -e --exit-status -C -M "
      "-P --prettyPrint -I= --indent= -j --tojson -c -n --null-input -s= --split-exp= "
      "--unwrapScalar=? -0 --nul-output --no-doc -N --expression= --header-preprocess=? -v "
      "--verbose -V --version -h --help",
      danger={"-i": "edits files in place", "--inplace": "edits files in place"})
_tool("hostname", "-a --alias -A --all-fqdns -d --domain -f --fqdn --long -i --ip-address -I "
      "--all-ip-addresses -s --short -y --yp --nis -V --version -h --help", max_pos=0,
      danger={"-F": "sets the host name", "--file": "sets the host name", "-b": "sets the "
              "host name", "--boot": "sets the host name"})
_tool("ss", "-h --help -V --version -n --numeric -r --resolve -a --all -l --listening -o "
      "--options -e --extended -m --memory -p --processes -T --threads -i --info --tipcinfo -s "
      "--summary --tos --cgroup -b --bpf -E --events -Z --context -z --contexts -N= --net= -4 "
      "--ipv4 -6 --ipv6 -0 --packet -t --tcp -M --mptcp -S --sctp -u --udp -d --dccp -w --raw "
      "-x --unix --tipc --vsock --xdp -f= --family= -H --no-header -O --oneline "
      "--inet-sockopt -A= --query= --socket=",
      danger={"-K": "kills sockets", "--kill": "kills sockets", "-D": "writes a dump file",
              "--diag": "writes a dump file", "-F": "reads a filter file",
              "--filter": "reads a filter file"})
_tool("sysctl", "-a --all -A -b --binary -e --ignore -N --names -n --values -q --quiet -r= "
      "--pattern= -x -X --deprecated -h --help -V --version",
      danger={"-w": "changes kernel settings", "--write": "changes kernel settings",
              "-p": "loads kernel settings", "--load": "loads kernel settings",
              "--system": "loads kernel settings"},
      check=lambda call, o: _no_assign("sysctl", o))
_tool("dmesg", "-H --human -k --kernel -L --color=? -l= --level= -f= --facility= -T --ctime "
      "-t --notime -x --decode -r --raw -S --syslog -u --userspace -w --follow -W --follow-new "
      "-P --nopager -F= --file= -s= --buffer-size= --time-format= --since= --until= -e --reltime "
      "-d --show-delta -p --force-prefix -J --json -h --help -V --version",
      danger={"-c": "clears the kernel log", "--read-clear": "clears the kernel log",
              "-C": "clears the kernel log", "--clear": "clears the kernel log",
              "-D": "changes the console log", "--console-off": "changes the console log",
              "-E": "changes the console log", "--console-on": "changes the console log",
              "-n": "changes the console log level", "--console-level": "changes the console "
              "log level"}, max_pos=0)
_tool("journalctl", "--system --user -M= --machine= -m --merge -D= --directory= -i= --file= "
      "--root= --image= --image-policy= --namespace= -S= --since= -U= --until= -c= --cursor= "
      "--after-cursor= --show-cursor -b=? --boot=? -u= --unit= --user-unit= "
      "-t= --identifier= -T= --exclude-identifier= -p= --priority= --facility= -g= --grep= "
      "--case-sensitive=? -k --dmesg -o= --output= --output-fields= -n=? --lines=? -r --reverse "
      "--show-cursor --utc -x --catalog --no-hostname --no-full --full -l -a --all -f --follow "
      "--no-tail -q --quiet -e --pager-end --no-pager -h --help --version -F= --field= -N "
      "--fields --list-boots --disk-usage --list-namespaces --list-catalog= --dump-catalog "
      "--header --verify --interval=? --truncate-newline --list-invocations -I --invocation= "
      "--all-namespaces --new-id128",
      danger={"--vacuum-size": "deletes journal files", "--vacuum-files": "deletes journal "
              "files", "--vacuum-time": "deletes journal files", "--rotate": "rotates the "
              "journal", "--flush": "moves the journal", "--sync": "writes the journal",
              "--relinquish-var": "moves the journal", "--smart-relinquish-var": "moves the "
              "journal", "--setup-keys": "writes sealing keys", "--update-catalog": "rewrites "
              "the catalog", "--cursor-file": "writes a cursor file"})
_tool("top", "-b -c -E= -e= -H -i -n= -d= -O -o= -p= -s -S -u= -U= -w=? -1 -h -v",
      check=_require("-b", "top without -b is interactive (its k and r keys signal processes)"))
_tool("pidof", "-s -c -n -q -x -o= -S= -h -V")
_tool("arp", "-a -n -e -v -i= -H= --all --numeric --verbose -h --help")
_tool("file", "-b --brief -E -F= --separator= -i --mime --mime-type --mime-encoding -k "
      "--keep-going -l --list -L --dereference -h --no-dereference -N --no-pad -p "
      "--preserve-date -r --raw -s --special-files -S --no-sandbox -z --uncompress -Z "
      "--uncompress-noreport -0 --print0 -e= --exclude= --exclude-quiet= -f= --files-from= -m= "
      "--magic-file= -P= --parameter= -v --version --help --extension --apple",
      danger={"-C": "compiles a magic file", "--compile": "compiles a magic file"})
_tool("tree", "-a -d -l -f -x -L= -R -P= -I= --gitignore --gitfile= --ignore-case --matchdirs "
      "--metafirst --prune --info --infofile= --noreport --charset= --filelimit= --timefmt= -q "
      "-N -Q -p -u -g -s -h --si --du -D -F --inodes --device -v -t -c -U -r --dirsfirst "
      "--filesfirst --sort= -i -A -S -n -C -X -J -H= -T= --nolinks --hintro= --houtro= "
      "--fromfile --fromtabfile --fflinks --help --version",
      danger={"-o": "writes its output to a file"})
_tool("shuf", "-e --echo -i= --input-range= -n= --head-count= --random-source= -r --repeat -z "
      "--zero-terminated --help --version",
      danger={"-o": "writes its output to a file", "--output": "writes its output to a file"})
_tool("nc", "-z -v -vv -w= -4 -6 -n -u -N -q= -W= -G= -I= -O= -s= -p= -T= -V= -X= -x= -P= -M= "
      "-m= -b -D -d -C -h", check=_require("-z", "nc without -z sends its input to the network"),
      danger={"-l": "listens for connections", "-e": "runs a program", "-c": "runs a program"},
      aliases=("ncat", "netcat"), what="-z only checks a port")


def _only_sinks(name: str, o: Opts) -> None:
    for p in o.pos:
        if p.value not in SINKS - {"-"}:
            raise Unprovable(f"{name} writes to {p.show()}")


def _date_pos(o: Opts) -> None:
    for p in o.pos:
        v = p.value if p.value is not None else p.prefix
        if not v.startswith("+"):
            raise Unprovable("date with an argument that is not a +FORMAT sets the clock")


def _no_assign(name: str, o: Opts) -> None:
    for p in o.pos:
        if p.value is None or "=" in p.value:
            raise Unprovable(f"{name} {p.show()} changes a kernel setting")


@rule("ip")
def _ip(call: Call) -> str:
    flags = table("-s -stats -statistics -d -details -h -human -human-readable -4 -6 -0 -B -o "
                  "-oneline -r -resolve -br -brief -j -json -p -pretty -t -timestamp -ts "
                  "-tshort -a -all -c -color -f= -family= -n= -netns=")
    o = parse_single_dash("ip", call.args, flags, danger={"-b": "runs a batch file", "-batch":
                                                          "runs a batch file", "-force":
                                                          "runs a batch file"})
    words = [p.value for p in o.pos]
    if any(w is None for w in words[:2]):
        raise Unprovable("ip with a computed object or verb")
    if not words:
        return "ip only shows"
    objs = {"addr", "address", "a", "link", "l", "route", "r", "ro", "rule", "neigh", "neighbour",
            "n", "netns", "maddr", "mroute", "tunnel", "tuntap", "xfrm", "monitor", "mptcp",
            "nexthop", "vrf", "token", "ntable", "tcp_metrics", "netconf", "stats"}
    if words[0] not in objs:
        raise Unprovable(f"ip {words[0]} is not a known read-only form")
    if words[0] == "monitor":
        return "ip monitor only reads"
    if len(words) == 1 or words[1] in ("show", "list", "ls", "lst", "sh", "s", "get", "help"):
        return "ip only shows"
    raise Unprovable(f"ip {words[0]} {words[1]} changes the network configuration")


@rule("xxd")
def _xxd(call: Call) -> str:
    o = parse_single_dash("xxd", call.args, table(
        "-a -autoskip -b -bits -C -capitalize -e -E -EBCDIC -h -help -i -include -p -ps "
        "-postscript -plain -u -v -version -c= -cols= -g= -groupsize= -l= -len= -n= -name= -o= "
        "-offset= -s= -seek= -d"), danger={"-r": "turns a dump back into a binary file",
                                          "-revert": "turns a dump back into a binary file"})
    if len(o.pos) > 1 or any(p.may_split for p in o.pos):
        raise Unprovable("xxd with a second file argument writes to it")
    return "xxd only prints"


@rule("crontab")
def _crontab(call: Call) -> str:
    o = parse_opts("crontab", call.args, table("-l -u= -T"),
                   danger={"-r": "removes the crontab", "-e": "edits the crontab",
                           "-i": "removes the crontab"}, stop_at_positional=True)
    if o.pos or not o.has("-l"):
        raise Unprovable("crontab without -l installs a crontab")
    return "crontab -l only lists"


@rule("openssl")
def _openssl(call: Call) -> str:
    if not call.args or call.args[0].value not in ("x509", "version", "crl", "asn1parse"):
        raise Unprovable("openssl: only x509, crl, asn1parse and version are known read-only "
                         "forms")
    sub = call.args[0].value
    flags = table("-in= -inform= -noout -text -subject -issuer -dates -enddate -startdate "
                  "-serial -hash -fingerprint -sha1 -sha256 -md5 -purpose -email -ocsp_uri "
                  "-pubkey -modulus -nameopt= -certopt= -ext= -checkend= -noverify -issuer_hash "
                  "-subject_hash -ocspid -alias -nocert -i -dump -strparse= -offset= -length= "
                  "-oid= -a -b -o -f -p -d -e -v -c -r")
    o = parse_single_dash(f"openssl {sub}", call.args[1:], flags, outputs=("-out",))
    if o.pos:
        raise Unprovable(f"openssl {sub} with a positional argument")
    return f"openssl {sub} only reads"
