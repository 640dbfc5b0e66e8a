"""SQL over the integer number keys a canonical relation may carry (``caller_key``,
``callee_key``: ``callwarden.cdr.schema.NUMBER_KEY_COLUMNS``).

With them the feature query neither parses the number strings nor reads them: the look-ups
are keyed by the same integers (one row per number), and the home province (归属地) rides on
the number's row, found through the integer form of its ``HOME_PREFIX`` characters.
"""

from __future__ import annotations

#: Characters of an E.164 number that fix its home region (+86 and a 7-digit mobile block).
HOME_PREFIX = 10

#: The integer number keys a canonical relation may carry (``callwarden.cdr.schema``:
#: ``caller == '+' || caller_key`` wherever the key is not NULL; 1-15 digits).
CALLER_KEY, CALLEE_KEY = "caller_key", "callee_key"


def prefix_key_sql(key: str) -> str:
    """SQL (with the ``INT_DIV`` macro a ``Dialect`` expands) for the home-region prefix of a
    number key as an integer: the digits of
    ``SUBSTR('+' || key, 1, HOME_PREFIX)`` (keys of 1-15 digits; digits never start with 0,
    so the integer is the prefix)."""
    n = HOME_PREFIX - 1
    whens = " ".join(
        f"WHEN {key} < {10**d} THEN INT_DIV({key}, {10 ** (d - n)})" for d in range(n + 1, 16)
    )
    return f"CASE WHEN {key} < {10**n} THEN {key} {whens} END"


def keyed_facts_sql(
    caller_facts: str | None, home_regions: str | None, act: str | None
) -> tuple[str, str]:
    """(per-number relation ``k, unallocated[, act][, region]`` or "", the home-region
    expression) for keyed look-ups: one row per number already, so no GROUP BY, and the home
    province rides on the number's row (one join per call instead of two). ``act``: the
    flag's expression over the facts (alias ``f``), from ``sql.scored_sql``."""
    if not caller_facts:
        return "", "hr.region" if home_regions else "CAST(NULL AS VARCHAR)"
    cols = ["f.number_key AS k", "f.unallocated"]
    if act:
        cols.append(f"{act} AS act")
    join = ""
    if home_regions:
        cols.append("hr.region")
        join = f" LEFT JOIN {home_regions} hr ON hr.prefix_key = {prefix_key_sql('f.number_key')}"
    home = "reg.region" if home_regions else "CAST(NULL AS VARCHAR)"
    return f"SELECT {', '.join(cols)} FROM {caller_facts} f{join}", home
