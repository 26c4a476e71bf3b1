"""``haishin send --dry-run`` as a subprocess with no Slack or LINE credentials (issue 16):
a dry run sends nothing, so it needs none, and shows every message that would go."""

from __future__ import annotations

from pathlib import Path

from tests.bots.cli.process import haishin, sandbox


def test_a_dry_run_needs_no_credentials_and_shows_what_would_go(tmp_path: Path) -> None:
    env = sandbox(tmp_path)
    assert haishin(env, "ingest", cwd=tmp_path).status == 0

    slack = haishin(env, "send", "1", "--to", "slack:T0123/C0456", "--dry-run", cwd=tmp_path)
    assert slack.status == 0, slack.err
    units = [line for line in slack.out.splitlines() if line.startswith("── unit ")]
    assert units[:3] == ["── unit parent ──", "── unit topic/0/1 ──", "── unit topic/0/2 ──"]
    assert "全文はこのスレッドに続きます" in slack.out  # the parent's thread hint
    assert "• 事業モデル:Nvidia GPUを大量搭載した" in slack.out  # the post, as Slack shows it
    assert f"{len(units)} unit(s) in 1 send group(s) would go; nothing was sent" in slack.out

    friend = "line:U" + "1" * 32
    line = haishin(env, "send", "1", "--to", friend, "--dry-run", cwd=tmp_path)
    assert line.status == 0, line.err
    assert "── unit digest ──" in line.out
    assert "[ 読む ]" in line.out and "🚀 CoreWeave、Metaとの巨額契約で株価急騰" in line.out

    ledger = haishin(env, "deliveries", cwd=tmp_path)
    assert ledger.status == 0 and "slack:T0123/C0456" not in ledger.out  # nothing recorded
