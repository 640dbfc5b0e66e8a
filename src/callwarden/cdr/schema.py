"""The canonical CDR schema, version 1 (``../shared/docs/cdr-schema.md``), as Arrow types.

Everything downstream of a reader sees only these columns (plus pass-through extras).
Numbers are stored normalised to E.164 (``+8613800138000``); times are UTC.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = 1

REQUIRED_COLUMNS: tuple[str, ...] = ("start_time", "caller", "callee", "duration_s")

#: Canonical column -> Arrow type of the stored (normalised) value.
CANONICAL_TYPES: dict[str, pa.DataType] = {
    "call_id": pa.string(),
    "start_time": pa.timestamp("us", tz="UTC"),
    "caller": pa.string(),
    "callee": pa.string(),
    "duration_s": pa.float64(),
    "answered": pa.bool_(),
    "ring_s": pa.float64(),
    "release_cause": pa.int16(),
    "ingress": pa.string(),
    "asserted_caller": pa.string(),
    "attestation": pa.string(),
    "caller_region": pa.string(),
    "callee_region": pa.string(),
    "imei": pa.string(),
}

OPTIONAL_COLUMNS: tuple[str, ...] = tuple(c for c in CANONICAL_TYPES if c not in REQUIRED_COLUMNS)

#: Schema of a fully populated canonical table (extras, if any, follow these columns).
CANONICAL_SCHEMA = pa.schema([pa.field(name, typ) for name, typ in CANONICAL_TYPES.items()])

#: Derived, optional columns that canonical writers (ingest, the simulator) add after the
#: canonical ones: each number's E.164 digits as an integer (``+8613800138000`` ->
#: 8613800138000), NULL where the number is not ``+`` and 1-15 digits without a leading zero.
#: Wherever a key is not NULL the number is exactly ``'+' || key``, so readers may group and
#: join on the integer instead of parsing the string each time (scan's feature query does
#: when every row has both keys). Not part of the input contract: numbers stay strings.
NUMBER_KEY_COLUMNS: dict[str, str] = {"caller": "caller_key", "callee": "callee_key"}

#: Hive partition column of an ingested dataset (``DIR/cdrs/day=2026-11-28/...``).
PARTITION_COLUMN = "day"

#: Q.850 release causes that callwarden reads meaning from.
CAUSE_UNALLOCATED = 1
CAUSE_NORMAL_CLEARING = 16
CAUSE_USER_BUSY = 17
CAUSE_NO_USER_RESPONDING = 18
CAUSE_NO_ANSWER = 19
CAUSE_CALL_REJECTED = 21
CAUSE_NORMAL_UNSPECIFIED = 31

LABELS: tuple[str, ...] = ("benign", "harassment", "fraud")
