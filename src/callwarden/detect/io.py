"""The versioned model directory: write it, and read it back or say clearly what is wrong.

Layout (format 1)::

    MODEL_DIR/
      manifest.json    format, version, kind (cdr | table), classes, training fingerprint,
                       training config, feature-set version, table options, and
                       ``model_txt``: model.txt's size and SHA-256 (checked before LightGBM
                       parses it: a damaged file crashed the process; directories written
                       before have no ``model_txt`` and get the end-marker check only)
      model.txt        the LightGBM booster (text format)
      features.json    feature names, in the model's column order
      thresholds.json  the flag threshold and what it achieved out of fold
      reference.json   benign medians per feature (direction of reasons)
      metrics.json     training and cross-validation metrics
      training_rows.u64  hashed training rows (``detect.training_rows``; optional: models
                       written before 30 Nov have none); the manifest's ``training_rows``
                       records its rows, size and SHA-256 (since session 18)

Feature definitions (since session 24). features.json holds names only, and a name can
change meaning (``attempts_by_caller_1h`` was the busiest clock hour, then the busiest 60
minutes, sliding). A ``cdr`` model's manifest records ``feature_definitions``: per feature,
``features.definitions.definition_digest`` (the feature's SQL, its source's definition and
the per-call columns they read; ``feature_definitions_scheme`` 2 since the audit's M1, a
record without it hashed less and is compared the old way). Loading a model whose features are defined
otherwise today is refused (``ModelError`` naming them; the fix is to retrain): its trees
would meet values they never saw, and a sliding count can be up to twice the clock hour's, so
it would flag more, silently. A directory without the record was trained on the definitions
before (``LEGACY_DEFINITIONS``: the clock hour). ``CALLWARDEN_ACCEPT_CHANGED_FEATURES=1``
scores with such a model anyway, with a warning (until it is retrained).
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb

import callwarden
from callwarden.detect.model import TrainConfig, TrainedModel
from callwarden.detect.thresholds import Threshold
from callwarden.errors import ModelError
from callwarden.features.definitions import (
    DEFINITION_DIGESTS,
    DIGEST_SCHEME,
    LEGACY_DEFINITIONS,
    changed_definitions,
)

FORMAT = "callwarden-model"
FORMAT_VERSION = 1
FILES = (
    "manifest.json",
    "model.txt",
    "features.json",
    "thresholds.json",
    "reference.json",
    "metrics.json",
)


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(
        json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )


def model_version(training_fingerprint: str, model_txt_sha256: str, thresholds: Any) -> str:
    """The 12 hex that name a model: the training data, the trees and the thresholds. Two
    models trained on the same rows with other settings (rounds, target precision, route
    invariance) have other trees or thresholds, so other versions; the same data, settings
    and seed give the same trees, so the same version. (Before 29 Nov the version was the
    data fingerprint alone: such models shared it, and a verdict could not name its model.)"""
    h = hashlib.sha256()
    for part in (training_fingerprint, model_txt_sha256, json.dumps(thresholds, sort_keys=True)):
        h.update(part.encode())
        h.update(b"\x1f")
    return h.hexdigest()[:12]


def saved_version(model_dir: Path) -> str:
    """``model_version`` of a model directory just written by ``save_model``."""
    return str(_read_json(model_dir / "manifest.json")["model_version"])


def save_model(
    model: TrainedModel, out: Path, *, kind: str, extra: dict[str, Any] | None = None
) -> Path:
    """Write the model directory (created if needed; existing files are replaced)."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_version": "",  # (set below, once model.txt is written)
        "kind": kind,
        "classes": list(model.classes),
        "feature_count": len(model.feature_names),
        "training_fingerprint": model.fingerprint,
        "config": model.config.to_dict(),
        "callwarden_version": getattr(callwarden, "__version__", "0"),
        **(
            {
                "feature_definitions": {
                    n: DEFINITION_DIGESTS[n] for n in model.feature_names if n in DEFINITION_DIGESTS
                },
                "feature_definitions_scheme": DIGEST_SCHEME,
            }
            if kind == "cdr"
            else {}
        ),  # fmt: skip
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **(extra or {}),
    }
    model.booster.save_model(str(out / "model.txt"))
    text = (out / "model.txt").read_bytes()
    manifest["model_txt"] = {"bytes": len(text), "sha256": hashlib.sha256(text).hexdigest()}
    manifest["model_version"] = model_version(
        model.fingerprint, manifest["model_txt"]["sha256"], model.threshold.to_dict()
    )
    _write_json(out / "features.json", list(model.feature_names))
    _write_json(out / "thresholds.json", model.threshold.to_dict())
    _write_json(out / "reference.json", model.reference)
    _write_json(out / "metrics.json", model.metrics)
    _write_json(out / "manifest.json", manifest)
    return out


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelError(f"{path} is not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    except UnicodeDecodeError as exc:
        raise ModelError(
            f"{path} is not UTF-8 text (byte {exc.start}): the file is damaged"
        ) from exc


def _check_model_txt(path: Path, manifest: dict[str, Any]) -> None:
    """A ModelError unless model.txt is whole: LightGBM aborts or segfaults on a damaged one.

    With the manifest's ``model_txt`` the size and SHA-256 must match; without it (model
    directories written before) the text must hold the trees' end marker and end, as
    LightGBM's Python writer ends it, with the ``pandas_categorical:`` line."""
    file = path / "model.txt"
    data = file.read_bytes()
    recorded = manifest.get("model_txt")
    if isinstance(recorded, dict):
        size, digest = recorded.get("bytes"), recorded.get("sha256")
        if len(data) != size:
            problem = f"{len(data):,} bytes where the manifest records {size!r}"
        elif hashlib.sha256(data).hexdigest() != digest:
            problem = "its SHA-256 does not match the manifest's"
        else:
            return
        raise ModelError(
            f"{file} is damaged: {problem}; it is not a LightGBM model as saved "
            "(restore the directory or retrain with 'callwarden train')"
        )
    last = data.rstrip().rsplit(b"\n", 1)[-1]
    if b"\nend of trees\n" not in data or not last.startswith(b"pandas_categorical:"):
        raise ModelError(
            f"{file} is damaged: it does not end as a LightGBM model does (truncated?); "
            "retrain with 'callwarden train'"
        )


#: Set to 1 to score with a model trained on other feature definitions (with a warning). Only
#: 1: another value ("true", "yes") is named in the refusal as not understood, so an operator
#: who meant it knows why it did not take (and "0" or empty plainly means no).
ACCEPT_CHANGED = "CALLWARDEN_ACCEPT_CHANGED_FEATURES"

#: What a model trained on other definitions does wrong when it scores (``load_model``'s
#: ``consequence``; serve, which reads only the threshold, says its own).
SCORES_WRONG = "its trees would score values they never saw"


def _check_definitions(
    path: Path,
    manifest: dict[str, Any],
    features: list[str],
    consequence: str,
    on_changed: Callable[[str], None] | None,
) -> None:
    """A ModelError when the model's features are defined otherwise today (see above)."""
    recorded = manifest.get("feature_definitions")
    # (Records without a scheme are session 24's first: scheme 1.)
    changed = changed_definitions(features, recorded, manifest.get("feature_definitions_scheme", 1))
    if not changed:
        return
    was: dict[str, list[str]] = {}  # the legacy ones by what they were, said once
    for n in changed:
        legacy = recorded is None and n in LEGACY_DEFINITIONS
        was.setdefault(LEGACY_DEFINITIONS[n][1] if legacy else "", []).append(n)
    said = "; ".join(
        ", ".join(ns) + (f" {'was' if len(ns) == 1 else 'were'} {what}" if what else "")
        for what, ns in was.items()
    )
    text = (
        f"model {path} was trained on other definitions of its features ({said}): "
        f"{consequence}. Retrain it with 'callwarden train'"
    )
    value = os.environ.get(ACCEPT_CHANGED)
    if value == "1":
        message = f"{text}; using it anyway ({ACCEPT_CHANGED}=1)"
        if on_changed is None:
            warnings.warn(message, stacklevel=3)
        else:
            on_changed(message)
        manifest["feature_definitions_changed"] = changed
        return
    odd = "" if value in (None, "", "0") else f" ({ACCEPT_CHANGED}={value!r} is not understood)"
    raise ModelError(f"{text}, or set {ACCEPT_CHANGED}=1 to use it anyway{odd}")


def overridden(changed: list[str]) -> dict[str, Any]:
    """What a scan summary or replay report records when ``ACCEPT_CHANGED`` let a model
    trained on other definitions of ``changed`` be used."""
    return {"features": list(changed), "accepted_by": f"{ACCEPT_CHANGED}=1"}


def load_model(
    path: Path,
    *,
    on_changed: Callable[[str], None] | None = None,
    consequence: str = SCORES_WRONG,
) -> tuple[TrainedModel, dict[str, Any]]:
    """Read a model directory; ``ModelError`` naming the file and the problem otherwise.

    A ``cdr`` model trained on other feature definitions is refused, saying ``consequence``
    (what using it would do wrong); under ``ACCEPT_CHANGED`` it loads, the warning goes to
    ``on_changed`` (default: ``warnings.warn``; the CLI's one ``warning:`` line) and the
    manifest lists the features in ``feature_definitions_changed``."""
    if not path.exists():
        raise ModelError(
            f"model directory {path} does not exist (train one with 'callwarden train')"
        )
    if not path.is_dir():
        raise ModelError(f"{path} is not a directory; --model takes a model directory")
    missing = [f for f in FILES if not (path / f).is_file()]
    if missing:
        raise ModelError(f"model directory {path} is incomplete: missing {', '.join(missing)}")
    manifest = _read_json(path / "manifest.json")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelError(f"{path}/manifest.json is not a callwarden model manifest")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelError(
            f"model directory {path} has format version {version!r}; this callwarden reads "
            f"version {FORMAT_VERSION}: retrain with 'callwarden train'"
        )
    features = _read_json(path / "features.json")
    if (
        not isinstance(features, list)
        or not all(isinstance(f, str) for f in features)
        or not features
    ):
        raise ModelError(f"{path}/features.json must be a non-empty list of feature names")
    _check_model_txt(path, manifest)
    try:
        booster = lgb.Booster(model_file=str(path / "model.txt"))
    except lgb.basic.LightGBMError as exc:
        raise ModelError(f"{path}/model.txt is not a LightGBM model: {exc}") from exc
    if booster.feature_name() != features:
        raise ModelError(
            f"{path}/features.json does not match the booster's features "
            f"({len(features)} listed, {booster.num_feature()} in model.txt)"
        )
    classes = manifest.get("classes")
    if not isinstance(classes, list) or len(classes) < 2 or classes[0] != "benign":
        raise ModelError(f"{path}/manifest.json: 'classes' must list 'benign' first and one more")
    want = len(classes) if len(classes) > 2 else 1
    if booster.num_model_per_iteration() != want:
        raise ModelError(
            f"{path}: model.txt scores {booster.num_model_per_iteration()} classes, manifest lists {len(classes)}"
        )
    try:
        threshold = Threshold.from_dict(_read_json(path / "thresholds.json"))
        config = TrainConfig.from_dict(manifest["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(
            f"{path}: thresholds.json or the manifest's config is malformed ({exc})"
        ) from exc
    reference = _read_json(path / "reference.json")
    if not isinstance(reference, dict):
        raise ModelError(f"{path}/reference.json must be an object of feature medians")
    if manifest.get("kind") == "cdr":
        _check_definitions(path, manifest, features, consequence, on_changed)
    model = TrainedModel(
        booster=booster,
        classes=tuple(classes),
        feature_names=tuple(features),
        threshold=threshold,
        reference=reference,
        config=config,
        fingerprint=str(manifest.get("training_fingerprint", "")),
        metrics=_read_json(path / "metrics.json"),
    )
    return model, manifest
