"""The console's Japanese web font (static/fonts): every slice fonts.css names is shipped, and
together they cover the Japanese a newsletter holds (the sample issue, the Japanese corpora).

Whether Chromium really draws with them is test_first_hour_browser.py's question.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bots.console.webfont import FONTS, slices, unicode_range
from tests.conftest import CORPORA, SAMPLE
from tests.newsletter_samples import sample_files

_FACE = re.compile(r'url\("(?P<file>[^"]+)"\).*?unicode-range: (?P<range>[^;]+);', re.S)
_RUN = re.compile(r"U\+([0-9A-F]+)(?:-([0-9A-F]+))?")
# Kana, CJK punctuation, full-width forms and the unified ideographs a reader meets.
_JAPANESE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")


def covered() -> dict[str, set[int]]:
    """File → the code points its @font-face says it draws."""
    faces: dict[str, set[int]] = {}
    for face in _FACE.finditer((FONTS / "fonts.css").read_text(encoding="utf-8")):
        points: set[int] = set()
        for first, last in _RUN.findall(face["range"]):
            points.update(range(int(first, 16), int(last or first, 16) + 1))
        faces[face["file"]] = points
    return faces


def test_every_slice_is_shipped_with_its_licence() -> None:
    faces = covered()
    assert sorted(faces) == sorted(f"noto-sans-jp-{name}.woff2" for name in slices())
    for name in faces:
        assert (FONTS / name).stat().st_size > 10_000, name
    assert "SIL OPEN FONT LICENSE" in (FONTS / "LICENSE.txt").read_text(encoding="utf-8").upper()


def test_the_slices_do_not_overlap_and_leave_latin_to_the_system() -> None:
    faces = list(covered().values())
    for index, points in enumerate(faces):
        assert min(points) > 0x7F  # ASCII keeps the system's own font
        for other in faces[index + 1 :]:
            assert not points & other


def test_the_slices_cover_the_japanese_newsletters_hold() -> None:
    texts = [SAMPLE.read_text(encoding="utf-8")]
    texts += [path.read_text(encoding="utf-8") for path in sample_files("bitcoin-optech-ja")]
    jser = CORPORA / "jser" / "posts"
    if jser.is_dir():
        texts += [path.read_text(encoding="utf-8") for path in sorted(jser.glob("*.md"))[-200:]]
    wanted = {ord(c) for text in texts for c in _JAPANESE.findall(text)}
    assert len(wanted) > 1_000  # enough text to mean something
    drawn = set().union(*covered().values())
    missing = sorted(wanted - drawn)
    # A handful of rare kanji outside JIS X 0208 may fall back; nothing common may.
    assert len(missing) <= len(wanted) // 200, "".join(chr(c) for c in missing)


@pytest.mark.parametrize(
    ("points", "css"),
    [([0x3042], "U+3042"), ([0x3041, 0x3042, 0x3043, 0x30A2], "U+3041-3043, U+30A2")],
)
def test_unicode_range_merges_runs(points: list[int], css: str) -> None:
    assert unicode_range(points) == css


def test_the_font_stack_ends_with_the_web_font() -> None:
    css = (Path(FONTS).parent / "console.css").read_text(encoding="utf-8")
    stack = re.search(r"--font:([^;]+);", css)
    assert stack and '"Haishin Sans JP", sans-serif' in stack[1]
