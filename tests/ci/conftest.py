import pytest

from tests.ci.helpers import Cli


@pytest.fixture
def cli(capsys, monkeypatch):
    return Cli(capsys, monkeypatch)
