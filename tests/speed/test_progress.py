"""The progress line: terminals only, never for machine-read output."""

import io

from losslint.engine import progress


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_silent_when_not_a_terminal():
    stream = io.StringIO()
    bar = progress.Progress(stream)
    bar.start -= 10
    bar.update(3, 10)
    bar.close()
    assert stream.getvalue() == ""


def test_drawn_on_a_terminal_after_a_delay_and_erased(monkeypatch):
    stream = FakeTerminal()
    bar = progress.Progress(stream)
    bar.update(1, 10)
    assert stream.getvalue() == ""  # a quick run never shows it
    bar.start -= progress.DELAY + 1
    bar.update(5, 10)
    assert "losslint: parsing 5/10 files" in stream.getvalue()
    bar.close()
    assert stream.getvalue().endswith("\r" + " " * len("losslint: parsing 5/10 files") + "\r")


def test_only_for_human_formats(monkeypatch):
    monkeypatch.setattr("sys.stderr", FakeTerminal())
    assert progress.for_output("full") is not None
    assert progress.for_output("concise") is not None
    for machine in ("json", "json-lines", "sarif", "github"):
        assert progress.for_output(machine) is None
    assert progress.for_output("full", quiet=True) is None
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert progress.for_output("full") is None
