"""`losslint server`: run the language server (LSP over stdio) for editors."""

from __future__ import annotations

from losslint.cli.errors import UsageError
from losslint.cli.layout import Command


def run(args) -> int:
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        raise UsageError("`losslint server` needs pygls: pip install 'losslint[server]'") from None
    from losslint.integrations.lsp import serve

    serve()
    return 0


command = Command(
    "server",
    help="Run the language server for editors (LSP over stdio; needs `pip install 'losslint[server]'`).",
    callback=lambda: run(None),
)
