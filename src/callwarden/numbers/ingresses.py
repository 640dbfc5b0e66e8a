"""Carrier configuration of ingress kinds: ``ingresses.csv`` (``ingress,kind``).

Which trunks are international gateways is the carrier's knowledge, not something CDRs
say. The file names each ingress (as the CDRs' ``ingress`` column spells it: names match
exactly, after trimming spaces) and its kind, one of ``KINDS``: ``international`` for an
international gateway (calls from abroad), ``own`` (the carrier's own switches),
``interconnect`` (another domestic carrier), ``enterprise`` (SIP trunks, enterprise lines),
as the simulator writes them; only ``international`` is read yet. Kinds are compared trimmed
and in lower case; any other kind is an error naming its line (a misspelt ``intl`` silently
turned the rule off). Reading is the only I/O here; the rest is values (``IngressKinds``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from callwarden.errors import InputError
from callwarden.numbers._carrier_csv import read_rows

INTERNATIONAL = "international"
#: the ingress kinds a file may name
KINDS = (INTERNATIONAL, "own", "interconnect", "enterprise")
COLUMNS = ("ingress", "kind")


@dataclass(frozen=True)
class IngressKinds:
    """Ingress name -> kind (lower case)."""

    kinds: Mapping[str, str] = field(default_factory=dict)

    @property
    def international(self) -> frozenset[str]:
        """The ingresses that are international gateways."""
        return frozenset(n for n, k in self.kinds.items() if k == INTERNATIONAL)

    def is_international(self, ingress: str) -> bool:
        return self.kinds.get(ingress) == INTERNATIONAL

    def international_mask(self, names: Sequence[str]) -> np.ndarray:
        """True per name that is an international gateway: indexed by an interner's codes,
        so the per-call test is one array look-up (``mask[code]``)."""
        intl = self.international
        return np.fromiter((n in intl for n in names), bool, len(names))


def read_ingresses(path: str | Path) -> IngressKinds:
    """``ingresses.csv``: a header ``ingress,kind`` (in either order), then one row per
    ingress. A missing or unreadable file, another header, a blank ingress or kind, a kind
    not in ``KINDS``, or one ingress given two kinds is an InputError naming the file and
    the line; an ingress
    listed twice with the same kind is kept once."""
    p = Path(path)
    rows, at = read_rows(p, "ingresses", COLUMNS)
    at_ingress, at_kind = at["ingress"], at["kind"]
    kinds: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        if not row or not any(c.strip() for c in row):
            continue  # a blank line
        if len(row) != 2:
            raise InputError(f"ingresses file {p} line {line}: {len(row)} fields, not 2: {row!r}")
        name, kind = row[at_ingress].strip(), row[at_kind].strip().lower()
        if not name:
            raise InputError(f"ingresses file {p} line {line}: the ingress is blank")
        if not kind:
            raise InputError(f"ingresses file {p} line {line}: ingress {name!r} has no kind")
        if kind not in KINDS:
            raise InputError(
                f"ingresses file {p} line {line}: ingress {name!r} has kind {row[at_kind]!r}; "
                f"the kinds are {', '.join(KINDS)}"
            )
        old = kinds.get(name)
        if old is not None and old != kind:
            raise InputError(
                f"ingresses file {p} line {line}: ingress {name!r} is {kind!r} here and "
                f"{old!r} on line {first_line[name]}"
            )
        kinds[name] = kind
        first_line.setdefault(name, line)
    return IngressKinds(kinds)
