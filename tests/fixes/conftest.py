import pytest

from losslint.fixes import STRICT_ENV


@pytest.fixture(autouse=True)
def strict_fixes(monkeypatch):
    """A bug in a fix fails the test instead of quietly leaving the finding unfixed."""
    monkeypatch.setenv(STRICT_ENV, "1")
