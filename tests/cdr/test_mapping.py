from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from callwarden.cdr import builtin_mappings, canonicalize, load_mapping, parse_mapping
from callwarden.errors import ConfigError


def test_builtin_list_and_load() -> None:
    assert "sichuan_voc" in builtin_mappings()
    m = load_mapping("sichuan_voc")
    assert m.swap is not None and m.swap.column == "calltype_id" and m.numbers == "opaque"


def test_custom_mapping_converts_units_formats_values_constants(tmp_path: Path) -> None:
    path = tmp_path / "switch.yaml"
    path.write_text(
        """
name: switch-x
rename: {ts: start_time, a: caller, b: callee, dur_ms: duration_s, res: answered}
convert:
  start_time: {time_format: "%Y%m%d%H%M%S"}
  duration_s: {multiply: 0.001}
  answered: {values: {ANS: "true", NOANS: "false"}}
constants: {ingress: switch-x}
drop: [junk]
"""
    )
    m = load_mapping(path)
    t = pa.table(
        {
            "ts": ["20261128090000"],
            "a": ["13800138000"],
            "b": ["95588"],
            "dur_ms": ["1500"],
            "res": ["ANS"],
            "junk": ["x"],
        }
    )
    row = canonicalize(t, mapping=m).table.to_pylist()[0]
    assert row["start_time"] == datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    assert row["duration_s"] == 1.5 and row["answered"] is True and row["ingress"] == "switch-x"
    assert "junk" not in row


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "top level"),
        ({"renam": {}}, "unknown keys"),
        ({"convert": {"nope": {}}}, "not a canonical column"),
        ({"convert": {"start_time": {"epoch_unit": "days"}}}, "epoch_unit"),
        ({"swap": {"column": "x"}}, "swap lacks"),
        ({"numbers": "hashed"}, "numbers must be"),
    ],
)
def test_bad_mappings_are_config_errors(doc: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_mapping(doc)


def test_missing_mapping_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="neither a file nor a built-in"):
        load_mapping(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rename: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_mapping(bad)


def test_epoch_milliseconds_by_mapping() -> None:
    m = parse_mapping({"convert": {"start_time": {"epoch_unit": "ms"}}})
    t = pa.table(
        {
            "start_time": ["1795741200123", "1795741200", "later"],
            "caller": ["13800138000"] * 3,
            "callee": ["95588"] * 3,
            "duration_s": ["1"] * 3,
        }
    )
    result = canonicalize(t, mapping=m)
    got = [r["start_time"] for r in result.table.to_pylist()]
    assert got == [datetime.fromtimestamp(1795741200.123, UTC)]
    # Seconds read as milliseconds land in 1970: unreadable, like the text.
    assert result.quarantine["reason"].to_pylist() == ["bad_start_time", "bad_start_time"]


def test_a_rename_onto_a_column_swap_makes_is_a_config_error() -> None:
    """docs/ingest.md's example renamed a and b to caller and callee beside a swap: a file
    holding a was refused only when read; now the mapping is (its swap sources may be renamed:
    swap takes them)."""
    swap = {
        "column": "calltype_id",
        "subscriber": "phone_no_m",
        "other": "opposite_no_m",
        "outgoing": [1],
        "incoming": [2],
    }
    with pytest.raises(ConfigError, match=r"rename\.a: 'caller' is made by swap"):
        parse_mapping({"rename": {"a": "caller"}, "swap": swap})
    m = parse_mapping({"rename": {"phone_no_m": "caller"}, "swap": swap})
    assert m.rename == {"phone_no_m": "caller"}
