"""click classes for a `--help` that reads like ruff's: a one-line summary, `Usage:`, then
the arguments and each section of options, sorted by name, with a short help per option.

click groups nothing by itself (its help is one flat `Options:` list), hence these two
small subclasses: an Option that names its section, and a Command that prints sections.
"""

from __future__ import annotations

import click

GENERAL = "Options"


class Option(click.Option):
    """A click option in a `--help` section. A choice shows its values like ruff does:
    `--color <WHEN>` ... `[possible values: auto, always, never]`."""

    def __init__(self, decls, section: str = GENERAL, **attrs) -> None:
        choice = attrs.get("type")
        if isinstance(choice, click.Choice):
            attrs.setdefault("metavar", "<" + attrs.pop("value_name", "VALUE") + ">")
            values = ", ".join(str(c) for c in choice.choices)
            attrs["help"] = (attrs.get("help", "") + f" [possible values: {values}]").strip()
        super().__init__(decls, **attrs)
        self.section = section


def sort_key(param: click.Parameter) -> str:
    names = [name for name in param.opts + param.secondary_opts if name.startswith("--")] or param.opts
    return names[0].lstrip("-").lower()


class Command(click.Command):
    """A subcommand whose options are printed in sections (in the order first declared),
    each sorted by name. `arguments` gives the positional arguments' help."""

    def __init__(self, *args, arguments: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.arguments = dict(arguments or {})

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        summary(self, formatter)
        self.format_usage(ctx, formatter)
        if self.arguments:
            with formatter.section("Arguments"):
                formatter.write_dl(list(self.arguments.items()))
        sections: dict[str, list[tuple[str, str]]] = {GENERAL: []}
        for param in sorted(self.get_params(ctx), key=sort_key):
            record = param.get_help_record(ctx) if isinstance(param, click.Option) else None
            if record is not None:
                sections.setdefault(getattr(param, "section", GENERAL), []).append(record)
        for title in [GENERAL, *sorted(set(sections) - {GENERAL}, key=self.section_order)]:
            if sections[title]:
                with formatter.section(title):
                    formatter.write_dl(sections[title])

    def section_order(self, title: str) -> int:
        titles = [getattr(p, "section", GENERAL) for p in self.params]
        return titles.index(title)


def summary(command: click.Command, formatter: click.HelpFormatter) -> None:
    """The help's first line, then a blank line (ruff's layout: summary before usage)."""
    if command.help:
        formatter.write_text(command.help.splitlines()[0])
        formatter.write_paragraph()
