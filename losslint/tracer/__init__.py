"""The runtime tracer: run (activation, loss) pairs with torch and measure what they compute.

torch is an optional extra (`pip install 'losslint[trace]'`). Nothing in this package's
__init__ (nor in spec.py, from_finding.py, pytest_plugin.py) imports torch, so the static
linter, the CLI and pytest can import them freely; the modules that run tensors import
torch through `require_torch()` and are imported only when a tracer command runs.

    spec.py          what to run: a PairSpec (torch-free)
    from_finding.py  a finding's literal arguments -> PairSpec (reads the analyzer's IR)
    ops.py           activations, losses and data as torch calls
    measure.py       one pair against a float64 reference: equivalence, gradients, probe
    verdict.py       the taxonomy verdict recomputed from those numbers
    table.py         `trace --all`: every combination, side by side with the catalog
    fix_targets.py   each rule's fix_to pair checked against the recommended pair
    evidence.py      `check --trace`: numbers attached to findings
    op_timing.py     fused vs separate ops, timed on the device
    report.py        the text output of `losslint trace` (torch-free)
    pytest_plugin.py `pytest --losslint-watch` and the losslint_watch fixture (torch-free)
    watch.py         losslint.watch(): provenance of tensors during real training code
"""

from __future__ import annotations

MISSING_TORCH = "the tracer needs torch: pip install 'losslint[trace]'"


class TorchMissing(ImportError):
    """torch is not installed: the CLI prints MISSING_TORCH and exits 2."""

    def __init__(self) -> None:
        super().__init__(MISSING_TORCH)


class TraceError(Exception):
    """The trace cannot run as asked (no CUDA device, a dtype the device lacks): exit 2."""


def require_torch():
    """Import torch, or raise TorchMissing. Silences torch's import-time NumPy warning."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*NumPy.*")
            import torch
    except ImportError:
        raise TorchMissing() from None
    return torch
