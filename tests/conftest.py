"""Shared fixtures."""

import pytest


@pytest.fixture(autouse=True)
def _losslint_cache_in_tmp(tmp_path_factory, monkeypatch):
    """`losslint check` caches per-file facts in .losslint_cache/ of the project root (the
    repository, when tests run the CLI from it): keep that out of the working tree."""
    monkeypatch.setenv("LOSSLINT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "losslint-cache"))
