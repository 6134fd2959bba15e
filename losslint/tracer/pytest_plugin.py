"""pytest plugin (entry point `pytest11`): losslint.watch() around tests.

    pytest --losslint-watch        every test runs under watch(); what it saw is listed in
                                   a "losslint watch" section, and the run exits 1 if
                                   anything was seen (test outcomes are left alone)
    def test_x(losslint_watch):    a Watch active for this test; assert on .reports

pytest loads this module in every run once losslint is installed, so it imports neither
torch nor the tracer until the option or the fixture is used.
"""

from __future__ import annotations

import pytest

from losslint.tracer import MISSING_TORCH


def pytest_addoption(parser) -> None:
    group = parser.getgroup("losslint")
    group.addoption(
        "--losslint-watch",
        action="store_true",
        default=False,
        help="run every test under losslint.watch() and report wrong activation/loss pairs (needs torch)",
    )


def pytest_configure(config) -> None:
    if config.getoption("losslint_watch", default=False):
        config.pluginmanager.register(_WatchAll(), "losslint-watch-all")


@pytest.fixture
def losslint_watch():
    """A losslint Watch (action="collect") active during the test: `.reports` lists the
    wrong or unstable pairs that ran."""
    watch_module = _import_watch()
    with watch_module.Watch(action="collect") as watch:
        yield watch


def _import_watch():
    try:
        from losslint.tracer import watch as watch_module
    except ImportError:
        raise pytest.UsageError(MISSING_TORCH) from None
    return watch_module


class _WatchAll:
    def __init__(self) -> None:
        self.module = _import_watch()
        self.seen: list[tuple[str, object]] = []  # (test id, Report)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        watch = self.module.Watch(action="collect")
        try:
            with watch:
                return (yield)
        finally:
            self.seen.extend((item.nodeid, report) for report in watch.reports)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.seen:
            terminalreporter.write_sep("=", "losslint watch: no wrong activation/loss pair ran")
            return
        terminalreporter.write_sep("=", f"losslint watch: {len(self.seen)} wrong or unstable pair(s)")
        for nodeid, report in self.seen:
            terminalreporter.write_line(f"{nodeid}: {report}" + (f" (x{report.count})" if report.count > 1 else ""))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus) -> None:
        if self.seen and session.exitstatus == 0:
            session.exitstatus = 1
