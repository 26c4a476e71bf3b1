"""``haishin issues`` and ``haishin preview`` as an editor reads them (issue 16): a title for
every issue, items and parts counted from 1, LINE's limit as LINE states it (the console's
figure), and a dropped line said once."""

from __future__ import annotations

from pathlib import Path

from tests.bots.cli.process import haishin, sandbox


def rows(output: str, title: str) -> list[list[str]]:
    """The cells of one table (by its title) in printed output."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    found = []
    for line in lines[start:]:
        if line.startswith("└"):
            break
        if line.startswith("│"):
            found.append([cell.strip() for cell in line.strip("│").split("│")])
    return found


def test_issues_and_preview_say_what_an_editor_expects(tmp_path: Path) -> None:
    env = sandbox(tmp_path)
    assert haishin(env, "ingest", cwd=tmp_path).status == 0

    listing = haishin(env, "issues", cwd=tmp_path)
    assert listing.status == 0, listing.err
    (row,) = rows(listing.out, "issues")
    # The sample has no title of its own: its lead headline stands in.
    assert row[:3] == ["1", "2025-10-04", "🚀 CoreWeave、Metaとの巨額契約で株価急騰"]

    shown = haishin(env, "preview", "--platform", "line", cwd=tmp_path)
    assert shown.status == 0, shown.err
    line = rows(shown.out, "line")
    assert [r[:3] for r in line] == [
        ["topic", "1", "1/2"],
        ["topic", "1", "2/2"],
        ["articles", "1", "1/1"],
        ["shorts", "1", "1/1"],
        ["shorts", "2", "1/1"],
        ["afterword", "1", "1/1"],
    ]
    assert all(r[3].endswith("/ 5,000") for r in line)  # LINE's own figure, as the console
    assert "UTF-16 units / limit" in shown.out
    assert "line 44: dropped trailing boilerplate 'コメント'" in shown.out
    assert shown.out.count("dropped") == 1
