"""The ``callwarden`` command: discovers the command modules of this package.

Every module in ``callwarden.cli`` that defines ``register(app)`` adds its commands; heavy
imports stay inside the command functions so ``callwarden --help`` stays fast.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer
from typer.core import TyperGroup

import callwarden.cli as cli_pkg
from callwarden.errors import CallwardenError


class _Group(TyperGroup):
    """Turns every CallwardenError into one clear line and exit status 2, whoever invokes."""

    def invoke(self, ctx: typer.Context) -> object:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except CallwardenError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(2) from None


app = typer.Typer(
    name="callwarden",
    cls=_Group,
    help="Stop harassment (AI robocall, telemarketing) and fraud calls from call records.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_all() -> None:
    for mod in sorted(pkgutil.iter_modules(cli_pkg.__path__), key=lambda m: m.name):
        if mod.name in {"main"} or mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"callwarden.cli.{mod.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


@app.callback()
def _root() -> None:
    """callwarden: learn harassment calling patterns from CDRs and decide before a call rings."""


_register_all()


def main(argv: list[str] | None = None) -> None:
    """Entry point: one clear line and exit status 2 for every CallwardenError."""
    try:
        app(args=argv, standalone_mode=True)
    except CallwardenError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
