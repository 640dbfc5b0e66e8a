"""The verdicts ``decide`` reads, by number, held in memory by each API worker.

The store's rows are kept as they were read (reasons still JSON text) and become ``Verdict``
values the first time a call asks for one: parsing every row's reasons into values was most
of what ``serve`` spent before it could listen (2 M verdicts: ~30 CPU-s), while one day's
calls ask for a small share of the stored numbers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping

from callwarden.policy import Verdict
from callwarden.store.verdict_rows import VerdictRow, verdict_from_tuple


class VerdictCache:
    """number -> ``Verdict``; rows given at start are parsed on first read.

    Writes (``cache[number] = verdict``, ``update``) replace the entry. A row parsed by one
    thread while another writes the same number never overwrites the newer write: the parsed
    value is stored only if the entry is still the row it came from.
    """

    __slots__ = ("_items", "_lock")

    def __init__(self, rows: Iterable[VerdictRow] = ()) -> None:
        self._items: dict[str, Verdict | VerdictRow] = {r[0]: r for r in rows}
        self._lock = threading.Lock()

    def get(self, number: str, default: Verdict | None = None) -> Verdict | None:
        item = self._items.get(number)
        if item is None:
            return default
        if isinstance(item, Verdict):
            return item
        value = verdict_from_tuple(item)
        with self._lock:  # once per number: parsed values replace rows
            if self._items.get(number) is item:
                self._items[number] = value
                return value
        return self.get(number, default)  # written meanwhile: the newer value

    def __getitem__(self, number: str) -> Verdict:
        v = self.get(number)
        if v is None:
            raise KeyError(number)
        return v

    def __setitem__(self, number: str, verdict: Verdict) -> None:
        with self._lock:
            self._items[number] = verdict

    def update(self, verdicts: Mapping[str, Verdict]) -> None:
        with self._lock:
            self._items.update(verdicts)

    def discard(self, number: str) -> None:
        """The number has no verdict any more (the store dropped it)."""
        with self._lock:
            self._items.pop(number, None)

    def __contains__(self, number: object) -> bool:
        return number in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._items))
