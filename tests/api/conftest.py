"""API fixtures: one app over the session atlas and a sample ledger, called in-process.

``client`` is a session-scoped :class:`AppClient` (httpx over the ASGI app,
no socket). ``tokens`` holds one token per role and organisation of the matrix.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_helpers import PRINCIPALS, make_settings
from asgi_client import AppClient
from fastapi import FastAPI

from orechain.server import create_app
from orechain.services.ledger import ensure_ledger
from orechain.services.tokens import TokenStore
from orechain.settings import Settings


@pytest.fixture(scope="session")
def api_settings(atlas_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = make_settings(
        atlas_path,
        tmp_path_factory.mktemp("api"),
        rate_limit_per_minute=0,
        anonymous_rate_limit_per_minute=0,
    )
    ensure_ledger(settings)
    return settings


@pytest.fixture(scope="session")
def app(api_settings: Settings) -> FastAPI:
    return create_app(api_settings)


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[AppClient]:
    with AppClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def tokens(api_settings: Settings) -> dict[str, str | None]:
    store = TokenStore(api_settings.database_url)
    out: dict[str, str | None] = {}
    for who, spec in PRINCIPALS.items():
        out[who] = None if spec is None else store.create(spec[0], spec[1], label=who)[0]
    store.close()
    return out
