"""The README starts with how to use the line, and every relative link in it and in docs/ leads somewhere real."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [ROOT / "README.md", *DOCS]
FENCED = re.compile(r"(?ms)^```.*?^```")
CODE = re.compile(r"`[^`\n]*`")
# [text](target) and ![alt](target); the text may hold brackets of its own one level deep.
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)\)")
HEADING = re.compile(r"(?m)^#{1,6} +(.+?) *#*$")


def prose(text: str) -> str:
    """The page without its code, where brackets are not links."""
    return CODE.sub("", FENCED.sub("", text))


def anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    words = re.sub(r"[^\w\- ]", "", CODE.sub(lambda m: m.group(0)[1:-1], heading).lower())
    return words.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor a Markdown page has (a repeated heading gets -1, -2, ... as on GitHub)."""
    found: set[str] = set()
    for heading in HEADING.findall(FENCED.sub("", path.read_text(encoding="utf-8"))):
        slug, n = anchor(heading), 1
        while slug in found:
            slug, n = f"{anchor(heading)}-{n}", n + 1
        found.add(slug)
    return found


def relative_links(path: Path) -> list[str]:
    """The links of a page that point inside the repository (not http:, mailto:, or a server's page)."""
    return [t for t in LINK.findall(prose(path.read_text(encoding="utf-8")))
            if not re.match(r"[a-z]+:", t) and not t.startswith("/")]


def test_anchors_are_spelled_as_github_spells_them():
    assert anchor("The coach's ear: moves") == "the-coachs-ear-moves"
    assert anchor("What each file in `config/` holds") == "what-each-file-in-config-holds"
    assert anchor("In the browser: scenarios, the report, progress") == "in-the-browser-scenarios-the-report-progress"


def test_the_link_finder_finds_links_and_images_but_not_code():
    page = ROOT / "README.md"
    assert "docs/phone.png" in relative_links(page)
    assert relative_links(page).count("docs/operations.md") == 1
    assert LINK.findall(prose("see `[a](b.md)` and\n```\n[c](d.md)\n```\n[e [f]](g.md#h)")) == ["g.md#h"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    broken = []
    for target in relative_links(page):
        file_part, _, fragment = target.partition("#")
        linked = (page.parent / file_part).resolve() if file_part else page
        if not linked.exists():
            broken.append(f"{target}: no file {linked.relative_to(ROOT) if linked.is_relative_to(ROOT) else linked}")
        elif fragment and (linked.suffix != ".md" or fragment not in anchors(linked)):
            broken.append(f"{target}: no heading #{fragment} in {linked.relative_to(ROOT)}")
    assert broken == [], f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_readme_starts_with_use_it_and_its_three_pages():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert HEADING.findall(text)[1] == "Use it"
    use_it = text.split("## Use it", 1)[1].split("\n## ", 1)[0]
    assert "./scripts/run.sh" in use_it and "./scripts/test.sh" in use_it
    for page, shot in [("/checklist", "docs/checklist.png"), ("/phone", "docs/phone.png"),
                       ("/rehearse", "docs/rehearse.png")]:
        assert f"http://127.0.0.1:5000{page}>" in use_it
        assert f"]({shot})" in use_it and (ROOT / shot).stat().st_size > 10_000


def test_ci_runs_exactly_the_readme_s_test_command():
    use_it = (ROOT / "README.md").read_text(encoding="utf-8").split("## Use it", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", use_it, re.S)
    commands = [line.strip() for block in blocks for line in block.splitlines() if line.strip()]
    assert commands == ["./scripts/run.sh", "./scripts/test.sh"]  # one command each, nothing to edit
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert ci == ["./scripts/test.sh"]


def test_the_readme_links_every_docs_page():
    linked = {t.partition("#")[0] for t in relative_links(ROOT / "README.md")}
    assert len(DOCS) >= 8
    assert sorted(f"docs/{d.name}" for d in DOCS if f"docs/{d.name}" not in linked) == []


def test_the_readme_is_short_and_keeps_operations_in_docs():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.split()) < 1200
    for operations in ["RATELIMIT_STORAGE_URI", "load balancer", "twilio configure", "bench_webhooks", "DATABASE_URL"]:
        assert operations not in text
