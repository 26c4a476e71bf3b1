"""Markdown dialects reduced to CommonMark before the reader sees them, line for line.

Site generators add syntax of their own around Markdown. What only builds the page goes;
the text a reader of the page sees stays, as Markdown:

- **MDX** (``.mdx``, Docusaurus): ESM ``import``/``export`` paragraphs, ``{/* comments */}``,
  block-level ``{expressions}``, and lines that are only JSX component tags (``<Support />``,
  ``<Tabs>``, ``</BrowserWindow>``) are dropped; the Markdown between JSX wrapper tags is
  kept. A ```` ```mdx-code-block ```` fence is MDX, not code: its fence lines go.
- **Admonitions** (Docusaurus ``:::tip Title``, Zenn ``:::message``/``:::details Title``): the
  ``:::`` lines go, a title stays as a line of its own.
- **Zenn embeds** (``@[card](URL)``, ``@[tweet](URL)``): the URL stays, as a link.
- **kramdown** (Jekyll): attribute lists on a line of their own (``{:.center}``, ``{:#id}``)
  go, and Markdown inside an HTML element marked ``markdown="1"``/``"span"`` is read as
  Markdown (not as indented code).
- **Liquid and Hugo tags** (``{% include x.md %}``, ``{{ page.excerpt }}``, ``{{< ref … >}}``)
  build the page and show nothing of their own: they go. A ``{% assign S1 = "…" %}`` of
  a text is applied to the ``{{S1}}`` that follow, as the site does.

Removed lines become blank lines, so every line number of the source still holds. Code
fences are left alone (an ``import`` in a code block is code).
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)")
_ESM = re.compile(r"^(?:import|export)(?:\s|\{|\*|$)")
_COMMENT_OPEN = "{/*"
_COMMENT = re.compile(r"\{/\*.*?\*/\}", re.DOTALL)
_EXPRESSION = re.compile(r"^\s*\{.*\}\s*$")
# A line of nothing but tags, at least one a JSX component (capitalised, or with {props}).
_TAG = r"</?[A-Za-z][\w.:-]*(?:\s+[^<>]*?)?/?>"
_TAGS_ONLY = re.compile(rf"^\s*(?:{_TAG}\s*)+$")
_COMPONENT = re.compile(r"</?[A-Z]|=\{")
_OPEN_TAG_START = re.compile(r"^\s*<[A-Z][\w.]*(?:\s|$)")
_ADMONITION = re.compile(r"^\s*:{3,}\s*([A-Za-z][\w-]*)?\s*(.*?)\s*$")
_NO_TITLE = frozenset(("message",))  # Zenn: ":::message alert" names a style, not a title
_EMBED = re.compile(
    r"^\s*@\[(card|tweet|youtube|slideshare|speakerdeck|docswell|jsfiddle|codepen|"
    r"codesandbox|stackblitz|github|gist|figma|blueprintue)\]\((\S+?)\)\s*$"
)
_IAL = re.compile(r"^\s*\{:[^{}]*\}\s*$")
_ASSIGN = re.compile(r"\{%-?\s*assign\s+(\w+)\s*=\s*(\"[^\"]*\"|'[^']*')\s*-?%\}")
_LIQUID_TAG = re.compile(r"\{%.*?%\}")
_LIQUID_OUTPUT = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}")
_CODE_SPAN = re.compile(r"(`+).*?\1")
_KRAMDOWN_OPEN = re.compile(
    r"^(\s*)<([a-zA-Z][\w-]*)[^>]*\smarkdown=[\"'](?:1|span|block)[\"'][^>]*>\s*$"
)


def has_directives(body: str) -> bool:
    """True when ``strip_directives`` may change something (a cheap test first)."""
    return any(mark in body for mark in (":::", "@[", "{:", "{%", "{{", "markdown="))


def strip_directives(body: str) -> str:
    """Admonitions, Zenn embeds, kramdown and Liquid/Hugo tags reduced (see module)."""
    lines = body.split("\n")
    fence: str | None = None
    assigned: dict[str, str] = {}
    kramdown: list[tuple[str, int]] = []  # open markdown="…" elements: (tag, indent)
    for index, line in enumerate(lines):
        fence, in_code = _fenced(line, fence)
        if in_code:
            continue
        if "{%" in line or "{{" in line:
            line = lines[index] = _liquid(line, assigned)
        if kramdown:
            line = lines[index] = _dedent(line, kramdown[-1][1])
            if line.lstrip().startswith(f"</{kramdown[-1][0]}"):
                kramdown.pop()
                continue
        if match := _KRAMDOWN_OPEN.match(line):
            kramdown.append((match[2].lower(), len(match[1])))
            lines[index] = line.lstrip()
        elif match := _ADMONITION.match(line):
            kind, title = match[1] or "", match[2]
            title = title[1:-1] if title.startswith("[") and title.endswith("]") else title
            following = lines[index + 1] if index + 1 < len(lines) else ""
            if title and following.strip() and not _ADMONITION.match(following):
                title += "\\"  # a hard break: the title keeps a line of its own
            lines[index] = "" if kind in _NO_TITLE else title
        elif match := _EMBED.match(line):
            url = match[2]
            if match[1] == "youtube" and "://" not in url:
                url = f"https://www.youtube.com/watch?v={url}"
            lines[index] = f"<{url}>" if "://" in url else url
        elif _IAL.match(line):
            lines[index] = ""
    return "\n".join(lines)


def _liquid(line: str, assigned: dict[str, str]) -> str:
    """A line without its Liquid/Hugo tags; assigned texts put in place (code spans kept)."""
    pieces = []
    start = 0
    for code in _CODE_SPAN.finditer(line):
        pieces.append(_untagged(line[start : code.start()], assigned))
        pieces.append(code.group())
        start = code.end()
    pieces.append(_untagged(line[start:], assigned))
    untagged = "".join(pieces)
    # A removed tag must not leave a fence behind (``{% x %}` or {% x %}``` → ```), which
    # would turn the rest of the file into code: the first mark is escaped, so the line
    # still shows the backticks (or tildes) it showed, as text.
    fence = _FENCE.match(untagged)
    if fence and not _FENCE.match(line):
        at = fence.start(1)
        return f"{untagged[:at]}\\{untagged[at:]}"
    return untagged


def _untagged(text: str, assigned: dict[str, str]) -> str:
    for match in _ASSIGN.finditer(text):
        assigned[match[1]] = match[2][1:-1]
    text = _LIQUID_TAG.sub("", text)
    return _LIQUID_OUTPUT.sub(lambda m: assigned.get(m[1], ""), text)


def _dedent(line: str, indent: int) -> str:
    """A line inside a kramdown ``markdown=`` element, without the element's own indent."""
    stripped = len(line) - len(line.lstrip(" "))
    return line[min(stripped, indent) :]


