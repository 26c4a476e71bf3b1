"""A draft profile as ``newsletter.toml`` text, with comments that tell the editor what to check."""

from __future__ import annotations

import json

from core.profiledraft import Draft, DraftSection

_ZONES = {"ja": "Asia/Tokyo", "ko": "Asia/Seoul", "zh": "Asia/Shanghai"}


def render_profile(draft: Draft) -> str:
    """The draft as ``newsletter.toml`` text, which ``parse_profile`` accepts."""
    out = [
        "# Drafted by `haishin profile init` from "
        f"{draft.issues} issue{'s' if draft.issues != 1 else ''}: check every line, then keep",
        "# what is right. See README, 'Content', for each setting.",
        "",
        f"name = {_str(draft.name)}",
        f"language = {_str(draft.language)}",
        f"timezone = {_str(_ZONES.get(draft.language, 'UTC'))}",
        '# publish_time = "07:00"      # when an issue without publish_at goes out',
        '# digest_slot = "sat 09:00"   # the default weekly slot of a new subscription',
        "# target_post_chars = 1000    # a readable length for one post",
    ]
    if draft.drop_trailing:
        out += [
            "",
            "# The same last line ends every issue: dropped as boilerplate.",
            f"drop_trailing = [{', '.join(_str(x) for x in draft.drop_trailing)}]",
        ]
    out.append("")
    for note in draft.notes:
        out.append(f"# Dates: {note}.")
    if draft.date_format:
        out.append(f"date_format = {_str(draft.date_format)}")
    else:
        out.append('# date_format = "MM-DD-YYYY"')
    for spec in draft.sections:
        out += ["", *_section_lines(spec, draft.issues)]
    if draft.once:
        out += ["", "# Headings seen in one issue only; uncomment those that are sections:"]
        for spec in draft.once:
            out += ["#", *(f"# {line}" for line in _section_lines(spec, draft.issues))]
    return "\n".join(out) + "\n"


def _section_lines(spec: DraftSection, issues: int) -> list[str]:
    lines = [f"[[sections]]  # in {spec.seen} of {issues} issues"]
    key_note = "  # rename: a short word readers type" if spec.key.startswith("section-") else ""
    lines.append(f"key = {_str(spec.key)}{key_note}")
    lines.append(f"title = {_str(spec.title)}")
    if spec.aliases:
        lines.append(f"aliases = [{', '.join(_str(a) for a in spec.aliases)}]")
    if spec.patterns:
        lines.append(f"patterns = [{', '.join(_str(p) for p in spec.patterns)}]")
    if spec.link_list:
        lines.append("link_list = true  # each top-level bullet is a story of its own")
    return lines


def _str(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)
