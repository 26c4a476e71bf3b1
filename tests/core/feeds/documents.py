"""Feeds and pages built at run time from the corpora and the sample issue (never copied).

- ``markdown_html``: a Markdown issue's body rendered by markdown-it-py, as a blog engine would.
- ``sample_page``: the sample issue as a newsletter's web page: site header and navigation,
  share buttons, the article, a comment widget, a sidebar and a footer. ``semantic`` pages mark
  headlines and sub-headings as headings (from the Markdown sample); the other kind writes
  every line as a paragraph, as note.com-style editors do (from the plain-text sample).
- ``rss`` and ``atom``: entries wrapped as RSS 2.0 (``content:encoded``) or Atom.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from markdown_it import MarkdownIt

from core.parsing.decode import decode_source
from core.parsing.dialects import strip_directives
from core.parsing.frontmatter import split_front_matter
from core.profile import Profile

ROOT = Path(__file__).resolve().parents[3]
SAMPLE_TEXT = ROOT / "content" / "issues" / "2025-10-04.txt"
SAMPLE_MARKDOWN = ROOT / "tests" / "core" / "parsing" / "fixtures" / "2025-10-04.md"
_MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

FURNITURE_TEXTS = (
    "ホーム",
    "バックナンバー",
    "ポストする",
    "シェア",
    "いいね",
    "ログインしてコメントしよう",
    "最初のコメントです",
    "人気の記事",
    "© 2025",
    "var tracker",
    "購読する",
)


def markdown_html(path: Path) -> str:
    """The body of a Markdown issue (after its front matter) rendered to HTML, its site
    generator's tags (Liquid, Hugo shortcodes) expanded to nothing as the published page has."""
    text = decode_source(path.read_bytes(), name=str(path))
    _, body, _ = split_front_matter(text, name=str(path), profile=Profile.default())
    return str(_MD.render(strip_directives(body)))


def sample_article(profile: Profile, *, semantic: bool) -> str:
    """The sample issue's article markup, without the page around it."""
    if semantic:
        return markdown_html(SAMPLE_MARKDOWN)
    lines = [line.strip() for line in SAMPLE_TEXT.read_text(encoding="utf-8").splitlines()]
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line == "-":
            items = []
            while index < len(lines) and lines[index] == "-":
                items.append(f"<li>{_bold(lines[index + 1])}</li>")
                index += 2
            out.append("<ul>" + "".join(items) + "</ul>")
            continue
        if line == "コメント":
            break  # on the web page this is the comment widget's title, added below
        if line and profile.section_for(line):
            out.append(f"<h2>{_bold(line)}</h2>")
        elif line:
            out.append(f"<p>{_bold(line)}</p>")
        index += 1
    return "\n".join(out)


def sample_page(profile: Profile, *, semantic: bool = True) -> str:
    """The sample issue as its web page, with everything around the article a site adds."""
    article = sample_article(profile, semantic=semantic)
    return f"""<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>週刊ビジネスレター 2025-10-04号</title>
<style>.share-buttons {{ display: flex }}</style>
<script>var tracker = "UA-1";</script></head>
<body>
<header class="site-header"><a href="/">週刊ビジネスレター</a>
  <nav><ul><li><a href="/">ホーム</a></li><li><a href="/archive">バックナンバー</a></li></ul></nav>
</header>
<main>
<article>
  <header><h1>週刊ビジネスレター 2025-10-04号</h1>
    <p class="byline">編集部 · 2025年10月4日</p></header>
  <div class="share-buttons"><a href="https://x.com/intent/post">ポストする</a>
    <a class="fb" href="https://facebook.com/sharer">シェア</a><button>いいね</button></div>
  <div class="entry-content">
{article}
  </div>
  <div class="subscribe-box"><p>毎週土曜に届きます</p>
    <a class="btn" href="/subscribe">購読する</a></div>
  <section id="comments" class="comments-area"><h2>コメント</h2>
    <form><textarea placeholder="ログインしてコメントしよう"></textarea></form>
    <ol class="comment-list"><li><p>最初のコメントです</p></li></ol></section>
</article>
</main>
<aside class="sidebar"><h2>人気の記事</h2><ul><li><a href="/1">創刊号</a></li></ul></aside>
<footer><p>© 2025 週刊ビジネスレター</p></footer>
</body></html>"""


def _bold(line: str) -> str:
    parts = line.split("**")
    if len(parts) % 2 == 0:
        return html.escape(line)
    return "".join(
        f"<strong>{html.escape(part)}</strong>" if odd else html.escape(part)
        for odd, part in ((i % 2 == 1, p) for i, p in enumerate(parts))
    )


@dataclass(frozen=True)
class Entry:
    """One feed entry as the test writes it."""

    id: str | None
    title: str
    link: str | None
    published: datetime
    content: str | None = None  # HTML body; None for a summary-only entry
    summary: str | None = None
    updated: datetime | None = None


def rss(
    entries: Sequence[Entry], *, title: str = "週刊テスト", link: str = "https://example.test/"
) -> bytes:
    """RSS 2.0 with ``content:encoded`` bodies, as WordPress and note.com write it."""
    items = []
    for entry in entries:
        parts = [f"<title>{escape(entry.title)}</title>"]
        if entry.link:
            parts.append(f"<link>{escape(entry.link)}</link>")
        if entry.id:
            parts.append(f'<guid isPermaLink="false">{escape(entry.id)}</guid>')
        parts.append(f"<pubDate>{_rfc822(entry.published)}</pubDate>")
        if entry.summary is not None:
            parts.append(f"<description>{escape(entry.summary)}</description>")
        if entry.content is not None:
            parts.append(f"<content:encoded><![CDATA[{_cdata(entry.content)}]]></content:encoded>")
        items.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{escape(title)}</title><link>{escape(link)}</link>"
        "<description>test</description>" + "".join(items) + "</channel></rss>"
    ).encode()


def atom(
    entries: Sequence[Entry], *, title: str = "週刊テスト", link: str = "https://example.test/"
) -> bytes:
    """An Atom feed with HTML ``content``, as Hugo and Jekyll write it."""
    parts = []
    for entry in entries:
        body = [f"<title>{escape(entry.title)}</title>"]
        if entry.id:
            body.append(f"<id>{escape(entry.id)}</id>")
        if entry.link:
            body.append(f'<link rel="alternate" href="{escape(entry.link)}"/>')
        body.append(f"<published>{entry.published.isoformat()}</published>")
        body.append(f"<updated>{(entry.updated or entry.published).isoformat()}</updated>")
        if entry.summary is not None:
            body.append(f'<summary type="html">{escape(entry.summary)}</summary>')
        if entry.content is not None:
            body.append(f'<content type="html">{escape(entry.content)}</content>')
        parts.append("<entry>" + "".join(body) + "</entry>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>{escape(link)}</id>"
        f'<link href="{escape(link)}"/><updated>2026-01-01T00:00:00Z</updated>'
        + "".join(parts)
        + "</feed>"
    ).encode()


def _rfc822(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S %z")


def _cdata(text: str) -> str:
    return re.sub(r"]]>", "]]]]><![CDATA[>", text)
