"""The docs' code runs: every ```python block of README.md and docs/*.md executes as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def blocks() -> list[tuple[str, str]]:
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for index, code in enumerate(BLOCK.findall(path.read_text())):
            if "# not run" not in code:
                found.append((f"{path.name}#{index}", code))
    return found


@pytest.mark.parametrize(("where", "code"), blocks(), ids=[w for w, _ in blocks()])
def test_code_block_runs(where: str, code: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(code, where, "exec"), {"__name__": "docs"})


def test_readme_tour_prints_what_its_comments_say(capsys: pytest.CaptureFixture[str]) -> None:
    code = BLOCK.findall((ROOT / "README.md").read_text())[0]
    exec(compile(code, "README.md", "exec"), {"__name__": "docs"})
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("SendCharge(due=")
    assert out[1] == "Status.PENDING"
    assert out[2].startswith("Requery(due=")
