"""`losslint server`: run the language server (LSP over stdio) for editors."""

from __future__ import annotations

from losslint.cli.errors import UsageError


def add_parser(sub) -> None:
    sub.add_parser(
        "server",
        help="run the language server for editors (LSP over stdio; needs `pip install 'losslint[server]'`)",
    )


def run(args) -> int:
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        raise UsageError("`losslint server` needs pygls: pip install 'losslint[server]'") from None
    from losslint.integrations.lsp import serve

    serve()
    return 0
