"""The runbook library: search order, lookups, duplicates, missing directories."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from warroom.config import Config
from warroom.errors import NotFoundError
from warroom.runbook.library import RunbookLibrary
from warroom.runbook.parser import parse_runbook


def rb_file(d: Path, name: str, rid: str | None, title: str = "T", triggers: str = "") -> Path:
    d.mkdir(parents=True, exist_ok=True)
    fm = f'+++\nid = "{rid}"\ntitle = "{title}"\nseverity = "P3"\n{triggers}+++\n' if rid else ""
    p = d / name
    p.write_text(fm + f"# {title}\n\n- [ ] do it\n", encoding="utf-8")
    return p


def test_shipped_then_config_then_extra_dirs(tmp_path: Path) -> None:
    cfg_dir, extra = tmp_path / "cfg", tmp_path / "extra"
    rb_file(cfg_dir, "a.md", "RB-X-001", "from config")
    rb_file(extra, "a.md", "RB-X-001", "from --dir")
    rb_file(extra, "b.md", None, "no front matter")
    cfg = Config()
    cfg.runbooks.dirs = [str(cfg_dir)]
    lib = RunbookLibrary.from_config(cfg, [extra])
    assert lib.dirs[1:] == [cfg_dir, extra]
    assert lib.get("RB-X-001").title == "from config"
    assert lib.get("b").title == "no front matter"  # id from the file name
    assert lib.get("rb-x-001").id == "RB-X-001"  # case-insensitive
    [dup] = lib.findings
    assert str(dup) == (f"{extra}/a.md:2: error: duplicate runbook id 'RB-X-001': already defined "
                        f"in {cfg_dir}/a.md:2; this file is ignored (use its path to open it)")
    # a path always works, even for the shadowed file
    assert lib.get(str(extra / "a.md")).title == "from --dir"


def test_shipped_library_is_searched_and_templates_skipped() -> None:
    lib = RunbookLibrary()
    shipped = sorted((REPO / "runbooks").glob("RB-*.md"))
    if not shipped:
        pytest.skip("no shipped runbooks yet")
    assert len(lib.list()) == len(shipped)
    assert all("templates" not in str(r.path) for r in lib)
    assert lib.findings == []
    assert lib.for_trigger("quota") and all("quota" in r.triggers for r in lib.for_trigger("quota"))


def test_not_found_lists_close_matches(tmp_path: Path) -> None:
    rb_file(tmp_path, "a.md", "RB-CORE-003", "Rate limit exhaustion")
    lib = RunbookLibrary([tmp_path], shipped=False)
    with pytest.raises(NotFoundError) as exc:
        lib.get("RB-CORE-03")
    assert str(exc.value) == "no runbook 'RB-CORE-03'; did you mean RB-CORE-003?"
    with pytest.raises(NotFoundError) as exc:
        lib.get("rate limit")
    assert "RB-CORE-003" in str(exc.value)
    with pytest.raises(NotFoundError, match="library is empty"):
        RunbookLibrary([], shipped=False).get("x")
    assert lib.find("nope") is None


def test_missing_and_non_directory_paths(tmp_path: Path) -> None:
    f = rb_file(tmp_path, "single.md", "RB-S-001")
    lib = RunbookLibrary([tmp_path / "gone", f], shipped=False)
    assert lib.ids() == ["RB-S-001"]
    assert [str(x) for x in lib.findings] == [
        f"{tmp_path}/gone: error: runbook directory does not exist"]


def test_readme_and_hidden_files_are_not_runbooks(tmp_path: Path) -> None:
    rb_file(tmp_path, "README.md", "RB-R-001")
    rb_file(tmp_path / ".git", "x.md", "RB-G-001")
    rb_file(tmp_path / "templates", "pir.md", "RB-T-001")
    rb_file(tmp_path, "real.markdown", "RB-OK-001")
    assert RunbookLibrary([tmp_path], shipped=False).ids() == ["RB-OK-001"]


def test_crlf_and_bom_read_like_unix_text() -> None:
    text = "\ufeff+++\r\nid = \"RB-W-001\"\r\ntitle = \"W\"\r\nseverity = \"P4\"\r\n+++\r\n# W\r\n\r\n" \
           "```bash\r\n# list\r\nkubectl get pods\r\n```\r\n"
    rb = parse_runbook(text)
    assert (rb.id, rb.title) == ("RB-W-001", "W")
    assert [(s.label, s.command, s.line) for s in rb.steps] == [("list", "kubectl get pods", 10)]
    assert rb.findings == []
