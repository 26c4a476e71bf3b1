"""The parser on real newsletters it had never seen (tests/newsletters; issue 15, items 4, 7-11).

Each test names the construct and the real issue that has it; the unit tests beside this file
(test_parse_markdown, test_dialects, test_stories) pin each rule on small made-up text.
"""

from __future__ import annotations

import re

import pytest

from core.model import BlockKind, Issue
from tests.core.parsing.losscheck import assert_dialect_nothing_lost
from tests.newsletter_samples import all_sample_files, load_sample, sample_path


def blocks(issue: Issue) -> list[tuple[str, str]]:
    return [
        (block.kind.value, block.text)
        for section in issue.sections
        for item in section.items
        for block in item.blocks
    ]


def reader_text(issue: Issue) -> str:
    """Everything a reader reads, code blocks left out (code may show any syntax)."""
    parts = [issue.title or ""]
    for section in issue.sections:
        parts.append(section.title)
        for item in section.items:
            parts.append(item.title or "")
            parts += [b.text for b in item.blocks if b.kind is not BlockKind.CODE]
    return "\n".join(parts)


SAMPLES = [
    pytest.param(name, path.name, id=f"{name}/{path.name}") for name, path in all_sample_files()
]


@pytest.mark.parametrize(("name", "file"), SAMPLES)
def test_no_generator_syntax_reaches_readers(name: str, file: str) -> None:
    issue = load_sample(name, file)
    text = reader_text(issue)
    for syntax in ("{%", "{{", "{:", "{#", "{/*", "[^", ":::", "import ", "<Tab", "]("):
        assert syntax not in text, f"{syntax!r} in {name}/{file}"
    assert not re.search(r"\]\[[a-z ]{3,}\]", text), "an unresolved reference link"
    assert not re.search(r"</?(?:td|tr|br|sub|div)\b", text), "an HTML tag"
    hrefs = [
        span.href
        for section in issue.sections
        for item in section.items
        for block in [*item.blocks]
        for span in block.spans
        if span.href
    ]
    assert all(h.startswith(("http://", "https://", "mailto:")) for h in hrefs), hrefs


@pytest.mark.parametrize(("name", "file"), SAMPLES)
def test_no_text_of_a_sample_is_lost(name: str, file: str) -> None:
    source = sample_path(name, file).read_text(encoding="utf-8")
    assert_dialect_nothing_lost(source, load_sample(name, file), mdx=file.endswith(".mdx"))


@pytest.mark.parametrize(("name", "file"), SAMPLES)
def test_every_sample_issue_is_dated(name: str, file: str) -> None:
    issue = load_sample(name, file)
    # No sample's front matter has a date the file name does not agree with; most have none.
    assert issue.date is not None and issue.date.isoformat() == file[:10]


def test_a_footnote_of_a_real_japanese_weekly_stays_with_its_item() -> None:
    issue = load_sample("bitcoin-optech-ja", "2023-03-29-newsletter.md")
    cites = [
        (section.key, index)
        for section in issue.sections
        for index, item in enumerate(section.items)
        if "witness[1]" in item.text
    ]
    notes = [
        (section.key, index)
        for section in issue.sections
        for index, item in enumerate(section.items)
        for block in item.blocks
        if block.text.startswith("[1] このハイレベルの概要では")
    ]
    assert cites and cites == notes
    assert "[^" not in "".join(s.title + "".join(i.text for i in s.items) for s in issue.sections)


def test_a_br_in_a_real_heading_parts_cjk_from_latin() -> None:
    issue = load_sample("bitcoin-optech-ja", "2021-12-22-newsletter.md")
    titles = [item.title or "" for s in issue.sections for item in s.items]
    assert "2021年のまとめ Taprootの有効化" in titles
    assert not any("まとめTaproot" in title for title in titles)


def test_real_japanese_soft_breaks_beside_latin_words_keep_a_space() -> None:
    issue = load_sample("bitcoin-optech-ja", "2026-08-21-newsletter.md")
    text = "".join(item.text for s in issue.sections for item in s.items)
    # "…Bastien Teinturierは、\n[0.20.0]…" and "…開示]を\nDelving Bitcoinに…"
    assert "開示を Delving Bitcoinに" in text
    assert "開示をDelving" not in text


def test_a_real_link_list_newsletter_pages_by_story() -> None:
    issue = load_sample("nodejs-ko-weekly", "2016-12-02-weekly.md")
    assert issue.sections
    optech = load_sample("bitcoin-optech-en", "2026-08-21-newsletter.md")
    services = optech.section("services")
    assert services is not None and len(services.items) == 11
    assert all(item.blocks[0].kind is BlockKind.BULLET for item in services.items[1:]), (
        "one story per bullet after the section's lead"
    )


def test_mdx_of_a_real_docusaurus_blog_post() -> None:
    issue = load_sample("react-native-blog", "2026-02-11-react-native-0.84.mdx")
    everything = "\n".join(text for _, text in blocks(issue))
    assert "import Tabs" not in everything and "<TabItem" not in everything
    assert ":::" not in everything
    kinds = {kind for kind, _ in blocks(issue)}
    assert BlockKind.CODE.value in kinds  # the npm/yarn/pnpm commands inside <Tabs> stay
    assert "npm install" in everything or "npx" in everything


def test_kramdown_attribute_lists_and_tables_of_a_real_yearly_review() -> None:
    issue = load_sample("bitcoin-optech-en", "2021-12-22-newsletter.md")
    assert [s.key for s in issue.sections][:4] == ["intro", "contents", "january", "february"]
    text = reader_text(issue)
    assert "{:" not in text and "</td>" not in text


def test_a_liquid_assign_is_applied_as_the_site_does() -> None:
    issue = load_sample("bitcoin-optech-ja", "2023-03-29-newsletter.md")
    assert "状態 S1 は" in reader_text(issue)
