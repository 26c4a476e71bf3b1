"""Settings from the environment and ``.env``, read without pydantic-settings: its rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bots.envfile import read_env_file
from bots.settings import Settings


def test_a_dotenv_file_is_read_as_pydantic_settings_read_it(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# a comment\n"
        "export HAISHIN_LOG_LEVEL=DEBUG  # after a space: a comment\n"
        'haishin_admin_token="a b\\"c#d"\n'
        "HAISHIN_PUBLIC_URL='https://x.example/#y'\n"
        "SLACK_BOT_TOKEN=\n"
        "HAISHIN_DATABASE_URL=sqlite:///a#b.db\n"
        "not an assignment\n",
        encoding="utf-8",
    )
    assert read_env_file(env) == {
        "HAISHIN_LOG_LEVEL": "DEBUG",
        "haishin_admin_token": 'a b"c#d',
        "HAISHIN_PUBLIC_URL": "https://x.example/#y",
        "SLACK_BOT_TOKEN": "",
        "HAISHIN_DATABASE_URL": "sqlite:///a#b.db",
    }
    assert read_env_file(tmp_path / "missing") == {}


def test_the_environment_wins_over_the_file_and_a_keyword_over_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = tmp_path / ".env"
    env.write_text("HAISHIN_LOG_LEVEL=DEBUG\nHAISHIN_CATCH_UP_DAYS=2.5\n", encoding="utf-8")
    monkeypatch.setenv("haishin_log_level", "WARNING")  # any case
    settings = Settings(_env_file=env)
    assert (settings.log_level, settings.catch_up_days) == ("WARNING", 2.5)
    assert Settings(_env_file=env, log_level="ERROR").log_level == "ERROR"
    assert Settings(_env_file=env, HAISHIN_LOG_LEVEL="ERROR").log_level == "ERROR"
    assert Settings(_env_file=None).catch_up_days == 3.0  # no file: the default


def test_a_wrong_value_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAISHIN_CATCH_UP_DAYS", "-1")
    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None)
    assert raised.value.errors()[0]["loc"] == ("HAISHIN_CATCH_UP_DAYS",)
