"""``haishin line richmenu`` against the fake LINE API: create, upload, set default."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import typer
from PIL import Image
from typer.testing import CliRunner

from bots.line.commands import commands
from bots.line.postback import decode
from bots.line.richmenu import FONT_HELP, find_font
from core.errors import ConfigError
from tests.bots.line.conftest import SECRET, TOKEN
from tests.conftest import CONTENT
from tests.fakes.line_api import FakeLineApi


def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """haishin (the lead's CLI adds the real commands)."""

    app.add_typer(commands(), name="line")
    return app


@pytest.fixture
def line_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, line_api: FakeLineApi) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("HAISHIN_CONTENT_DIR", str(CONTENT))
    monkeypatch.setenv("LINE_CHANNEL_SECRET", SECRET)
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("LINE_API_URL", line_api.url)
    return tmp_path


def test_richmenu_creates_uploads_and_sets_the_default(
    line_env: Path, line_api: FakeLineApi
) -> None:
    saved = line_env / "menu.png"
    result = CliRunner().invoke(cli(), ["line", "richmenu", "--image", str(saved)])

    assert result.exit_code == 0, result.output
    [(menu_id, menu)] = line_api.rich_menus.items()
    assert line_api.default_rich_menu == menu_id
    assert f"rich menu {menu_id} is the default" in result.output
    assert menu["chatBarText"] == "メニュー"
    areas = [(a["action"]["label"], decode(a["action"]["data"])) for a in menu["areas"]]
    assert areas == [
        ("最新号", ("latest", "ja")),
        ("トピック", ("latest topic", "ja")),
        ("気になった記事", ("latest articles", "ja")),
        ("小ネタ", ("latest shorts", "ja")),
        ("編集後記", ("latest afterword", "ja")),
        ("ヘルプ", ("help", "ja")),
    ]
    image = line_api.rich_menu_image(menu_id)
    assert image is not None and image[0] == "image/png"
    with Image.open(io.BytesIO(image[1])) as drawn:
        assert drawn.size == (menu["size"]["width"], menu["size"]["height"])
    assert saved.read_bytes() == image[1]
    # The upload went to the api-data path, which LINE_API_URL redirects too.
    [upload] = line_api.calls(f"/v2/bot/richmenu/{menu_id}/content", "POST")
    assert upload.status == 200


def test_running_it_again_replaces_the_old_menu(line_env: Path, line_api: FakeLineApi) -> None:
    runner = CliRunner()
    assert runner.invoke(cli(), ["line", "richmenu"]).exit_code == 0
    [first] = line_api.rich_menus
    second_run = runner.invoke(cli(), ["line", "richmenu"])
    assert second_run.exit_code == 0
    [second] = line_api.rich_menus
    assert second != first and line_api.default_rich_menu == second
    assert "removed 1 older" in second_run.output


def test_a_dry_run_draws_but_calls_nothing(line_env: Path, line_api: FakeLineApi) -> None:
    saved = line_env / "menu.png"
    result = CliRunner().invoke(cli(), ["line", "richmenu", "--dry-run", "--image", str(saved)])
    assert result.exit_code == 0, result.output
    assert '"chatBarText": "メニュー"' in result.output
    assert saved.stat().st_size > 1000
    assert line_api.calls() == []


def test_without_line_settings_it_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HAISHIN_CONTENT_DIR", str(CONTENT))
    monkeypatch.delenv("LINE_CHANNEL_ACCESS_TOKEN", raising=False)
    result = CliRunner().invoke(cli(), ["line", "richmenu"])
    assert result.exit_code == 1
    assert "LINE_CHANNEL_ACCESS_TOKEN" in result.output


def test_a_refused_upload_is_reported_with_the_step(line_env: Path, line_api: FakeLineApi) -> None:
    line_api.fail_next("/v2/bot/richmenu", 400, message="invalid rich menu")
    result = CliRunner().invoke(cli(), ["line", "richmenu"])
    assert result.exit_code == 1
    assert "rich menu creation failed: HTTP 400 invalid rich menu" in " ".join(
        result.output.split()
    )


def test_the_font_ships_with_the_project_and_a_missing_one_is_explained(tmp_path: Path) -> None:
    assert find_font().is_file()
    with pytest.raises(ConfigError) as missing:
        find_font(tmp_path / "nope.ttf")
    assert "noto-cjk-sans-jp-regular" in str(missing.value)
    assert "fonts-noto-cjk" in FONT_HELP
