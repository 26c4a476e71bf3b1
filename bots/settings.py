"""Configuration, read once at the edge from the environment (and a ``.env`` file)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from core.storage.secrets import TokenCipher


class Settings(BaseSettings):
    """Every setting haishin reads; names match ``../shared/interface.md``."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field("sqlite:///haishin.db", validation_alias="HAISHIN_DATABASE_URL")
    content_dir: Path = Field(Path("content"), validation_alias="HAISHIN_CONTENT_DIR")
    admin_token: str | None = Field(None, validation_alias="HAISHIN_ADMIN_TOKEN")
    public_url: str | None = Field(None, validation_alias="HAISHIN_PUBLIC_URL")
    log_format: Literal["plain", "json"] = Field("plain", validation_alias="HAISHIN_LOG_FORMAT")
    log_level: str = Field("INFO", validation_alias="HAISHIN_LOG_LEVEL")
    # How late an issue may still go to on-publish subscriptions (a server down for a week,
    # or a folder of old issues ingested at once, sends no flood).
    catch_up_days: float = Field(3.0, ge=0, validation_alias="HAISHIN_CATCH_UP_DAYS")
    # Fernet keys, newest first, comma-separated: stored Slack tokens are encrypted with them.
    token_key: str | None = Field(None, validation_alias="HAISHIN_TOKEN_KEY", repr=False)

    slack_signing_secret: str | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_bot_token: str | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_client_id: str | None = Field(None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(None, validation_alias="SLACK_CLIENT_SECRET")
    slack_api_url: str | None = Field(None, validation_alias="SLACK_API_URL")

    line_channel_secret: str | None = Field(None, validation_alias="LINE_CHANNEL_SECRET")
    line_channel_access_token: str | None = Field(
        None, validation_alias="LINE_CHANNEL_ACCESS_TOKEN"
    )
    line_api_url: str | None = Field(None, validation_alias="LINE_API_URL")
    # Seconds after a Slack send ended without an answer until it can no longer land
    # (README: "Exactly once on a slow platform"); default the send timeout plus 45 s.
    settle_seconds: float | None = Field(None, validation_alias="HAISHIN_SETTLE_SECONDS")
    # Seconds one Slack send may take. Lower only: the delivery worker's fencing margin
    # (core.delivery.worker.FENCE_MARGIN) counts on no send call lasting longer than 15 s.
    send_timeout_seconds: int = Field(
        15, ge=1, le=15, validation_alias="HAISHIN_SEND_TIMEOUT_SECONDS"
    )

    @property
    def slack_oauth(self) -> bool:
        """Multi-workspace install: client id, secret and signing secret are all set."""
        return bool(self.slack_client_id and self.slack_client_secret and self.slack_signing_secret)

    @property
    def slack_enabled(self) -> bool:
        """Slack runs with a single bot token or with OAuth."""
        return self.slack_oauth or bool(self.slack_bot_token and self.slack_signing_secret)

    def slack_token_cipher(self) -> TokenCipher:
        """The keys multi-workspace Slack stores each workspace's bot token with.

        Raises:
            ConfigError: ``HAISHIN_TOKEN_KEY`` is unset, or holds something not a key.
        """
        from core.errors import ConfigError
        from core.storage.secrets import KEY_VARIABLE, TokenCipher, new_key_hint

        cipher = TokenCipher.from_setting(self.token_key)
        if cipher is None:
            raise ConfigError(
                "Slack is set to install into workspaces (SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET), which keeps each workspace's bot token in the "
                f"database; haishin stores those encrypted, with the key in {KEY_VARIABLE}: "
                f"{new_key_hint()} (keep it safe: without it the installs must be made again)"
            )
        return cipher

    @property
    def profile_path(self) -> Path:
        """The newsletter profile inside the content folder."""
        return self.content_dir / "newsletter.toml"

    @property
    def issues_dir(self) -> Path:
        """Where issue files live."""
        return self.content_dir / "issues"
