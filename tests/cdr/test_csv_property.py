"""Hypothesis: any text in pass-through columns survives CSV quoting, encodings and gzip."""

from __future__ import annotations

import csv
import gzip
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callwarden.cdr import ingest, load_cdrs

# Text a CDR note column may hold: commas, quotes, Chinese, emoji; no line breaks (see docs).
notes = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"), blacklist_characters="\r\n\x85\u2028\u2029"
    ),
    max_size=20,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(notes, min_size=1, max_size=12), st.sampled_from(["utf-8", "gb18030", "gzip"]))
def test_extras_round_trip(values: list[str], encoding: str) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["start_time", "caller", "callee", "duration_s", "note"])
    for i, v in enumerate(values):
        w.writerow([f"2026-11-28 09:{i // 60:02d}:{i % 60:02d}", "13800138000", "95588", i, v])
    text = buf.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("in.csv.gz" if encoding == "gzip" else "in.csv")
        data = text.encode("utf-8" if encoding == "gzip" else encoding)
        path.write_bytes(gzip.compress(data) if encoding == "gzip" else data)
        # Named, not detected: a short GB18030 text can also be valid UTF-8 (detection is
        # tested on the golden GBK file).
        named = "gb18030" if encoding == "gb18030" else None
        summary = ingest([path], Path(tmp) / "out", encoding=named)
        got = load_cdrs(Path(tmp) / "out").sort_by("start_time")["note"].to_pylist()
    assert summary.rows_quarantined == 0
    # An all-blank line is not a call; a row whose only text is in `note` is still a row.
    assert got == values
