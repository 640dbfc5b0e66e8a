"""Serve run folders the way ``callwarden demo`` serves its own after its job (a script).

``python tests/web/serve_run.py CDRS RUN_DIR PORT [RUN_DIR PORT ...]``: for each folder,
renders ``RUN_DIR/index.html`` with :func:`render_results_page` (as ``demo`` does) and runs
``callwarden.cli.demo._serve`` on 127.0.0.1:PORT: the demo's app, ``/`` route, store import
and uvicorn server. One process serves every folder (a thread each), so the imports are paid
once; each starts after the one before answers (alembic's migration is not thread-safe).
The store is filled from ``RUN_DIR/scan/verdicts.csv``, or from tests/data where the
folder has none.

No model is trained for the browser tests: ``bands_from_model`` is replaced by fixed bands.
The bands only change what ``/v1/decide`` answers, which no page test asks.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

STORE_VERDICTS = Path(__file__).resolve().parents[1] / "data" / "store" / "verdicts.csv"


def _wait_listening(port: int, thread: threading.Thread) -> None:
    while thread.is_alive():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the server for port {port} stopped")


def main(argv: list[str]) -> None:
    from callwarden.api.results_page import render_results_page
    from callwarden.cli import demo, serve
    from callwarden.policy import Thresholds

    setattr(  # noqa: B010 (a module attribute: _serve imports it by name when called)
        serve, "bands_from_model", lambda _model: (Thresholds.for_model(0.5), "browser-test bands")
    )
    cdrs, pairs = Path(argv[0]), argv[1:]
    threads = []
    for run_arg, port in zip(pairs[::2], pairs[1::2], strict=True):
        run = Path(run_arg)
        verdicts = run / "scan" / "verdicts.csv"
        (run / "index.html").write_text(render_results_page(run), encoding="utf-8")
        args = (run, verdicts if verdicts.is_file() else STORE_VERDICTS, cdrs, run / "model")
        threads.append(
            threading.Thread(target=demo._serve, args=(*args, "127.0.0.1", int(port)), daemon=True)
        )
        threads[-1].start()
        _wait_listening(int(port), threads[-1])
    for t in threads:
        t.join()


if __name__ == "__main__":
    main(sys.argv[1:])
