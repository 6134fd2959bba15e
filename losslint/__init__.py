"""losslint: find final activations that do not fit the loss in PyTorch classifiers."""

from losslint.core.version import __version__

__all__ = ["check_paths", "check_source", "__version__"]


def __getattr__(name: str):
    # The library API (losslint/api.py), imported on first use so that `import losslint`
    # stays light (no libcst) for the CLI's --version and for flake8's plugin loading.
    if name in ("check_paths", "check_source"):
        from losslint import api

        return getattr(api, name)
    if name == "watch":  # the runtime tracer (losslint/tracer/watch.py) imports torch
        from losslint.tracer.watch import watch

        return watch
    raise AttributeError(f"module 'losslint' has no attribute {name!r}")
