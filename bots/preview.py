"""The ``preview --json`` document (see ``../shared/interface.md``), shared by CLI and console."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bots import registry
from bots.rendering import Renderer, renderer_for
from core.model import Issue, Post
from core.profile import Profile
from core.splitting import split_issue


def issue_document(issue: Issue) -> dict[str, Any]:
    """The issue's structure: sections and items with plain-text bodies."""
    return {
        "number": issue.number,
        "title": issue.title,
        "date": issue.date.isoformat() if issue.date else None,
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "items": [{"title": item.title, "text": item.text} for item in section.items],
            }
            for section in issue.sections
        ],
    }


def post_document(post: Post, renderer: Renderer) -> dict[str, Any]:
    """One post as the interface describes it, with its platform payload."""
    return {
        "platform": post.platform,
        "section": post.section_key,
        "item": post.item,
        "part": post.part,
        "parts": post.parts,
        "text": post.text,
        "payload": renderer.post(post),
    }


def platform_posts(issue: Issue, renderer: Renderer) -> list[Post]:
    """The issue split for one platform."""
    return split_issue(issue, renderer.limits)


def preview_document(
    issue: Issue, profile: Profile, platforms: Sequence[str] | None = None
) -> dict[str, Any]:
    """The whole ``preview --json`` document for some platforms (None: every one)."""
    posts: list[dict[str, Any]] = []
    for platform in registry.names() if platforms is None else platforms:
        renderer = renderer_for(platform, profile)
        posts += [post_document(p, renderer) for p in platform_posts(issue, renderer)]
    return {"issue": issue_document(issue), "posts": posts}
