"""Call records: the canonical schema, readers, mapping files, validation and quarantine.

Public API::

    canonicalize(table, tz=..., region=..., mapping=...) -> Canonical   # pure, in memory
    ingest(inputs, out, ...) -> IngestSummary                            # files -> dataset
    load_cdrs(path) -> pa.Table;  cdr_relation_sql(path) -> str          # reading back
    load_mapping(path_or_name) -> Mapping                                # YAML layouts
"""

from __future__ import annotations

from .canonical import Canonical, Reason, apply_mapping, canonicalize, check_columns
from .dataset import cdr_relation_sql, load_cdrs
from .ingest import IngestSummary, ingest
from .mapping import Mapping, builtin_mappings, load_mapping, parse_mapping

__all__ = [
    "Canonical",
    "IngestSummary",
    "Mapping",
    "Reason",
    "apply_mapping",
    "builtin_mappings",
    "canonicalize",
    "cdr_relation_sql",
    "check_columns",
    "ingest",
    "load_cdrs",
    "load_mapping",
    "parse_mapping",
]
