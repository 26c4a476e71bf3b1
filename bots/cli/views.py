"""How the CLI draws issues, posts and answers in a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from bots.cli.common import console, show_table

if TYPE_CHECKING:
    from bots.cli.asking import Asked
    from bots.rendering import Renderer
    from core.model import Issue, Post
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
    tree = Tree(f"[bold]{escape(head or 'issue')}[/]  [dim]{escape(profile.name)}[/]")
    for section in issue.sections:
        known = profile.spec(section.key) is not None or not profile.sections
        style = "bold cyan" if known else "bold red"
        note = "" if known else "  [red](not in the profile)[/]"
        node = tree.add(f"[{style}]{escape(section.title)}[/] [dim]{escape(section.key)}[/]{note}")
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
        # the message says what was done ("dropped trailing boilerplate …"): once
        label = "warning" if remark.kind is NoteKind.WARNING else "note"
        tree.add(f"[{colour}]{label}: {where}{escape(remark.message)}[/]")
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
    """One row a post. Items and parts count from 1, as the reader's "2/3" does; each post
    is measured as its platform counts it (``ChatPlatform.post_size``, the figure the
    console shows too)."""
    from bots import registry

    contract = registry.platform(platform)
    table = Table("section", "item", "part", f"{contract.preview_unit} / limit", title=platform)
    table.add_column("starts with", no_wrap=True, overflow="ellipsis", max_width=36)
    for post in posts:
        size, cap = contract.post_size(renderer, post)
        colour = "green" if size <= cap else "bold red"
        start = " ".join(post.text.split())[:60]
        table.add_row(
            escape(post.section_key),
            str(post.item + 1),
            f"{post.part}/{post.parts}",
            f"[{colour}]{size:,} / {cap:,}[/]",
            escape(start),
        )
    show_table(table)


def print_asked(asked: Asked) -> None:
    """The messages a bot would send, one after the other, each with its buttons; into a
    terminal each in a box fitted to its width, into a pipe as plain text."""

    from bots import registry
    from bots.cli.wrap import wrap_text

    contract = registry.platform(asked.renderer.platform)
    name = contract.title
    total = len(asked.messages)
    if not total:
        console.print(f"(the {name} bot sends nothing)", markup=False, highlight=False)
    for number, payload in enumerate(asked.messages, start=1):
        parts, buttons = contract.terminal(payload)
        body = Text("\n\n").join(parts)
        if buttons:
            body.append("\n\n")
            body.append("  ".join(f"[ {label} ]" for label in buttons), style="bold")
        title = f"{name} message {number}/{total}" if total > 1 else f"{name} message"
        if console.is_terminal:
            body = wrap_text(body, max(console.width - 6, 20))  # 2 cells for a hanging 、
            console.print(Panel(body, title=escape(title), expand=False))
        else:
            console.print(f"── {title} ──", markup=False, highlight=False)
            console.print(body, highlight=False, soft_wrap=True)
    if asked.note:
        console.print(f"note: {asked.note}", markup=False, highlight=False, style="dim")
