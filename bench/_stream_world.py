"""Shared set-up of bench/replay.py and bench/decide.py: simulated days and a trained model.

``--cdrs DIR --model DIR`` reuse existing ones; otherwise seed 1 is simulated and a model
trained on it, and seed 2 is simulated to replay (in a temporary folder).
"""

from __future__ import annotations

import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def world(cdrs: Path | None, model: Path | None, subscribers: int, days: int) -> tuple[Path, Path]:
    """(folder of the CDRs to replay, model directory)."""
    from typer.testing import CliRunner

    from callwarden.cli.main import app
    from callwarden.sim import simulate, write_sim

    root = Path(tempfile.mkdtemp(prefix="cw-bench-stream-"))
    if model is None:
        s1 = root / "s1"
        write_sim(simulate("article", seed=1, days=days, subscribers=subscribers), s1)
        model = root / "model"
        args = ["train", "--cdrs", str(s1), "--labels", str(s1 / "labels.csv"),
                "--registry", str(s1 / "registry.csv"), "--seed", "1", "--out", str(model)]  # fmt: skip
        res = CliRunner().invoke(app, args)
        if res.exit_code:
            raise SystemExit(res.output)
    if cdrs is None:
        cdrs = root / "s2"
        write_sim(simulate("article", seed=2, days=days, subscribers=subscribers), cdrs)
    return cdrs, model
