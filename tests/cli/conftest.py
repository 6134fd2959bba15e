import pytest

from tests.cli.helpers import Cli


@pytest.fixture
def cli(capsys, monkeypatch):
    return Cli(capsys, monkeypatch)
