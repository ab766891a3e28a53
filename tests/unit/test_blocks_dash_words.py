"""A word starting with ``-`` that no blocks option names is click's usage error, never a value (issue 13 item 5).

``blocks`` is a click CLI whose help lists ``--help`` alone (click's default: ``-h`` only with context_settings,
and no seed shows one). The stand-in read single-dash words as positional: ``blocks flow retry -h`` looked for a
task called "-h" ("task '-h' not found"), ``blocks config get -h`` for a key, ``blocks quota show -h`` said "Got
unexpected extra argument (-h)", ``blocks flow retry -?`` printed the top-level help, and ``blocks --foo`` said "No
such command '--foo'". click says "No such option: -h" (exit 2) at every level, and takes ``--`` as the end of
the options."""

from __future__ import annotations

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.standins.blocks import COMMANDS


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return warm_drill(tmp_path_factory.mktemp("blocks-dash"), "mass-failure")


@pytest.mark.parametrize("group, name", sorted(COMMANDS))
@pytest.mark.parametrize("word, said", [("-h", "-h"), ("-?", "-?"), ("-5", "-5"), ("-xy", "-x"),
                                        ("--nope=1", "--nope")])
def test_every_command_refuses_a_dash_word_no_option_names(  # type: ignore[no-untyped-def]
        drill, group: str, name: str, word: str, said: str) -> None:
    words = [w for w in ("blocks", group, name) if w]
    code, out, err = run_one(drill, [*words, "x", "y", word], 600.0)
    assert (code, out) == (2, ""), (code, out, err)
    assert err.startswith(f"Usage: {' '.join(words)} [OPTIONS]"), err
    assert err.endswith(f"Error: No such option: {said}\n"), err


@pytest.mark.parametrize("line, usage", [
    ("blocks -h", "blocks [OPTIONS] COMMAND [ARGS]..."), ("blocks --foo", "blocks [OPTIONS] COMMAND [ARGS]..."),
    ("blocks flow -h", "blocks flow [OPTIONS] COMMAND [ARGS]..."),
    ("blocks config --foo get x", "blocks config [OPTIONS] COMMAND [ARGS]...")])
def test_a_group_refuses_a_dash_word_too(drill, line: str, usage: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_one(drill, line.split(), 600.0)
    assert (code, out) == (2, "") and err.startswith(f"Usage: {usage}\n") and "Error: No such option: " in err, err


def test_a_double_dash_ends_the_options(drill) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_one(drill, "blocks config get -- repos.allowlist".split(), 600.0)
    assert code == 0 and out.strip() and not err, (code, out, err)
