"""The Markdown loss check: every text run of the source is in the parsed issue, in order.

It does not trust the parser: markdown-it gives every text run of the file (inline text,
inline code, image alt text, code blocks) and selectolax the text of raw HTML blocks; each
run must then appear, in document order, in the text of the parsed issue (issue title,
section titles, item titles, blocks), ignoring white space, NFKC width and asterisks (a
``**`` CommonMark leaves literal, as around ``**“ネオクラウド”**と``, is bold to the parser)
and site generators' template tags (``{% include %}``, ``{{< ref >}}``), which readers never see.
"""

from __future__ import annotations

import re
import unicodedata

from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin
from selectolax.lexbor import LexborHTMLParser

from core.model import Issue
from core.parsing.dialects import strip_directives, strip_mdx

_MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_SPACE = re.compile(r"\s+")
_PELICAN = re.compile(r"^[A-Za-z][\w -]*:\s")
# Liquid and Hugo tags build the page and show nothing themselves.
_TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def _norm(text: str) -> str:
    text = _TEMPLATE_TAG.sub("", text)
    return _SPACE.sub("", unicodedata.normalize("NFKC", text).replace("*", ""))


def body_of(text: str) -> str:
    """The file without its front matter, cut independently of the parser."""
    if text.startswith("---\n"):
        return text[text.index("\n---", 3) + 4 :]
    lines = text.split("\n")
    count = 0
    while count < len(lines) and _PELICAN.match(lines[count]):
        count += 1
    return "\n".join(lines[count:])


def _untemplated(body: str) -> str:
    """The body without template tags, except in code (fences and backtick spans)."""
    lines = body.split("\n")
    fenced = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):  # four spaces make it indented code
            fenced = not fenced
        if fenced:
            continue
        parts = re.split(r"(`+[^`]*`+)", line)
        untagged = "".join(
            part if part.startswith("`") else _TEMPLATE_TAG.sub("", part) for part in parts
        )
        # A tag's own output stands before what follows it, so a line like {% x %}```
        # shows its backticks as text: the removal must not make it a fence.
        fence = _FENCE.match(untagged)
        if fence and not _FENCE.match(line):
            untagged = f"{untagged[: fence.start(1)]}\\{untagged[fence.start(1) :]}"
        lines[index] = untagged
    return "\n".join(lines)


def _html_runs(fragment: str) -> list[str]:
    tree = LexborHTMLParser(fragment)
    tree.strip_tags(["script", "style", "iframe", "noscript", "template"])
    if tree.body is None:
        return []
    return [
        node.text(deep=False) or ""
        for node in tree.body.traverse(include_text=True)
        if node.tag == "-text"
    ]


def source_runs(text: str) -> list[str]:
    """Every piece of reader-visible text in the file, in order, as markdown-it sees it."""
    runs: list[str] = []
    for token in _MD.parse(_untemplated(body_of(text))):
        if token.type == "inline":
            for child in token.children or ():
                if child.type in ("text", "code_inline"):
                    runs.append(child.content)
                elif child.type == "image":
                    runs.extend(c.content for c in child.children or () if c.type == "text")
        elif token.type in ("fence", "code_block"):
            runs.extend(token.content.split("\n"))
        elif token.type == "html_block":
            runs.extend(_html_runs(token.content))
    return [norm for run in runs if (norm := _norm(run))]


def issue_text(issue: Issue) -> str:
    parts = [issue.title or ""]
    for section in issue.sections:
        parts.append(section.title)
        for item in section.items:
            parts.append(item.title or "")
            parts.extend(block.text for block in item.blocks)
    return "".join(_norm(part) for part in parts)


def assert_nothing_lost(source: str, issue: Issue) -> None:
    """Fail naming the first text run of ``source`` that ``issue`` does not hold in order."""
    kept = issue_text(issue)
    position = 0
    for run in source_runs(source):
        found = kept.find(run, position)
        assert found >= 0, f"text lost or out of order: {run[:80]!r}"
        position = found + len(run)


# ---- newsletters written in a dialect (tests/newsletters) -------------------------------------

_NOTES_MD = (
    MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).use(footnote_plugin)
)
# What a reader never sees of the dialects: heading ids, and the brackets of reference links
# whose definitions live outside the file (labels with a space, or empty).
_HEADING_ID = re.compile(r"\{:?\s*#[^{}]*\}")
_UNRESOLVED = re.compile(r"\[([^\[\]]+)\]\[(|[^\[\]]*\s[^\[\]]*|[a-z][a-z0-9_-]{2,})\]")


def assert_dialect_nothing_lost(source: str, issue: Issue, *, mdx: bool) -> None:
    """``assert_nothing_lost`` for a file in a dialect (MDX, kramdown, Liquid), with footnotes.

    The dialect's own syntax is reduced with ``core.parsing.dialects`` first (tested on its
    own); then every inline's text must be kept in order, except footnotes, which the parser
    moves next to the item that cites them: their text must be kept, anywhere.
    """
    body = body_of(source)
    if mdx:
        body = strip_mdx(body)
    body = _untemplated(strip_directives(body))
    runs: list[str] = []
    notes: list[str] = []
    target = runs
    for token in _NOTES_MD.parse(body):
        if token.type == "footnote_block_open":
            target = notes
        if token.type == "inline":
            joined = "".join(
                child.content
                if child.type != "footnote_ref"
                else f"[{child.meta['id'] + 1}]"  # the parser's mark for a footnote
                for child in token.children or ()
                if child.type in ("text", "code_inline", "footnote_ref")
            )
            joined = _HEADING_ID.sub("", _UNRESOLVED.sub(r"\1", joined))
            target.append(joined)
        elif token.type in ("fence", "code_block"):
            target.extend(token.content.split("\n"))
        elif token.type == "html_block":
            target.extend(_html_runs(token.content))
    kept = issue_text(issue)
    position = 0
    for run in (norm for run in runs if (norm := _norm(run))):
        found = kept.find(run, position)
        assert found >= 0, f"text lost or out of order: {run[:80]!r}"
        position = found + len(run)
    for note in (norm for run in notes if (norm := _norm(run))):
        assert note in kept, f"footnote lost: {note[:80]!r}"
