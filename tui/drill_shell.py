"""``warroom drill shell [ID|NAME]``: the IC's own shell on a drill's stand-ins (redteam38 F3).

A drill's runbook steps run on its stand-ins (``kubectl``, ``psql``, ``aws``, ``curl``, ``blocks``
in the drill's ``bin/``, its ``.invalid`` kubeconfig), but an IC also triages by hand: typed in their
own terminal, ``kubectl scale deployment/flowengine --replicas=0`` reached the cluster *their*
kubeconfig names. This opens ``$SHELL`` with the environment a step gets (``Drill.env``), re-applied
after the user's rc file (a ``~/.bashrc`` that puts ``~/bin`` first would otherwise bring a real
``kubectl`` back in front), with the drill's name in the prompt and in ``$WARROOM_DRILL_SHELL``;
``--print`` prints the same environment as one ``export`` line to paste.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warroom.config import Config
from warroom.errors import NotFoundError, WarroomError
from warroom.paths import command, drills_store

SHELL_ENV = "WARROOM_DRILL_SHELL"
"""Set (to the drill's name) in a drill shell, not exported: its prompt can tell it is one, and a shell
started inside, whose rc may make the tools real again, does not inherit the claim (attack38 F7)."""
_TOOLS = ("kubectl", "psql", "aws", "curl", "blocks")


@dataclass(frozen=True)
class ShellDrill:
    """The drill a shell opens on, the incident that led to it (if any), and whether it has ended."""

    drill: Any
    incident: str | None
    ended: str | None       # why its world is past its incident (said before the shell opens), None while live
    read_only: bool = False  # a read-only seat (``--read-only``): its stand-ins refuse every change (``READ_ONLY_ENV``)


def export_line(drill: Any, read_only: bool = False) -> str:
    """One ``export`` line giving a shell exactly a step's environment (``Drill.env``): the drill's
    ``bin/`` ahead of the shell's own ``$PATH`` (expanded when pasted, not now), every value quoted."""
    env = _drill_env(drill, "", read_only)
    words = [f"PATH={shlex.quote(env.pop('PATH'))}:\"$PATH\""]
    words += [f"{key}={shlex.quote(value)}" for key, value in sorted(env.items())]
    return "export " + " ".join(words) + "; unset " + " ".join(_unset(read_only))


def _drill_env(drill: Any, base_path: str, read_only: bool) -> dict[str, str]:
    """A step's drill environment (``Drill.env``) and, for a read-only seat, the mark that makes every stand-in
    refuse a change (redteam46 R11: ``drill shell --read-only`` took the option and scaled the world to 0)."""
    from warroom.drill.directory import READ_ONLY_ENV

    return {**drill.env(base_path=base_path), **({READ_ONLY_ENV: "1"} if read_only else {})}


def _unset(read_only: bool) -> tuple[str, ...]:
    """What applying a drill's environment removes: an inherited session token, and a read-only mark left by an
    earlier read-only shell when this one is not."""
    from warroom.drill.directory import READ_ONLY_ENV, UNSET_ENV

    return UNSET_ENV if read_only else (*UNSET_ENV, READ_ONLY_ENV)


#: An incident named short, as every ``incident`` command takes it (``IncidentStore.open``): "3", "20261208-3".
#: No drill's directory or scenario is spelt so (attack60 F4: ``drill shell 1`` said "no drill '1'").
SHORT_ID = re.compile(r"\d+|\d{8}-\d+")


def find_drill(cfg: Config, target: str | None) -> ShellDrill:
    """The drill ``target`` names: an incident id, full or short (a drill incident's world), a drill's directory
    name, or a scenario (its newest drill); none, the newest open drill incident's drill, else the
    newest unfinished drill (one not declared yet), else the newest drill at all."""
    from tui.launch import _incident_resolved, find_incident
    from warroom.drill.directory import latest_drill, open_drill

    home = Path(cfg.state_dir())
    store = drills_store(home)
    if target is None or target == "latest":
        found = _newest_open_drill_incident(cfg)
        if found is not None:
            return ShellDrill(_incident_drill(cfg, found), found.id, None)
        drill = latest_drill(store) or latest_drill(store, active_only=False)
        if drill is None:
            raise NotFoundError(f"no drill under {store} (`{command('drill')}` starts one)")
        return ShellDrill(drill, drill.incident, _ended(cfg, home, drill, _incident_resolved))
    if target.upper().startswith("INC-") or SHORT_ID.fullmatch(target):
        found = find_incident(cfg, target)      # "3" and "20261208-3" as every ``incident`` command takes them
        if not found.state.drill:
            raise WarroomError(f"{found.id} is a real incident: its tools are the real ones, no drill shell")
        if found.state.drill.get("replay"):
            raise WarroomError(f"{found.id} was declared in a replay: a recording has no stand-ins to open a"
                               " shell on")
        drill = _incident_drill(cfg, found)
        return ShellDrill(drill, found.id, _ended(cfg, home, drill, _incident_resolved))
    path = store / "drills" / target
    if "/" not in target and (path / "drill.json").is_file():
        drill = open_drill(path)
    else:
        drill = latest_drill(store, target) or latest_drill(store, target, active_only=False)
        if drill is None:
            raise NotFoundError(f"no drill {target!r} under {store}: name an incident (INC-…), a drill"
                                f" ({', '.join(d.name for d in _drills(store)) or 'none yet'}) or a scenario")
    return ShellDrill(drill, drill.incident, _ended(cfg, home, drill, _incident_resolved))


def _drills(store: Path) -> list[Any]:
    from warroom.drill.directory import list_drills

    return list_drills(store)[:5]


def _ended(cfg: Config, home: Path, drill: Any, resolved: Any) -> str | None:
    """Why ``drill``'s world is past its incident (finished, its incident resolved), None while live."""
    if drill.active and resolved(cfg, home, drill) is None:
        return None
    why = f" ({drill.incident} was resolved)" if drill.incident else ""
    return (f"the {drill.scenario.name} drill {drill.name} has ended{why}; its world goes on, so the stand-ins"
            " answer as it stands now (post-incident triage)")


def _newest_open_drill_incident(cfg: Config) -> Any:
    """The most recently declared open incident on a simulated drill (a replay has no stand-ins)."""
    from tui.launch import FoundIncident, _store_at, incident_roots

    roots = incident_roots(Path(cfg.state_dir()))
    newest: FoundIncident | None = None
    for root in roots:
        store = _store_at(root, cfg, roots[0])
        for st in store.open_incidents() if store is not None else ():
            if not st.drill or st.drill.get("replay") or not st.drill.get("dir"):
                continue
            when = st.declared_at.timestamp() if st.declared_at else 0.0
            if newest is None or when > (newest.state.declared_at.timestamp() if newest.state.declared_at else 0.0):
                newest = FoundIncident(root, st)
    return newest


def _incident_drill(cfg: Config, found: Any) -> Any:
    """The drill a drill incident's journal names, only from under its own state dir (as ``resume``)."""
    from warroom.drill.directory import open_drill
    from warroom.incident.drill_seat import other_seat
    from warroom.shared.dsn import resolve as resolve_dsn

    recorded = Path(str(found.state.drill.get("dir") or ""))
    if elsewhere := other_seat(found.id, recorded, shared=resolve_dsn(cfg) is not None):
        raise WarroomError(f"{elsewhere}; no shell was opened")      # another responder's world (redteam48 F5)
    if not recorded.resolve().is_relative_to((found.root / "drills").resolve()):
        raise WarroomError(f"{found.id} is a drill incident whose drill ({recorded}) is not under"
                           f" {found.root / 'drills'}; no shell was opened")
    return open_drill(recorded)


def shell_env(drill: Any, base: dict[str, str] | None = None, read_only: bool = False) -> dict[str, str]:
    """This process's environment with a step's drill environment over it, an inherited session token and
    drill-shell marker removed (the rc sets the marker, unexported)."""
    env = dict(os.environ if base is None else base)
    env.update(_drill_env(drill, env.get("PATH", os.defpath), read_only))
    for key in (*_unset(read_only), SHELL_ENV):
        env.pop(key, None)
    return env


def _rc_text(drill: Any, user_rc: str, read_only: bool = False) -> str:
    """A POSIX rc file: the user's own (``user_rc``, a shell expression), then the drill's environment
    again (an rc that reorders PATH must not put a real kubectl first), and again before every prompt
    after the user's own hooks (a PROMPT_COMMAND/precmd like mise's or direnv's put the real tools back
    before the first command, attack38 F4); the user's aliases and functions of the tools' names go (they
    beat PATH). The marker is this shell's own variable, not exported: a shell started inside reads the
    user's rc without this one, so it must not say "drill" (F7)."""
    tools = " ".join(_TOOLS)
    bin_ = shlex.quote(str(drill.path / "bin"))
    hook = ("_warroom_drill() {\n"
            f"  unalias {tools} 2>/dev/null; unset -f {tools} 2>/dev/null\n"
            f'  _warroom_p=":$PATH:"; while case $_warroom_p in *:{bin_}:*) true;; *) false;; esac; do\n'
            f'    _warroom_p="${{_warroom_p%%:{bin_}:*}}:${{_warroom_p#*:{bin_}:}}"; done\n'
            '  _warroom_p=${_warroom_p#:}; PATH=${_warroom_p%:}; unset _warroom_p\n'
            f"  {export_line(drill, read_only)}\n}}\n")
    register = ('if [ -n "${BASH_VERSION:-}" ]; then eval \'if [[ "$(declare -p PROMPT_COMMAND 2>/dev/null)" =='
                ' "declare -a"* ]]; then PROMPT_COMMAND+=(_warroom_drill); else'
                ' PROMPT_COMMAND="${PROMPT_COMMAND:+$PROMPT_COMMAND;}_warroom_drill"; fi\'\n'
                'elif [ -n "${ZSH_VERSION:-}" ]; then eval \'precmd_functions+=(_warroom_drill)\'; fi\n')
    return (f'[ -r {user_rc} ] && . {user_rc}\n{hook}_warroom_drill\n{register}'
            f"unset {SHELL_ENV}; {SHELL_ENV}={shlex.quote(drill.name)}\n"
            f"PS1={shlex.quote(f'(drill {drill.name}) ')}\"$PS1\"\n")


def _fish(value: str) -> str:
    """``value`` as one fish word (fish's single quotes escape only ``\\`` and ``'``)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _startup(kind: str, drill: Any, tmp: Path, env: dict[str, str], read_only: bool = False) -> list[str]:
    """What makes shell ``kind`` read the user's own startup files first and then the drill's environment
    and prompt again (the arguments to add; ``env`` is changed in place): bash an ``--rcfile``, zsh a
    ``$ZDOTDIR`` whose files source the user's, fish an init command, any other an interactive POSIX
    shell's ``$ENV``."""
    if kind == "bash":
        (tmp / "bashrc").write_text(_rc_text(drill, '"$HOME/.bashrc"', read_only), encoding="utf-8")
        return ["--rcfile", str(tmp / "bashrc")]
    if kind == "zsh":
        env["WARROOM_USER_ZDOTDIR"] = env.get("ZDOTDIR") or str(Path.home())
        env["ZDOTDIR"] = str(tmp)
        user = '"$WARROOM_USER_ZDOTDIR/.zshenv"'
        (tmp / ".zshenv").write_text(f"[ -r {user} ] && . {user}\n", encoding="utf-8")
        (tmp / ".zshrc").write_text(_rc_text(drill, '"$WARROOM_USER_ZDOTDIR/.zshrc"', read_only)
                                    + 'ZDOTDIR="$WARROOM_USER_ZDOTDIR"\n', encoding="utf-8")
        return []
    if kind == "fish":
        sets = [f"set -gx PATH {_fish(str(drill.path / 'bin'))} $PATH"]
        sets += [f"set -gx {k} {_fish(v)}" for k, v in sorted(_drill_env(drill, "", read_only).items()) if k != "PATH"]
        sets += [f"set -e {k}" for k in _unset(read_only)]
        sets += [f"set -g {SHELL_ENV} {_fish(drill.name)}", "functions -c fish_prompt _warroom_user_prompt",
                 f"function fish_prompt; echo -n {_fish(f'(drill {drill.name}) ')}; _warroom_user_prompt; end"]
        return ["--init-command", "; ".join(sets)]
    user = shlex.quote(env["ENV"]) if env.get("ENV") else '""'
    (tmp / "shrc").write_text(_rc_text(drill, user, read_only), encoding="utf-8")
    env["ENV"] = str(tmp / "shrc")
    return []


def run_shell(found: ShellDrill, *, shell: str | None = None) -> int:
    """Open ``shell`` (default ``$SHELL``, else ``/bin/sh``) on the drill and wait for it; its exit status."""
    drill = found.drill
    shell = shell or os.environ.get("SHELL") or "/bin/sh"
    if shutil.which(shell) is None:
        raise WarroomError(f"$SHELL {shell!r} cannot be run; `{command('drill', 'shell', '--print')}` prints"
                           " the environment to paste instead")
    env = shell_env(drill, read_only=found.read_only)
    with tempfile.TemporaryDirectory(prefix="warroom-drill-shell-") as tmp:
        argv = [shell, *_startup(Path(shell).name, drill, Path(tmp), env, found.read_only)]
        print(f"drill shell on {drill.name} ({drill.scenario.name}, ×{drill.speed:g}"
              + (f", {found.incident}" if found.incident else "") + (", read-only" if found.read_only else "")
              + "): kubectl, psql, aws, curl and blocks answer from the drill"
              + (" and refuse every change" if found.read_only else "") + "; `exit` leaves it", file=sys.stderr)
        if found.ended:
            print(found.ended, file=sys.stderr)
        sys.stderr.flush()
        return subprocess.call(argv, env=env)
