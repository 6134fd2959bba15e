"""Fused vs separate ops, timed on the device (forward + backward).

The seed article claims fused operators are faster, "especially on the GPU". These are
the numbers on this machine: torch.utils.benchmark's Timer (it synchronizes CUDA) with
blocked_autorange after a warm-up, reporting the fastest block's time per call: on a
shared machine, other load only ever adds time, so the minimum is the steadiest figure.
"""

from __future__ import annotations

from losslint.tracer import ops
from losslint.tracer.spec import PairSpec

torch = ops.torch
F = torch.nn.functional

MIN_RUN_TIME = 0.2  # seconds of timed runs per measurement

# (name, fused, separate) over (logits, target); shapes below.
COMPARISONS = (
    (
        "multiclass",
        "F.cross_entropy(z, y)",
        "F.nll_loss(F.log_softmax(z, 1), y)",
        lambda z, y: F.cross_entropy(z, y),
        lambda z, y: F.nll_loss(F.log_softmax(z, 1), y),
    ),
    (
        "binary",
        "F.binary_cross_entropy_with_logits(z, y)",
        "F.binary_cross_entropy(torch.sigmoid(z), y)",
        lambda z, y: F.binary_cross_entropy_with_logits(z, y),
        lambda z, y: F.binary_cross_entropy(torch.sigmoid(z), y),
    ),
)
# Batch x classes for multiclass; batch (one output unit) for binary.
SIZES = {
    "multiclass": ((512, 10), (4096, 1000), (32768, 1000)),
    "binary": ((512,), (65536,), (4194304,)),
}


def _step(fn, z, y):
    z.grad = None
    fn(z, y).backward()


def time_call(fn, z, y, min_run_time: float = MIN_RUN_TIME) -> float:
    """Seconds of one forward + backward of fn(z, y): the fastest block's mean."""
    from torch.utils import benchmark

    z = z.detach().clone().requires_grad_(True)
    for _ in range(3):  # warm-up: allocator, kernels, lazy CUDA init
        _step(fn, z, y)
    timer = benchmark.Timer(stmt="step(fn, z, y)", globals={"step": _step, "fn": fn, "z": z, "y": y})
    return min(timer.blocked_autorange(min_run_time=min_run_time).times)


def time_pairs(pair: PairSpec, rec: PairSpec, z, target, kwargs, rec_kwargs, device: str, raises: bool) -> dict:
    """The pair against its recommended pair on the trace's own data."""
    def run(spec, kw):
        return lambda x, y: ops.forward(spec, x, y, kw).sum()

    rec_s = time_call(run(rec, rec_kwargs), z, target)
    pair_s = None if raises else time_call(run(pair, kwargs), z, target)
    return {
        "what": "forward + backward, fastest block of torch.utils.benchmark blocked_autorange",
        "shape": list(z.shape),
        "pair_us": None if pair_s is None else round(pair_s * 1e6, 2),
        "recommended_us": round(rec_s * 1e6, 2),
        "pair_over_recommended": None if pair_s is None else round(pair_s / rec_s, 3),
        "threads": torch.get_num_threads() if device == "cpu" else None,
    }


def fused_vs_separate(device: str = "auto", dtype: str = "float32", seed: int = 0,
                      min_run_time: float = MIN_RUN_TIME, sizes: dict | None = None) -> list[dict]:
    """One row per (family, size): fused and separate timings and their ratio."""
    dev = ops.resolve_device(device)
    dt = ops.dtype_of(dtype)
    gen = torch.Generator().manual_seed(seed)
    rows = []
    for family, fused_name, separate_name, fused, separate in COMPARISONS:
        for shape in (sizes or SIZES)[family]:
            z = (torch.randn(*shape, generator=gen) * ops.LOGIT_SCALE).to(dev, dt)
            if family == "multiclass":
                y = torch.randint(0, shape[1], shape[:1], generator=gen).to(dev)
            else:
                y = torch.randint(0, 2, shape, generator=gen).to(dev, dt)
            row = {"family": family, "shape": list(shape), "device": dev, "dtype": dtype,
                   "fused": fused_name, "separate": separate_name}
            try:
                f = time_call(fused, z, y, min_run_time)
                s = time_call(separate, z, y, min_run_time)
            except (RuntimeError, NotImplementedError) as exc:
                row.update(error=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            else:
                row.update(fused_us=round(f * 1e6, 2), separate_us=round(s * 1e6, 2), speedup=round(s / f, 3))
            rows.append(row)
    return rows
