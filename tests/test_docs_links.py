"""The docs link only to files in the repository: every relative link resolves, every path a page names in
backticks exists, and no page cites the design notes or research files that live outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
NAMED_PATH = re.compile(r"`((?:docs|tests|core|adapters|examples)/[\w./-]+\.(?:md|py|toml|json))`")
OUTSIDE = re.compile(r"DESIGN (?:§|section)|research/wire-formats|\]\([^)]*shared/")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    missing = []
    for target in LINK.findall(page.read_text()):
        if target.startswith(("http://", "https://", "mailto:", "#")):
            continue
        if not (page.parent / target.split("#")[0]).exists():
            missing.append(target)
    assert not missing, f"{page.name} links to files not in the repository: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_named_paths_exist(page: Path) -> None:
    missing = [path for path in NAMED_PATH.findall(page.read_text()) if not (ROOT / path).exists()]
    assert not missing, f"{page.name} names files that do not exist: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_page_cites_notes_outside_the_repository(page: Path) -> None:
    found = [m.group(0) for m in OUTSIDE.finditer(page.read_text())]
    assert not found, f"{page.name} cites files outside the repository: {found}"
