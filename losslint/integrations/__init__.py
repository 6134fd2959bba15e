"""losslint inside other tools: the language server (LSP) and the flake8 plugin."""
