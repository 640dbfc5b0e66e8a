"""``serve`` lapses the live labels when they fall due (docs/policy.md, "Labelled by the
screener" and "Community labels").

A screener's label rests on screened calls of the 28 days before it, and nothing renews it: a
labelled number is rejected at strict before any screening and is not screened at standard.
So it lapses ``label_days`` after it was given (``serve --screened-label-days``, 28 by
default, the window its evidence counted over; 0: never), and the verdict it replaced comes
back (``Store.lapse_screened_labels``). A community label stands while the number's reports
meet the community bar over the live 28 days; once they no longer do (reports aged out, or
the number called more people since), it lapses the same way
(``Store.lapse_community_labels``).

A thread looks once at start, then for the screener's labels every ``CHECK_S`` seconds (an
index read of a few rows) and for the community's every ``COMMUNITY_CHECK_S`` (a tally per
label), and puts what lapsed in this worker's verdict cache; other PostgreSQL workers hear it
from the verdicts table's notification, and each looks too (the store's guarded writes let
one of them lapse a label, once). So a label acts at most ``CHECK_S`` (community:
``COMMUNITY_CHECK_S``) past its due time. When the store cannot be read, the sweep waits for
the next look, with one warning line a ``WARN_EVERY_S``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from callwarden.store.label_lapse import LapsedLabel

if TYPE_CHECKING:
    from callwarden.api.state import AppState

log = logging.getLogger(__name__)

DAY = 86400.0
#: how often the store is asked for screener labels due to lapse (an index read: a few rows)
CHECK_S = 60.0
#: how often the community labels are tallied again (a few reads per label)
COMMUNITY_CHECK_S = 3600.0
WARN_EVERY_S = 600.0
ACTOR = "serve:lapse"


class LabelLapse:
    """Lapses ``state.store``'s screener labels older than ``days`` (0: never) and its
    community labels whose reports no longer meet the bar, and refreshes ``state``'s verdict
    cache with what replaced them."""

    def __init__(
        self,
        state: AppState,
        days: int,
        check_s: float = CHECK_S,
        community_check_s: float = COMMUNITY_CHECK_S,
    ) -> None:
        if days < 0:
            raise ValueError(f"a label's life must be a whole number of days >= 0, not {days}")
        self.state = state
        self.days = days
        self.check_s = check_s
        self.community_check_s = community_check_s
        #: labels this worker lapsed since it started (screener's, community's)
        self.lapsed = 0
        self.community_lapsed = 0
        self._warned_at = -WARN_EVERY_S
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cw-label-lapse", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        community_at = time.monotonic()
        self._look(self.sweep_community)
        self._look(self.sweep)
        while not self._stop.wait(self.check_s):
            if time.monotonic() - community_at >= self.community_check_s:
                community_at = time.monotonic()
                self._look(self.sweep_community)
            self._look(self.sweep)

    def _look(self, sweep: Callable[[], list[str]]) -> None:
        try:
            sweep()
        except Exception as exc:  # the store down or closing: the next look tries again
            now = time.monotonic()
            if now - self._warned_at >= WARN_EVERY_S:
                self._warned_at = now
                log.warning("live labels due to lapse were not all lapsed: %s", exc)

    def _going(self) -> bool:
        return not self._stop.is_set()

    def _screened(self, lapsed: list[LapsedLabel]) -> None:
        """A chunk committed: into this worker's cache at once (a later chunk may fail), and
        the community labels it gave back tallied at once (their reports may be older than
        28 days by now: audit 30a L1; per chunk, so a later failure cannot skip them: 30b L2)."""
        self.state.refresh_verdicts([x.number for x in lapsed])
        self.lapsed += len(lapsed)
        back = [
            x.number for x in lapsed if x.restored is not None and x.restored.source == "reports"
        ]
        if back:
            self.state.store.lapse_community_labels(
                numbers=back, actor=ACTOR, on_lapsed=self._community
            )

    def _community(self, lapsed: list[LapsedLabel]) -> None:
        self.state.refresh_verdicts([x.number for x in lapsed])
        self.community_lapsed += len(lapsed)

    def sweep(self) -> list[str]:
        """Lapse the screener's labels due now; the numbers whose verdict changed. A label
        that had merged over a community label gives it back, and that label is tallied at
        once (``_screened``)."""
        if self.days == 0:
            return []
        store = self.state.store
        due = store.clock() - self.days * DAY
        lapsed = store.lapse_screened_labels(
            due, actor=ACTOR, on_lapsed=self._screened, keep_going=self._going
        )
        if lapsed:
            log.info("%d screener labels lapsed (given over %d days ago)", len(lapsed), self.days)
        return [x.number for x in lapsed]

    def sweep_community(self) -> list[str]:
        """Lapse the community labels whose reports no longer meet the bar; the numbers."""
        lapsed = self.state.store.lapse_community_labels(
            actor=ACTOR, on_lapsed=self._community, keep_going=self._going
        )
        if lapsed:
            log.info("%d community labels lapsed (reports under the bar)", len(lapsed))
        return [x.number for x in lapsed]
