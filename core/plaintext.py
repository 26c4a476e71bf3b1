"""An issue as plain text, for terminals and logs (``haishin show``)."""

from __future__ import annotations

from collections.abc import Iterable

from core.model import Block, BlockKind, Issue, Item, Section


def format_issue(issue: Issue, sections: Iterable[str] = ()) -> str:
    """The whole issue (or some sections of it) as readable plain text."""
    wanted = set(sections)
    head = " ".join(
        part
        for part in (
            f"#{issue.number}" if issue.number is not None else "",
            issue.date.isoformat() if issue.date else "",
            issue.title or "",
        )
        if part
    )
    chunks = [head] if head and not wanted else []
    chunks += [format_section(s) for s in issue.sections if not wanted or s.key in wanted]
    return "\n\n".join(chunks).rstrip() + "\n"


def format_section(section: Section) -> str:
    """A section: its heading, then its items."""
    items = "\n\n".join(format_item(item) for item in section.items)
    return f"【{section.title}】\n{items}" if items else f"【{section.title}】"


def format_item(item: Item) -> str:
    """An item: its headline, then one line per block."""
    lines = [item.title] if item.title else []
    lines += [format_block(block) for block in item.blocks]
    return "\n".join(lines)


def format_block(block: Block) -> str:
    """One block with a marker that shows its kind."""
    indent = "  " * block.depth
    if block.kind is BlockKind.BULLET:
        marker = f"{block.ordinal}." if block.ordinal is not None else "•"
        return f"{indent}{marker} {block.text}"
    if block.kind is BlockKind.SUBHEADING:
        return f"■ {block.text}"
    if block.kind is BlockKind.QUOTE:
        return "\n".join(f"> {line}" for line in block.text.splitlines() or [""])
    return block.text
