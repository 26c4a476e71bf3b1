"""Reading issue files: plain text or Markdown, to an ``Issue``.

``load_issue`` and ``parse_issue`` are the entry points. Each input form has a reader that
turns the source into a flat element stream (``elements``); one assembler
(``assemble.assemble``) applies the newsletter profile to any stream, so a new input form (an
RSS/Atom feed's HTML) only needs a reader.
"""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from core.errors import ContentError
from core.model import Issue
from core.parsing.assemble import assemble, recognise_section
from core.parsing.decode import decode_source
from core.parsing.dialects import has_directives, strip_directives, strip_mdx
from core.parsing.elements import BlockElement, Element, HeadingElement, IssueMeta
from core.parsing.frontmatter import meta_from_name, split_front_matter
from core.parsing.junk import refuse_junk
from core.parsing.text import read_text
from core.profile import Profile

if TYPE_CHECKING:
    from core.parsing.htmlblock import read_html_block
    from core.parsing.markdown import read_markdown

__all__ = [
    "BlockElement",
    "Element",
    "HeadingElement",
    "IssueMeta",
    "assemble",
    "format_of",
    "load_issue",
    "parse_issue",
    "read_html_block",
    "read_markdown",
    "read_text",
    "recognise_section",
]

_MARKDOWN_SUFFIXES = frozenset((".md", ".markdown", ".mdown", ".mkd"))
_MDX_SUFFIXES = frozenset((".mdx",))
FORMATS = ("text", "markdown", "mdx")


def __getattr__(name: str) -> Any:
    # The Markdown and HTML readers (markdown-it, selectolax: about 5 MB resident) load when
    # a Markdown file is first read, not in every process that reads plain text.
    if name == "read_markdown":
        from core.parsing.markdown import read_markdown

        return read_markdown
    if name == "read_html_block":
        from core.parsing.htmlblock import read_html_block

        return read_html_block
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_issue(path: Path, profile: Profile, *, encoding: str | None = None) -> Issue:
    """Read and parse an issue file.

    Args:
        path: the file; ``.md``/``.markdown`` is Markdown, ``.mdx`` MDX, anything else plain
            text.
        profile: the newsletter profile (``Profile.default()`` when there is none).
        encoding: the file's encoding when it is not UTF-8/16 (``--encoding cp932``).

    Returns:
        The parsed issue.

    Raises:
        ContentError: the file cannot be read, decoded or understood; the message names the
            file and, where one applies, the line.
    """
    data = read_issue_bytes(path)
    return parse_issue(data, name=str(path), profile=profile, encoding=encoding)


def read_issue_bytes(path: Path, shown: Path | None = None) -> bytes:
    """The file's bytes; a ContentError naming ``shown`` (default ``path``) when it can't be
    read."""
    name = str(shown or path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ContentError("no such file", path=name, hint="check the path") from None
    except IsADirectoryError:
        raise ContentError(
            "is a folder, not an issue file", path=name, hint="name a .txt or .md file"
        ) from None
    except OSError as exc:
        raise ContentError(f"cannot be read: {exc.strerror}", path=name) from None


def parse_issue(
    data: bytes,
    *,
    name: str,
    profile: Profile,
    encoding: str | None = None,
    fmt: str | None = None,
) -> Issue:
    """Parse an issue from its bytes.

    Args:
        data: the file's content.
        name: the file name or path: used in messages, for the date (``2025-10-04.txt``,
            ``…/2026/07/19.md``) and, without ``fmt``, for the format.
        profile: the newsletter profile (``Profile.default()`` when there is none).
        encoding: the encoding when it is not UTF-8/16 (``--encoding cp932``).
        fmt: ``"text"``, ``"markdown"`` or ``"mdx"``; None picks by extension (``.md``/
            ``.markdown`` are Markdown, ``.mdx`` MDX, anything else plain text).

    Returns:
        The issue: sections by the profile, front matter over the file name's date, and notes
        for dropped boilerplate and anything a person should look at.

    Raises:
        ContentError: not decodable, not text (a binary file), bad front matter, or no
            content; the message names the file, the line where one applies, and how to fix
            it.
    """
    if fmt is None:
        fmt = format_of(name)
    elif fmt not in FORMATS:
        raise ContentError(f"unknown format {fmt!r}", path=name, hint="use text, markdown or mdx")
    text = decode_source(data, name=name, encoding=encoding)
    refuse_junk(text, name=name)
    front, body, offset = split_front_matter(text, name=name, profile=profile)
    meta = meta_from_name(name).merged(front)
    if not body.strip():
        raise ContentError(
            "is empty" if not text.strip() else "has front matter but no content",
            path=name,
            hint="an issue needs at least one line of text",
        )
    elements: list[Element]
    if fmt == "text":
        elements = read_text(body, profile, first_line=offset + 1)
    else:
        from core.parsing.markdown import read_markdown

        if fmt == "mdx":
            body = strip_mdx(body)
        if has_directives(body):
            body = strip_directives(body)
        elements = read_markdown(body, first_line=offset + 1)
    return assemble(elements, profile, meta=meta, source=name, notes=meta.notes)


def format_of(name: str) -> str:
    """The format a file name says: ``markdown`` (``.md``...), ``mdx`` or ``text``."""
    suffix = PurePath(name).suffix.lower()
    if suffix in _MDX_SUFFIXES:
        return "mdx"
    return "markdown" if suffix in _MARKDOWN_SUFFIXES else "text"
