"""losslint's version: one low module, so that any layer can name it without importing
the package top (whose lazy exports reach the whole pipeline)."""

__version__ = "0.1.0"
