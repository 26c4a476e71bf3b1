"""Issue ↔ JSON-ready dict: how a parsed issue is kept in the database, losslessly.

The document carries a format version (``"v"``) so a later change of the model can still read
what earlier versions stored. Default-valued fields are left out to keep documents small.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import suppress
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.model import Block, BlockKind, Issue, Item, NoteKind, ParseNote, Section, Span

FORMAT_VERSION = 1


def issue_to_dict(issue: Issue) -> dict[str, Any]:
    """The issue as a dict of JSON types (str, int, bool, None, list, dict).

    ``issue_from_dict`` gives back an equal ``Issue``, time zone names included.
    """
    doc: dict[str, Any] = {
        "v": FORMAT_VERSION,
        "number": issue.number,
        "title": issue.title,
        "date": issue.date.isoformat() if issue.date else None,
        "sections": [_section_to_dict(section) for section in issue.sections],
    }
    if issue.publish_at is not None:
        doc["publish_at"] = issue.publish_at.isoformat()
        if isinstance(issue.publish_at.tzinfo, ZoneInfo):
            # The offset alone loses the zone (and its DST rules); keep the IANA name.
            doc["publish_zone"] = issue.publish_at.tzinfo.key
        if issue.publish_at.fold:
            # Tells the two instants of a repeated wall-clock hour apart.
            doc["publish_fold"] = 1
    if issue.notes:
        doc["notes"] = [_note_to_dict(note) for note in issue.notes]
    return doc


def issue_from_dict(doc: dict[str, Any]) -> Issue:
    """Rebuild an ``Issue`` from ``issue_to_dict``'s output.

    Raises:
        ValueError: the document is not one this version of haishin wrote or can read.
    """
    version = doc.get("v")
    if version != FORMAT_VERSION:
        raise ValueError(f"issue document format {version!r} is not supported (expected 1)")
    publish_at = None
    if doc.get("publish_at") is not None:
        publish_at = datetime.fromisoformat(doc["publish_at"])
        publish_at = publish_at.replace(fold=doc.get("publish_fold", 0))
        zone = doc.get("publish_zone")
        if zone:
            # Unknown zone here: the stored offset still gives the right instant.
            with suppress(ZoneInfoNotFoundError):
                # The wall clock as written, even one a DST gap skips, in its zone.
                publish_at = publish_at.replace(
                    tzinfo=ZoneInfo(zone), fold=doc.get("publish_fold", 0)
                )
    return Issue(
        sections=tuple(_section_from_dict(s) for s in doc["sections"]),
        number=doc.get("number"),
        title=doc.get("title"),
        date=date.fromisoformat(doc["date"]) if doc.get("date") else None,
        publish_at=publish_at,
        notes=tuple(_note_from_dict(n) for n in doc.get("notes", ())),
    )


def content_hash(issue: Issue, *, publish_at: datetime | None = None) -> str:
    """A fingerprint of what readers get from an issue: SHA-256 of its canonical JSON.

    Parser notes are left out (a blank line moved is not a change), and so is anything not
    sent to readers. ``publish_at`` is the effective publication time, when it differs from
    the issue's own.
    """
    doc = issue_to_dict(issue)
    doc.pop("notes", None)
    effective = publish_at or issue.publish_at
    doc["effective_publish_at"] = effective.isoformat() if effective else None
    canonical = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _section_to_dict(section: Section) -> dict[str, Any]:
    return {
        "key": section.key,
        "title": section.title,
        "items": [_item_to_dict(item) for item in section.items],
    }


def _section_from_dict(doc: dict[str, Any]) -> Section:
    return Section(
        key=doc["key"],
        title=doc["title"],
        items=tuple(_item_from_dict(i) for i in doc["items"]),
    )


def _item_to_dict(item: Item) -> dict[str, Any]:
    return {
        "headline": None if item.headline is None else [_span_to_dict(s) for s in item.headline],
        "blocks": [_block_to_dict(block) for block in item.blocks],
    }


def _item_from_dict(doc: dict[str, Any]) -> Item:
    headline = doc.get("headline")
    return Item(
        headline=None if headline is None else tuple(_span_from_dict(s) for s in headline),
        blocks=tuple(_block_from_dict(b) for b in doc["blocks"]),
    )


def _block_to_dict(block: Block) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "kind": block.kind.value,
        "spans": [_span_to_dict(s) for s in block.spans],
    }
    if block.depth:
        doc["depth"] = block.depth
    if block.ordinal is not None:
        doc["ordinal"] = block.ordinal
    return doc


def _block_from_dict(doc: dict[str, Any]) -> Block:
    return Block(
        kind=BlockKind(doc["kind"]),
        spans=tuple(_span_from_dict(s) for s in doc["spans"]),
        depth=doc.get("depth", 0),
        ordinal=doc.get("ordinal"),
    )


def _span_to_dict(span: Span) -> dict[str, Any]:
    doc: dict[str, Any] = {"text": span.text}
    if span.bold:
        doc["bold"] = True
    if span.italic:
        doc["italic"] = True
    if span.code:
        doc["code"] = True
    if span.href is not None:
        doc["href"] = span.href
    return doc


def _span_from_dict(doc: dict[str, Any]) -> Span:
    return Span(
        text=doc["text"],
        bold=doc.get("bold", False),
        italic=doc.get("italic", False),
        code=doc.get("code", False),
        href=doc.get("href"),
    )


def _note_to_dict(note: ParseNote) -> dict[str, Any]:
    return {"kind": note.kind.value, "message": note.message, "line": note.line}


def _note_from_dict(doc: dict[str, Any]) -> ParseNote:
    return ParseNote(kind=NoteKind(doc["kind"]), message=doc["message"], line=doc.get("line"))
