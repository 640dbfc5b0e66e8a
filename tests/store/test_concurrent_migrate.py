"""Two processes that open one PostgreSQL store at once both migrate it without failing
(store.db.migrate takes an advisory lock): before, both ran the migrations and one failed on
a duplicate table, type or function (10 of 10 rounds of two processes opening an empty
database, bench/pg_migrate_race.py), so of two ``serve`` started together after an upgrade
one did not start."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from callwarden.store.db import current_revision, head_revision, make_engine, migrate

#: a process that migrates ``argv[1]`` once the file ``argv[2]`` exists (after it has
#: imported everything and written ``argv[2]`` + ``argv[3]``: ready)
CHILD = """
import os, sys, time
from callwarden.store.db import make_engine, migrate
engine = make_engine(sys.argv[1])
open(sys.argv[2] + sys.argv[3], "w").close()
while not os.path.exists(sys.argv[2]):
    time.sleep(0.001)
migrate(engine)
"""


@pytest.mark.service
@pytest.mark.parametrize("start", [None, "0007"], ids=["empty", "upgrade"])
def test_two_processes_migrating_at_once_both_succeed(
    pg_database: str, start: str | None, tmp_path: Path
) -> None:
    if start is not None:
        first = make_engine(pg_database)
        migrate(first, start)
        first.dispose()
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, pg_database, str(go), f".ready{i}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    # the deadline only bounds a hang (a child that exits ends the wait at once): two children
    # importing at once took 18.4 s beside two busy loops, against the 60 s this was
    deadline = time.monotonic() + 300
    while not all((tmp_path / f"go.ready{i}").exists() for i in range(2)):
        exited = [p.communicate()[1] for p in procs if p.poll() is not None]
        assert not exited, f"a migrating process exited before it was ready: {exited}"
        assert time.monotonic() < deadline, "the migrating processes did not start"
        time.sleep(0.01)
    go.touch()
    failed = []
    for p in procs:
        try:
            _, err = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
        if p.returncode != 0:
            failed.append([line for line in err.splitlines() if "Error" in line][-1:])
    assert not failed, failed
    engine = make_engine(pg_database)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
