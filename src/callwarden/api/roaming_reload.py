"""``serve`` re-reads ``roaming.csv`` when the file changes (audit 25b H2).

The roaming list is the HLR's snapshot of who is abroad; a list read once at start would,
after a day, reject the calls home of everyone who left since (608, as spoofed). The other
things ``serve`` holds come from the store and are refreshed by its notifications
(``api.invalidation``); this list is a file, so a thread looks at the file's modification
time and size every ``CHECK_S`` seconds and, when they changed, reads it again and swaps the
rule (``AppState.abroad``: one attribute assignment, so a decide sees the old list or the new
one, never a mix).

A file changed within the last ``SETTLE_S`` is left to the next look (a writer may still be
writing it). A file that cannot be read whole (missing, half-written, a bad line) keeps the
list in force and logs one warning line per version of the file; write the new list beside
it and rename it over the old one (atomic) to avoid even that.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from callwarden.errors import InputError

if TYPE_CHECKING:
    from callwarden.api.state import AppState

log = logging.getLogger(__name__)

#: how often the file's modification time is looked at
CHECK_S = 5.0
#: a file modified more recently than this is read at the next look, not now
SETTLE_S = 1.0


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class RoamingReload:
    """Watches ``path`` and swaps ``state.abroad``'s roaming list when the file changes; its
    naive times are read in ``tz``, the zone the server was started with (``serve --tz``), as
    at start."""

    def __init__(self, state: AppState, path: Path, tz: str, check_s: float = CHECK_S) -> None:
        self.state = state
        self.path = Path(path)
        self.tz = tz
        self.check_s = check_s
        #: the signature of the version in force (read at start by the caller)
        self.loaded = _signature(self.path)
        #: the signature of the last version that failed, logged once (None: the file gone)
        self._failed: tuple[int, int] | None = (-1, -1)
        self.reloads = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cw-roaming-reload", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.check_s):
            self.check()

    def check(self, now: float | None = None) -> bool:
        """Read the file again if it changed and has settled; True when the list was swapped."""
        from callwarden.numbers.roaming import read_roaming

        sig = _signature(self.path)
        if sig == self.loaded or sig == self._failed:
            return False
        if sig is None:
            self._fail(sig, "it is gone")
            return False
        if (time.time() if now is None else now) - sig[0] / 1e9 < SETTLE_S:
            return False  # still being written, perhaps: the next look reads it
        rule = self.state.abroad
        if rule is None:
            return False
        try:
            trips = read_roaming(self.path, tz=self.tz)
        except InputError as exc:
            self._fail(sig, str(exc))
            return False
        if _signature(self.path) != sig:  # changed while read: the next look reads it again
            return False
        self.state.abroad = dataclasses.replace(rule, roaming=trips)
        self.loaded, self._failed = sig, (-1, -1)
        self.reloads += 1
        log.info("roaming list re-read: %d numbers from %s", len(trips), self.path)
        return True

    def _fail(self, sig: tuple[int, int] | None, why: str) -> None:
        self._failed = sig
        log.warning("roaming list %s not re-read, the one in force stays: %s", self.path, why)
