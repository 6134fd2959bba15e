"""How much losslint.watch() slows a small training loop down.

    python benchmarks/watch_overhead.py [--steps 200] [--repeats 5] [--device cpu|cuda]

Trains the same small MLP (784-256-128-10, batch 64, SGD) from the same seed, without
watch (nothing installed: the "off" cost is zero by construction) and under watch(), for
a correct model (logits into CrossEntropyLoss) and for the same model with a Softmax at
the end (every step is reported). The variants run interleaved, one thread, and the
best of the repeats is kept (CPU time of this process on the CPU, wall time on CUDA), so
other load on the machine disturbs the ratio as little as possible. Checks that watch()
changes no loss.
"""

from __future__ import annotations

import argparse
import time
import warnings

warnings.filterwarnings("ignore", message=".*NumPy.*")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import losslint  # noqa: E402


def make_model(softmax: bool) -> nn.Module:
    layers = [nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)]
    if softmax:
        layers.append(nn.Softmax(dim=1))
    return nn.Sequential(*layers)


def train(steps: int, device: str, softmax: bool, watched: bool) -> tuple[float, list[float], int]:
    torch.manual_seed(0)
    model = make_model(softmax).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    criterion = nn.CrossEntropyLoss()
    data = torch.randn(steps, 64, 784, device=device)
    labels = torch.randint(0, 10, (steps, 64), device=device)
    losses: list[float] = []
    watch = losslint.watch(action="collect") if watched else None

    def loop() -> None:
        for step in range(steps):
            optimizer.zero_grad()
            loss = criterion(model(data[step].view(64, -1)), labels[step])
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())

    clock = time.perf_counter if device == "cuda" else time.process_time
    if device == "cuda":
        torch.cuda.synchronize()
    start = clock()
    if watch is not None:
        with watch:
            loop()
    else:
        loop()
    if device == "cuda":
        torch.cuda.synchronize()
    elapsed = clock() - start
    reports = sum(r.count for r in watch.reports) if watch is not None else 0
    return elapsed, [float(x) for x in losses], reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    train(20, args.device, False, True)  # warm-up: imports, allocator, kernels
    variants = (
        ("off", False, False),
        ("on, correct model", False, True),
        ("off, softmax model", True, False),
        ("on, softmax model", True, True),
    )
    times: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    results: dict[str, tuple[list[float], int]] = {}
    for _ in range(args.repeats):
        for name, softmax, watched in variants:
            elapsed, losses, reports = train(args.steps, args.device, softmax, watched)
            times[name].append(elapsed)
            results[name] = (losses, reports)
    rows = {name: (min(times[name]), *results[name]) for name, _, _ in variants}

    clock = "wall time" if args.device == "cuda" else "process CPU time"
    print(f"{args.steps} training steps of a 784-256-128-10 MLP, batch 64, on {args.device} "
          f"(torch {torch.__version__}, {torch.get_num_threads()} thread(s)), best of {args.repeats}, {clock}")
    for name, (seconds, _, reports) in rows.items():
        print(f"  {name:20s} {seconds * 1000:8.1f} ms   {seconds / args.steps * 1e6:7.0f} us/step   reports: {reports}")
    on, off = rows["on, correct model"][0], rows["off"][0]
    on_bad, off_bad = rows["on, softmax model"][0], rows["off, softmax model"][0]
    print(f"overhead ratio (on/off): correct model {on / off:.2f}x, softmax model {on_bad / off_bad:.2f}x")
    same = rows["on, correct model"][1] == rows["off"][1] and rows["on, softmax model"][1] == rows["off, softmax model"][1]
    print(f"losses identical with and without watch: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