def strip_mdx(body: str) -> str:
    """MDX reduced to the Markdown its page shows (see module), line numbers kept."""
    body = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), body)
    lines = body.split("\n")
    fence: str | None = None
    mdx_fence: str | None = None
    index = 0
    previous_blank = True
    while index < len(lines):
        line = lines[index]
        opening = _FENCE.match(line)
        if fence is None and opening and opening[2] == "mdx-code-block":
            mdx_fence = opening[1]
            lines[index] = ""
        elif (
            mdx_fence is not None
            and fence is None
            and line.strip().startswith(mdx_fence)
            and not line.strip().strip(mdx_fence[0])  # a bare fence closes; ```js opens code
        ):
            mdx_fence = None
            lines[index] = ""
        else:
            fence, in_code = _fenced(line, fence)
            if not in_code:
                index = _drop_mdx_line(lines, index, previous_blank)
        previous_blank = not lines[index].strip() if index < len(lines) else True
        index += 1
    return "\n".join(lines)


def _drop_mdx_line(lines: list[str], index: int, previous_blank: bool) -> int:
    """Blank an MDX-only construct starting at ``index``; returns the last line it covered."""
    line = lines[index]
    if previous_blank and _ESM.match(line):
        # An ESM block runs to the next blank line (MDX's own rule).
        while index < len(lines) and lines[index].strip():
            lines[index] = ""
            index += 1
        return index - 1
    if _EXPRESSION.match(line) or (_TAGS_ONLY.match(line) and _COMPONENT.search(line)):
        lines[index] = ""
        return index
    if _OPEN_TAG_START.match(line) and ">" not in line:
        # A component's opening tag over several lines of props.
        end = index
        while end < len(lines) and ">" not in lines[end]:
            end += 1
        if end < len(lines) and lines[end].rstrip().endswith(">"):
            for covered in range(index, end + 1):
                lines[covered] = ""
            return end
    return index


def _fenced(line: str, fence: str | None) -> tuple[str | None, bool]:
    """The open fence after ``line`` and whether ``line`` is code (or a fence line)."""
    match = _FENCE.match(line)
    if fence is None:
        return (match[1], True) if match else (None, False)
    if match and match[1][0] == fence[0] and len(match[1]) >= len(fence) and not match[2]:
        return None, True
    return fence, True
