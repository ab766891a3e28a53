"""Property tests: any single-byte edit is caught by verify, naming the seq of the edited line."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.journal.log import Journal, JournalFollower, read_journal, verify_journal


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("journal")
    j = Journal(d / "journal.jsonl", actor="ic@bastion")
    j.append("incident.declared", {"id": "INC-1", "title": "Quota ü", "severity": "P3"})
    j.append("step.started", {"step": 1, "step_id": "a", "command": "kubectl get pods -n 'prod'"})
    j.append("step.finished", {"step": 1, "step_id": "a", "status": "ok", "exit_code": 0, "duration": 1.5})
    j.append("note.added", {"tag": "root-cause", "text": "retry storm\nafter deploy, \"quoted\""})
    j.append("incident.resolved", {"summary": "done", "resolution": "breaker", "rollback": False})
    return d


_cases = itertools.count()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_byte_edit_is_caught_naming_the_seq(pristine: Path, tmp_path: Path, data: st.DataObject) -> None:
    blob = (pristine / "journal.jsonl").read_bytes()
    lines = blob.split(b"\n")[:-1]
    line_index = data.draw(st.integers(0, len(lines) - 1), label="line")
    start = sum(len(x) + 1 for x in lines[:line_index])
    offset = data.draw(st.integers(0, len(lines[line_index])), label="offset")  # the newline included
    pos = start + offset
    new = data.draw(st.integers(0, 255).filter(lambda b: b != blob[pos]), label="byte")
    edited = blob[:pos] + bytes([new]) + blob[pos + 1:]
    d = tmp_path / f"case{next(_cases)}"  # hypothesis may draw the same edit twice
    d.mkdir()
    (d / "journal.jsonl").write_bytes(edited)
    shutil.copy(pristine / "journal.head", d / "journal.head")

    result = verify_journal(d / "journal.jsonl")
    seq = line_index + 1
    assert result.issues, f"edit at line {seq} byte {offset} -> {new} went unnoticed"
    assert any(i.seq == seq for i in result.issues), [str(i) for i in result.issues]
    # Readers keep working on the valid prefix before the edited line.
    assert [e.seq for e in read_journal(d / "journal.jsonl").events] == list(range(1, seq))


def test_verify_names_removed_and_reordered_lines(pristine: Path, tmp_path: Path) -> None:
    lines = (pristine / "journal.jsonl").read_bytes().split(b"\n")[:-1]
    cases = {
        "removed-middle": lines[:2] + lines[3:],
        "reordered": [lines[0], lines[2], lines[1], *lines[3:]],
        "removed-last": lines[:-1],
        "duplicated": [*lines[:3], lines[2], *lines[3:]],
    }
    expected = {"removed-middle": 4, "reordered": 3, "removed-last": 5, "duplicated": 3}
    for name, body in cases.items():
        d = tmp_path / name
        d.mkdir()
        (d / "journal.jsonl").write_bytes(b"\n".join(body) + b"\n")
        shutil.copy(pristine / "journal.head", d / "journal.head")
        result = verify_journal(d / "journal.jsonl")
        assert result.issues, name
        assert result.issues[0].seq == expected[name], (name, [str(i) for i in result.issues])


def test_follower_reads_incrementally_like_a_full_read(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    j = Journal(path, actor="a@b")
    f = JournalFollower(path)
    assert f.poll() == []
    seen = []
    for i in range(25):
        j.append("note.added", {"tag": "info", "text": str(i)})
        if i % 4 == 0:
            seen.extend(f.poll())
    seen.extend(f.poll())
    assert [e.seq for e in seen] == list(range(1, 26))
    assert seen == read_journal(path).events
    # A partial line in progress is left for the next poll.
    with open(path, "ab") as fh:
        fh.write(b'{"seq":26')
    assert f.poll() == [] and f.torn_line == 26


def test_an_edit_inside_the_seq_field_is_named_by_the_lines_position(pristine: Path, tmp_path: Path) -> None:
    blob = (pristine / "journal.jsonl").read_bytes()
    edited = blob.replace(b'{"seq":1,', b'{"seq":7,', 1)
    d = tmp_path / "seq-edit"
    d.mkdir()
    (d / "journal.jsonl").write_bytes(edited)
    result = verify_journal(d / "journal.jsonl")
    assert result.issues[0].seq == 1 and result.issues[0].line == 1
    assert "edited" in result.issues[0].message
