"""An app over a fresh SQLite store, with one key of each role (two subscribers)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.store import Role, Store

ALICE = "+8613800138000"
BOB = "+8613900139000"


def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store for a test parametrised on ``sqlite`` and ``postgresql``."""
    if request.param == "sqlite":
        return str(tmp_path / "api.db")
    return str(request.getfixturevalue("pg_database"))


def keyed_store(
    url: str, clock: Callable[[], float], keys: dict[str, str] | None = None
) -> tuple[Store, dict[str, str]]:
    """The store at ``url`` on ``clock``, with a key of each role (two subscribers), or with
    ``keys`` made already (a second worker on the same store)."""
    store = Store.open(url, clock=clock)
    if keys is None:
        keys = {
            "operator": store.create_key(Role.OPERATOR)[1],
            "network": store.create_key(Role.NETWORK)[1],
            "screener": store.create_key(Role.SCREENER)[1],
            "alice": store.create_key(Role.SUBSCRIBER, ALICE)[1],
            "bob": store.create_key(Role.SUBSCRIBER, BOB)[1],
        }
    return store, keys


@dataclass
class Api:
    client: TestClient
    store: Store
    keys: dict[str, str]

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def get(self, path: str, who: str | None = None, **kw: object):  # type: ignore[no-untyped-def]
        return self.client.get(path, headers=self.h(who) if who else None, **kw)  # type: ignore[arg-type]

    def post(self, path: str, who: str | None = None, **kw: object):  # type: ignore[no-untyped-def]
        return self.client.post(path, headers=self.h(who) if who else None, **kw)  # type: ignore[arg-type]

    def put(self, path: str, who: str | None = None, **kw: object):  # type: ignore[no-untyped-def]
        return self.client.put(path, headers=self.h(who) if who else None, **kw)  # type: ignore[arg-type]

    def delete(self, path: str, who: str | None = None):  # type: ignore[no-untyped-def]
        return self.client.delete(path, headers=self.h(who) if who else None)


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A migrated store with the keys, made once and copied per test (migrations take time)."""
    path = tmp_path_factory.mktemp("template") / "api.db"
    store = Store.open(str(path))
    keys = {
        "operator": store.create_key(Role.OPERATOR)[1],
        "network": store.create_key(Role.NETWORK)[1],
        "screener": store.create_key(Role.SCREENER)[1],
        "alice": store.create_key(Role.SUBSCRIBER, ALICE)[1],
        "bob": store.create_key(Role.SUBSCRIBER, BOB)[1],
    }
    store.close()
    return path, keys


@pytest.fixture
def api(tmp_path: Path, template: tuple[Path, dict[str, str]]) -> Iterator[Api]:
    shutil.copy(template[0], tmp_path / "api.db")
    keys = template[1]
    store = Store.open(str(tmp_path / "api.db"))
    settings = ApiSettings(
        db=str(tmp_path / "api.db"), redress_base="https://op.example/v1/redress/"
    )
    app = create_app(settings, store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, store, keys)
    store.close()
