"""The root ``vcd`` command.

Sub-commands live in their own modules and are imported only when used (``vcd --help`` stays fast); a
module that fails to import is a real error, never a command silently left out. Every
:class:`vcd_core.VcdError` raised by a command becomes a one-line ``Error: …`` on stderr with exit status 1.

Examples
--------
>>> from click.testing import CliRunner
>>> result = CliRunner().invoke(cli, ["--version"])
>>> result.output.startswith("vcd, version")
True
"""

from __future__ import annotations

import importlib

import click

from vcd_core import VcdError, __version__

#: command name -> "module:attribute" of the click command implementing it.
COMMANDS: dict[str, str] = {
    "instrument": "instrument.cli:instrument",
    "ingest": "analysis.commands.ingest:cli",
    "simulate": "analysis.commands.simulate:cli",
    "clean": "analysis.commands.clean:cli",
    "efa": "analysis.commands.efa:cli",
    "reliability": "analysis.commands.reliability:cli",
    "validity": "analysis.commands.validity:cli",
    "cfa": "analysis.commands.cfa:cli",
    "invariance": "analysis.commands.invariance:cli",
    "align": "analysis.commands.align:cli",
    "compare": "analysis.commands.compare:cli",
    "run": "analysis.commands.run:cli",
    "report": "analysis.commands.report:cli",
    "demo": "analysis.commands.demo:cli",
}


class LazyGroup(click.Group):
    """A click group that imports each sub-command only when it is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":", 1)
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def invoke(self, ctx: click.Context) -> object:  # noqa: D102 - click API
        try:
            return super().invoke(ctx)
        except VcdError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vcd")
def cli() -> None:
    """vcd-toolkit: surveys on value co-destruction, from item bank to comparative report.

    \b
    Example:
      vcd instrument coverage
      vcd run data/demo/study.toml -o results/
    """


def main() -> None:
    """Console-script entry point (``vcd``)."""
    cli()
