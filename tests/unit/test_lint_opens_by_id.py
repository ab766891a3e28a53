"""``runbooks lint`` and the app agree on which runbook an id opens: every runbook of a configured
directory opens by its own id (``incident new --runbook ID``, ``attach``: ``runbook_ref.resolve_ref``)
exactly when lint does not say another file holds that id (a duplicate, or the library's first).

Before, an id that read like a path (``team/RB-1``, ``RB-2.md``, ``.rb``, the file-name id of
``v2.md.md``) linted clean and was listed by ``runbooks list`` and opened by ``runbooks show``, but
``incident new --runbook`` said "runbook file not found"; and an id that was also a file's name in
the working directory (``Makefile``) opened that file. Checked on the public corpus and on ids and
file names hypothesis draws."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CORPUS
from warroom.config import Config
from warroom.errors import WarroomError
from warroom.incident.runbook_ref import resolve_ref
from warroom.runbook.library import RunbookLibrary, iter_runbook_files
from warroom.runbook.lint import lint_configured, lint_paths
from warroom.runbook.parser import load_runbook

NOT_BY_ID = ("duplicate runbook id", "is already taken by", "is also the id of")
BODY = "# Queue\n\n## Mitigation\n\n```bash\n# Look at the queue\necho queue\n```\n"


def disagreements(directory: Path) -> list[str]:
    """Each runbook of ``directory`` (configured) where lint and ``resolve_ref`` disagree."""
    cfg = Config()
    cfg.runbooks.dirs = [str(directory)]
    findings = lint_configured(cfg, RunbookLibrary.from_config(cfg))
    out = []
    for path in iter_runbook_files(directory):
        rb = load_runbook(path)
        if not (rb.sections or rb.steps):
            continue            # nothing to open: lint says why (empty, not a text file...)
        said = [str(f) for f in findings if f.file == str(path) and any(m in f.message for m in NOT_BY_ID)]
        try:
            opens = resolve_ref(rb.id, cfg) == path.resolve()
        except WarroomError as exc:
            opens, said = False, said + [f"(refused: {exc})"]
        if opens == bool(said):
            out.append(f"{path.name} id {rb.id!r}: opens by id {opens}, lint says {said}")
    return out


@pytest.fixture
def no_shipped(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty shipped library: each ``resolve_ref`` parses the library afresh, and the shipped
    runbooks (whose ids nothing here shares) would be most of the test's cost."""
    empty = tmp_path_factory.mktemp("shipped")
    monkeypatch.setattr("warroom.runbook.library.shipped_runbooks_dir", lambda: empty)


def write(directory: Path, name: str, rid: str | None) -> None:
    head = f"+++\nid = {json.dumps(rid)}\ntitle = \"Queue\"\nseverity = \"P3\"\n+++\n" if rid is not None else ""
    (directory / name).write_text(head + BODY, encoding="utf-8")


def test_ids_that_read_like_paths_or_name_a_file_here_open_by_id(tmp_path: Path, monkeypatch, no_shipped: None) -> None:
    team = tmp_path / "team"
    team.mkdir()
    for name, rid in [("slash.md", "team/RB-1"), ("dotmd.md", "RB-2.md"), ("tilde.md", "~rb3"),
                      ("dot.md", ".rb4"), ("RB-8.md.md", None), ("here.md", "Makefile")]:
        write(team, name, rid)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Makefile").write_text("all:\n", encoding="utf-8")   # a file named like an id, here
    assert disagreements(team) == []
    cfg = Config()
    cfg.runbooks.dirs = [str(team)]
    with pytest.raises(WarroomError, match="nope.md: runbook file not found"):
        resolve_ref("./nope.md", cfg)                                # a path that names nothing
    assert resolve_ref("Makefile", cfg) == (team / "here.md").resolve()
    assert resolve_ref(str(tmp_path / "Makefile"), cfg) == (tmp_path / "Makefile").resolve()  # given whole


@pytest.mark.skipif(not (CORPUS / "runbooks").is_dir(), reason="corpus not present")
def test_the_public_corpus_opens_by_id_where_lint_says_so(tmp_path: Path, no_shipped: None) -> None:
    """The corpus files whose names (their ids) two projects share, and two more, in their trees."""
    files = sorted(p for p in (CORPUS / "runbooks").rglob("*.md"))
    stems = [p.stem for p in files]
    picked = [p for p in files if stems.count(p.stem) > 1] + [p for p in files if stems.count(p.stem) == 1][:2]
    assert len(picked) >= 6
    for p in picked:
        dest = tmp_path / "corpus" / p.relative_to(CORPUS / "runbooks")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dest)
    assert disagreements(tmp_path / "corpus") == []


_ID_CHARS = st.sampled_from(list("ABab09-_./~ É"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(books=st.lists(st.tuples(st.text(st.sampled_from(list("Aa0-_.")), min_size=1, max_size=6),
                                st.one_of(st.none(), st.text(_ID_CHARS, min_size=1, max_size=8))),
                      min_size=1, max_size=4))
def test_drawn_ids_and_file_names_open_by_id_where_lint_says_so(tmp_path_factory, no_shipped: None,
                                                                books) -> None:
    team = tmp_path_factory.mktemp("team")
    for i, (stem, rid) in enumerate(books):
        write(team, f"{stem}.md" if i == 0 else f"{stem}-{i}.md", rid)
    assert disagreements(team) == []


def test_a_file_reached_twice_is_linted_once_as_the_app_loads_it_once(tmp_path: Path) -> None:
    """Overlapping ``[runbooks].dirs`` (``team`` and ``team/sub``) or one file given twice: the
    library loads each file once; lint printed each of its findings twice."""
    sub = tmp_path / "team" / "sub"
    sub.mkdir(parents=True)
    (sub / "x.md").write_text("# T\n\n## Mitigation\n\n```bash\n# Look\necho $FOO\n```\n", encoding="utf-8")
    cfg = Config()
    cfg.runbooks.dirs = [str(tmp_path / "team"), str(sub)]
    (finding,) = lint_configured(cfg)
    assert (finding.file, finding.line) == (str(sub / "x.md"), 7) and "$FOO" in finding.message
    assert lint_configured(cfg) == lint_paths([sub / "x.md", sub / ".." / "sub" / "x.md"], cfg)
    assert [rb.path for rb in RunbookLibrary(cfg.runbooks.dirs, shipped=False).list()] == [sub / "x.md"]
