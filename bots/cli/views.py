"""How the CLI draws issues, posts and answers in a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.tree import Tree

from bots.cli.common import console

if TYPE_CHECKING:
    from bots.rendering import Renderer
    from core.model import Issue, Post, Reply
    from core.profile import Profile


def print_preview(issue: Issue, profile: Profile, platforms: Sequence[str]) -> None:
    """The issue's structure, then the posts each platform would get, with their sizes."""
    from bots.preview import platform_posts
    from bots.rendering import renderer_for
    from core.model import BlockKind, NoteKind
    from core.splitting import long_links

    head = " ".join(
        x
        for x in (
            f"#{issue.number}" if issue.number is not None else "",
            issue.date.isoformat() if issue.date else "",
            issue.title or "",
        )
        if x
    )
    tree = Tree(f"[bold]{escape(head or 'issue')}[/]  [dim]{profile.name}[/]")
    for section in issue.sections:
        known = profile.spec(section.key) is not None or not profile.sections
        style = "bold cyan" if known else "bold red"
        note = "" if known else "  [red](not in the profile)[/]"
        node = tree.add(f"[{style}]{escape(section.title)}[/] [dim]{section.key}[/]{note}")
        for item in section.items:
            kinds = [b.kind for b in item.blocks]
            summary = ", ".join(
                f"{kinds.count(k)} {k.value}{'s' if kinds.count(k) > 1 else ''}"
                for k in BlockKind
                if k in kinds
            )
            chars = len(item.text) + len(item.title or "")
            node.add(f"{escape(item.title or '(no headline)')}  [dim]{summary}; {chars} chars[/]")
    for remark in issue.notes:
        colour = "yellow" if remark.kind is NoteKind.WARNING else "dim"
        where = f"line {remark.line}: " if remark.line else ""
        tree.add(f"[{colour}]{remark.kind.value}: {where}{escape(remark.message)}[/]")
    renderers = [renderer_for(platform, profile) for platform in platforms]
    for renderer in renderers:
        for section in issue.sections:
            for url in long_links(section, renderer.limits.keeps_link):
                tree.add(
                    f"[yellow]warning: {renderer.platform}: a link of {len(url):,} characters "
                    f"in {escape(section.title)} is too long to be a link there; its address "
                    f"goes out as text, cut across parts[/]"
                )
    console.print(tree)
    for renderer in renderers:
        _print_posts(renderer.platform, platform_posts(issue, renderer), renderer)


def _print_posts(platform: str, posts: list[Post], renderer: Renderer) -> None:
    limits = renderer.limits
    table = Table("section", "item", "part", "size / limit", title=platform)
    table.add_column("starts with", no_wrap=True, overflow="ellipsis", max_width=36)
    for post in posts:
        size = limits.measure(post.headline, post.blocks)
        ok = size <= limits.max_size
        colour = "green" if ok else "bold red"
        start = " ".join(post.text.split())[:60]
        table.add_row(
            post.section_key,
            str(post.item),
            f"{post.part}/{post.parts}",
            f"[{colour}]{size} / {limits.max_size}[/]",
            escape(start),
        )
    console.print(table)


def print_reply(reply: Reply, renderer: Renderer) -> None:
    """An answer as a reader would read it, with its buttons."""
    if reply.message:
        console.print(Panel(escape(reply.message), title=reply.intent, expand=False))
    for post in reply.posts:
        title = f"{post.section_title} {post.part}/{post.parts}"
        console.print(Panel(escape(post.text), title=escape(title), expand=False))
    buttons = [*reply.suggestions, *([reply.more] if reply.more else [])]
    if buttons:
        console.print(
            "buttons: " + "  ".join(f"[reverse] {escape(b.label)} [/]" for b in buttons),
            highlight=False,
        )
