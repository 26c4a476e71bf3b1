"""Our migrations create exactly the tables slack_sdk's SQLAlchemy stores expect."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import Connection, MetaData, String

from core.storage.database import Database
from core.storage.slack_tables import TOKEN_COLUMNS, TOKEN_LENGTH

SLACK_TABLES = {"slack_installations", "slack_bots", "slack_oauth_states"}


def slack_sdk_metadata() -> MetaData:
    """slack_sdk's tables, with the one change we make: token columns wide enough for an
    encrypted token."""
    metadata = MetaData()
    AsyncSQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations")
    AsyncSQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
    AsyncSQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")
    for table, columns in TOKEN_COLUMNS.items():
        for column in columns:
            assert metadata.tables[table].c[column].type.length == 200  # type: ignore[attr-defined]
            metadata.tables[table].c[column].type = String(TOKEN_LENGTH)
    return metadata


async def test_slack_tables_match_slack_sdk_column_for_column(database: Database) -> None:
    expected = slack_sdk_metadata()
    assert set(expected.tables) == SLACK_TABLES

    def differences(conn: Connection) -> list[object]:
        def only_slack(obj: object, name: str | None, kind: str, *_: object) -> bool:
            table = getattr(obj, "table", obj)
            return getattr(table, "name", name) in SLACK_TABLES

        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": only_slack}
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [
                d
                for d in compare_metadata(context, expected)
                if not (d[0] == "remove_table" and d[1].name not in SLACK_TABLES)
            ]

    async with database.engine.connect() as conn:
        assert await conn.run_sync(differences) == []


async def test_slack_sdk_async_stores_work_on_the_migrated_database(database: Database) -> None:
    installations = AsyncSQLAlchemyInstallationStore(client_id="111.222", engine=database.engine)
    await installations.async_save(
        Installation(
            app_id="A111",
            enterprise_id=None,
            team_id="T123",
            team_name="Newsroom",
            bot_token="xoxb-test-token",
            bot_id="B111",
            bot_user_id="U111",
            bot_scopes=["chat:write", "commands"],
            user_id="U999",
        )
    )
    bot = await installations.async_find_bot(enterprise_id=None, team_id="T123")
    assert bot is not None and bot.bot_token == "xoxb-test-token"
    found = await installations.async_find_installation(enterprise_id=None, team_id="T123")
    assert found is not None and found.team_name == "Newsroom"

    states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=database.engine)
    state = await states.async_issue()
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False, "a state is good for one install"
