"""Per-file work in a pool of processes gives what it gives in this process."""

from losslint.engine import factcache, workers
from losslint.engine.workers import Runner, Task
from tests.speed.test_recall import MODELS, TRAIN_NLL


def _run(runner: Runner, tasks: list[Task]) -> dict:
    results = {}
    runner.run(tasks, lambda task, result, data: results.__setitem__(task.path, (result, data)))
    return results


def test_pool_and_in_process_agree(monkeypatch, tmp_path):
    monkeypatch.setattr(workers, "POOL_MIN_BYTES", 0)
    tasks = [Task("facts", str(tmp_path / f"m{i}.py"), MODELS if i % 2 else TRAIN_NLL) for i in range(6)]
    tasks.append(Task("syntax", str(tmp_path / "ok.py"), "x = 1\n"))
    tasks.append(Task("syntax", str(tmp_path / "bad.py"), "def f(:\n"))
    with Runner(1) as alone:
        here = _run(alone, tasks)
    with Runner(2) as pooled:
        there = _run(pooled, tasks)
        assert pooled._pool is not None
    assert here.keys() == there.keys()
    for path, (result, data) in there.items():
        assert data is not None  # came from a worker, encoded
        mine = here[path][0]
        if mine is None:
            assert result is None
        else:
            assert factcache.dumps(mine) == factcache.dumps(result)
    assert here[str(tmp_path / "ok.py")][0] is None
    assert here[str(tmp_path / "bad.py")][0].syntax_error is not None


def test_small_runs_stay_in_this_process(tmp_path):
    tasks = [Task("facts", str(tmp_path / f"m{i}.py"), MODELS) for i in range(5)]
    with Runner(4, expected=sum(len(t.source) for t in tasks)) as runner:
        results = _run(runner, tasks)
        assert runner._pool is None
    assert len(results) == len(tasks)  # every task ran (else the next line holds for nothing)
    assert all(data is None for _, data in results.values())


def test_cpu_count_is_positive():
    assert workers.cpu_count() >= 1


def test_a_worker_gives_back_a_large_files_tree(tmp_path):
    # Run in a fresh process: RSS of this test process is whatever the suite left.
    import subprocess
    import sys

    script = r'''
import sys
from losslint.engine import workers

def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

body = "".join(f"def f{i}(x):\n    return torch.nn.functional.softmax(x * {i}, dim=1) + g{i}(x, y={i})\n" for i in range(3000))
before = rss()
workers.run_task(workers.Task("facts", "/big.py", "import torch\n" + body))
import resource
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(before, peak, rss())
'''
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    before, peak, after = map(float, completed.stdout.split())
    assert peak - before > 40  # the tree was large
    assert after - before < (peak - before) / 3, (before, peak, after)
