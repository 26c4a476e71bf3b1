"""What real files carry (BOMs, UTF-16, CRLF, width variants, stray spaces) changes nothing."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

import pytest

from core.errors import ContentError
from core.model import Issue
from core.parsing import load_issue, parse_issue
from core.profile import Profile

NAME = "content/issues/2025-10-04.txt"


def structure(issue: Issue) -> list[tuple[str, list[tuple[str | None, list[tuple[str, str]]]]]]:
    """Keys, item titles and every block (kind and text): what a reader would notice."""
    return [
        (
            section.key,
            [
                (item.title, [(block.kind.value, block.text) for block in item.blocks])
                for item in section.items
            ],
        )
        for section in issue.sections
    ]


@pytest.fixture(scope="module")
def sample_text(sample_path: Path) -> str:
    return sample_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def expected(sample_path: Path, profile: Profile) -> list[object]:
    return structure(load_issue(sample_path, profile))  # type: ignore[return-value]


def _lines(transform: Callable[[str], str]) -> Callable[[str], bytes]:
    return lambda text: "\n".join(transform(line) for line in text.split("\n")).encode()


VARIANTS: dict[str, Callable[[str], bytes]] = {
    "utf-8 with BOM": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf-16-le with BOM": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf-16-be with BOM": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "utf-16 (python's own BOM)": lambda t: t.encode("utf-16"),
    "CRLF": lambda t: t.replace("\n", "\r\n").encode(),
    "CR": lambda t: t.replace("\n", "\r").encode(),
    "CRLF with BOM and trailing newline": lambda t: (
        codecs.BOM_UTF8 + (t + "\n").replace("\n", "\r\n").encode()
    ),
    "trailing spaces, tabs and ideographic spaces": _lines(lambda line: line + " \t\u3000 "),
    "leading indentation": _lines(lambda line: "  " + line),
    "runs of blank lines": lambda t: t.replace("\n", "\n\n\n \n").encode(),
    "blank lines at both ends": lambda t: ("\n\n\n" + t + "\n\n\n\n").encode(),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_gives_the_same_structure(
    variant: str, sample_text: str, profile: Profile, expected: list[object]
) -> None:
    data = VARIANTS[variant](sample_text)
    assert structure(parse_issue(data, name=NAME, profile=profile)) == expected


@pytest.mark.parametrize(
    ("written", "read_as"),
    [
        ("ﾄﾋﾟｯｸ", "トピック"),  # half-width katakana
        ("ＴＯＰＩＣ", "TOPIC"),  # full-width Latin, an English alias
        ("【トピック】", "【トピック】"),  # a web page's decoration
    ],
)
def test_width_variants_and_decorations_in_headings(
    written: str, read_as: str, sample_text: str, profile: Profile, expected: list[object]
) -> None:
    text = sample_text.replace("トピック\n", f"{written}\n", 1).replace("小ネタ2本", "小ネタ２本")
    issue = parse_issue(text.encode(), name=NAME, profile=profile)
    assert structure(issue) == expected
    assert issue.sections[0].title == read_as
    assert issue.sections[2].title == "小ネタ2本"


def _shift_jis_sample(sample_text: str) -> bytes:
    # Shift_JIS has no emoji: mail magazines lead headlines with ■ instead.
    for emoji in ("🚀", "💊", "🎬", "📚"):
        sample_text = sample_text.replace(emoji, "■")
    return sample_text.encode("cp932")


def test_cp932_is_refused_with_a_hint(sample_text: str, profile: Profile) -> None:
    with pytest.raises(ContentError) as caught:
        parse_issue(_shift_jis_sample(sample_text), name=NAME, profile=profile)
    message = str(caught.value)
    assert NAME in message
    assert "not UTF-8" in message
    assert "--encoding cp932" in message
    assert caught.value.line == 1


def test_cp932_parses_with_the_encoding_named(
    sample_text: str, profile: Profile, expected: list[object], tmp_path: Path
) -> None:
    path = tmp_path / "2025-10-04.txt"
    path.write_bytes(_shift_jis_sample(sample_text))
    issue = load_issue(path, profile, encoding="cp932")
    assert [s.key for s in issue.sections] == ["topic", "articles", "shorts", "afterword"]
    assert [i.title for i in issue.sections[2].items] == [
        "■ 映画関税にチームスターズが支持表明",
        "■ 「Reading Rainbow」復活!",
    ]
    # Apart from the headline marks, the text is the UTF-8 sample's.
    assert structure(issue)[3] == expected[3]
    assert structure(issue)[0][1][0][1] == expected[0][1][0][1]  # type: ignore[index]


def test_utf16_without_bom_is_refused(sample_text: str, profile: Profile) -> None:
    with pytest.raises(ContentError, match="UTF-16 without a byte order mark") as caught:
        parse_issue(sample_text.encode("utf-16-le"), name=NAME, profile=profile)
    assert "--encoding utf-16-le" in str(caught.value)


def test_ascii_utf16_without_bom_is_refused_as_utf16(profile: Profile) -> None:
    text = "Topic\nHello world, this is an issue.\n" * 5
    with pytest.raises(ContentError, match="UTF-16 without a byte order mark") as caught:
        parse_issue(text.encode("utf-16-be"), name=NAME, profile=profile)
    assert "--encoding utf-16-be" in str(caught.value)


def test_a_stray_nul_in_utf8_is_named_with_its_line(sample_text: str, profile: Profile) -> None:
    lines = sample_text.split("\n")
    lines[5] = lines[5][:3] + "\x00" + lines[5][3:]
    with pytest.raises(ContentError) as caught:
        parse_issue("\n".join(lines).encode(), name=NAME, profile=profile)
    assert "UTF-16" not in str(caught.value)
    assert "NUL byte (at column 4)" in caught.value.message
    assert caught.value.line == 6
    assert str(caught.value).startswith(f"{NAME}:6: ")


def test_wrong_named_encoding_says_where(profile: Profile) -> None:
    data = "トピック\n🚀 ok\n本文です。\n".encode() + b"\xff\xfe\n"
    with pytest.raises(ContentError, match="not valid ascii") as caught:
        parse_issue(data, name=NAME, profile=profile, encoding="ascii")
    assert caught.value.line == 1


def test_unknown_encoding_name(sample_text: str, profile: Profile) -> None:
    with pytest.raises(ContentError, match="unknown encoding 'sjis-ish'"):
        parse_issue(sample_text.encode(), name=NAME, profile=profile, encoding="sjis-ish")


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", codecs.BOM_UTF8, b"---\ntitle: x\n---\n\n"])
def test_empty_file_is_an_error(data: bytes, profile: Profile) -> None:
    with pytest.raises(ContentError) as caught:
        parse_issue(data, name=NAME, profile=profile)
    assert NAME in str(caught.value)


def test_only_boilerplate_is_an_error(profile: Profile) -> None:
    with pytest.raises(ContentError, match="no content"):
        parse_issue("コメント\n".encode(), name=NAME, profile=profile)


def test_missing_file_is_a_content_error(tmp_path: Path, profile: Profile) -> None:
    with pytest.raises(ContentError, match="no such file"):
        load_issue(tmp_path / "2025-10-11.txt", profile)
    with pytest.raises(ContentError, match="folder"):
        load_issue(tmp_path, profile)
