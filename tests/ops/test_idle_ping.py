"""Connections the database dropped: an idle one is tested and replaced before use; a busy one fails once."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from meetingprep.extensions import db

pytestmark = [pytest.mark.postgres_only, pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                                            reason="needs PostgreSQL (TEST_DATABASE_URL)")]

IDLE_SECONDS = 1.0
APPLICATION_NAME = "meetingprep-idle-ping-test"


@pytest.fixture
def app_config(app_config):
    """Production's pool settings (the suite's default adds pool_pre_ping), named so the test can find them."""
    options = {key: value for key, value in app_config["SQLALCHEMY_ENGINE_OPTIONS"].items() if key != "pool_pre_ping"}
    options["connect_args"] = {**options.get("connect_args", {}), "application_name": APPLICATION_NAME}
    return {**app_config, "SQLALCHEMY_ENGINE_OPTIONS": options, "DATABASE_PING_IDLE_SECONDS": IDLE_SECONDS}


def _backend_pid() -> int:
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _server_drops_the_connections() -> int:
    """What a database restart or a firewall's idle timeout does to the pool's connections."""
    admin = create_engine(os.environ["TEST_DATABASE_URL"])
    try:
        with admin.begin() as connection:
            return len(connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": APPLICATION_NAME}).all())
    finally:
        admin.dispose()


@pytest.fixture
def pooled(app):
    db.session.remove()
    db.engine.dispose()
    first = _backend_pid()  # now idle in the pool
    assert _server_drops_the_connections() >= 1
    return first


def test_a_connection_dropped_while_idle_is_replaced_before_use(pooled):
    time.sleep(IDLE_SECONDS + 0.2)
    assert _backend_pid() != pooled  # no error: the checkout tested it and took a new one


def test_a_connection_dropped_between_busy_requests_fails_once_then_the_pool_recovers(pooled):
    """Not tested (that round trip is what the idle rule saves), so its request gets the 503 page; the
    disconnect replaces the pool, and the next request works."""
    with pytest.raises(DBAPIError) as failure:
        _backend_pid()
    assert failure.value.connection_invalidated
    assert _backend_pid() != pooled
