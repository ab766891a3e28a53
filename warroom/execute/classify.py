"""Read-only or mutating: the question asked before every runbook command runs.

The answer is *proved, never guessed*. A shell step is read-only only when
:func:`warroom.execute.prove.prove` accounts for every simple command in it — pipelines, lists,
subshells, ``$( )``, backticks, process substitution, ``${x:-$(…)}``, heredocs — each a known
read-only form of a known tool with every option known (see the ``rules_*`` modules for the
tables), and no redirection writes to a file. Anything it cannot account for is mutating, with
the reason it gave ("kubectl set env changes deployment/web", "curl sends an HTTP DELETE",
"the sed command e runs a shell command"), which the user sees before confirming.
"""

from __future__ import annotations

from dataclasses import dataclass

from warroom.execute.shparse import Unprovable


@dataclass(frozen=True)
class Classification:
    """A verdict with the words that justify it: the user confirms against ``reason``."""

    mutating: bool
    reason: str

    def __bool__(self) -> bool:  # pragma: no cover - convenience only
        return self.mutating


def classify(command: str | None, kind: str = "shell") -> Classification:
    """Classify a step's command. ``kind`` is the step kind (shell, promql, k8s, manual)."""
    if kind == "promql":
        return Classification(False, "a PromQL query only reads metrics")
    if kind == "k8s":
        from warroom.syntax.k8s import K8sSyntaxError, parse_action

        try:
            action = parse_action(command or "", allow_placeholders=True)
        except K8sSyntaxError:
            return Classification(True, "a native k8s action (unreadable, so assumed to change "
                                        "the cluster)")
        if not action.mutating:
            return Classification(False, f"{action.verb} only reads")
        return Classification(True, f"{action.verb} changes {action.kind}/{action.name}")
    if kind == "manual" or command is None:
        return Classification(False, "a manual step: nothing is run")
    if kind != "shell":
        return Classification(True, f"a {kind} step cannot be checked, so it counts as mutating")
    from warroom.execute.prove import prove

    try:
        return Classification(False, prove(command))
    except Unprovable as exc:
        return Classification(True, str(exc))
    except RecursionError:
        return Classification(True, "the command nests too deeply to check")
