"""The seam to screening: per-call script clusters (and audio fingerprints) for linking.

``callwarden.screening`` owns script recognition (character n-gram MinHash over the caller's
turns) and audio fingerprinting; campaign linking only needs, per call, which cluster it falls
in. A singleton cluster links nothing and is dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa


def caller_text(turns: Iterable[Mapping[str, Any]]) -> str:
    """What the caller said, in order (the part a recording or script repeats)."""
    return "".join(str(t.get("text", "")) for t in turns if t.get("speaker") == "caller")


def script_clusters(transcripts: Iterable[Mapping[str, Any]], threshold: float = 0.5) -> pa.Table:
    """``call_id, cluster, category`` for transcripts that share a script with another call.

    ``transcripts``: records with ``call_id`` and ``turns`` (speaker, text), as the simulator
    and the screening assistant write them. Ground-truth fields, if present, are ignored.
    ``category`` is screening's keyword categoriser on the caller's words ('' when unknown).
    """
    from callwarden.screening.categories import Category, categorise
    from callwarden.screening.scripts import cluster_scripts

    recs = [(str(r["call_id"]), caller_text(r.get("turns", ()))) for r in transcripts]
    if not recs:
        empty = pa.array([], pa.string())
        return pa.table({"call_id": empty, "cluster": empty, "category": empty})
    labels = cluster_scripts([t for _, t in recs], threshold=threshold)
    sizes = Counter(int(x) for x in labels)
    keep = [
        (cid, f"s{int(lab)}", text)
        for (cid, text), lab in zip(recs, labels, strict=True)
        if sizes[int(lab)] > 1
    ]
    cats = [categorise(t).category for _, _, t in keep]
    return pa.table(
        {
            "call_id": pa.array([k[0] for k in keep], pa.string()),
            "cluster": pa.array([k[1] for k in keep], pa.string()),
            "category": pa.array(
                ["" if c is Category.UNKNOWN else c.value for c in cats], pa.string()
            ),
        }
    )


def fingerprint_clusters(fingerprints: Mapping[str, str]) -> pa.Table:
    """``call_id, cluster`` from precomputed audio fingerprints (call id -> fingerprint id).

    Fingerprinting itself (chromaprint via ``pyacoustid``) belongs to screening; identical
    fingerprint ids mean the same recording was played.
    """
    sizes = Counter(fingerprints.values())
    keep = [(c, f) for c, f in fingerprints.items() if sizes[f] > 1]
    return pa.table(
        {
            "call_id": pa.array([k[0] for k in keep], pa.string()),
            "cluster": pa.array([k[1] for k in keep], pa.string()),
        }
    )
