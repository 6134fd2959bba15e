#!/usr/bin/env bash
# One prepared run of the tracer's device checks on a machine with a CUDA GPU.
#
#   scripts/gpu_check.sh            (from the repository root; PYTHON=... to pick the interpreter)
#   DEVICE=cpu scripts/gpu_check.sh (a dry run of the same steps on the CPU, to check the script)
#
# Needs a CUDA build of torch plus losslint's dependencies (libcst, pathspec, pytest) in
# $PYTHON; nothing is downloaded. Writes every output under $OUT (default ./gpu-check-out)
# and prints it too. Typically 2-4 minutes on an H100; the step timeouts add up to 10 minutes.
#   1. the CUDA tests (pytest -m cuda tests/tracer): these decide the exit status
#      (trace --all exits 1 today for the known SoftMarginLoss disagreement: information)
#   2. losslint trace --all --device cuda, in float32, float16 and bfloat16
#   3. losslint trace --speed --device cuda (fused vs separate ops), float32 and bfloat16
#   4. the watch() overhead benchmark on cuda
set -u
cd "$(dirname "$0")/.." || exit 2
OUT=${OUT:-gpu-check-out}
DEVICE=${DEVICE:-cuda}
mkdir -p "$OUT"
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

DEVICE=$DEVICE "$PYTHON" -W ignore - <<'PY' 2>&1 | tee "$OUT/environment.txt"
import importlib.util, sys
missing = [m for m in ("torch", "libcst", "pathspec", "pytest") if importlib.util.find_spec(m) is None]
if missing:
    sys.exit(f"gpu_check: missing modules in {sys.executable}: {', '.join(missing)}")
import os, torch
print(f"python {sys.version.split()[0]}, torch {torch.__version__}, CUDA {torch.version.cuda}")
if os.environ["DEVICE"] == "cpu":
    print("dry run on the cpu")
elif not torch.cuda.is_available():
    sys.exit("gpu_check: torch sees no CUDA device (a CPU build of torch?)")
else:
    print(f"device: {torch.cuda.get_device_name()}")
PY
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 3

status=0
run_step() {  # run_step NAME TIMEOUT COMMAND...: run and tee to $OUT/NAME.txt; sets rc
  local name=$1 limit=$2; shift 2
  echo; echo "=== $name: $*"
  timeout "$limit" "$@" 2>&1 | tee "$OUT/$name.txt"
  rc=${PIPESTATUS[0]}
  echo "=== $name: exit $rc"
}
step() { run_step "$@"; [ "$rc" -eq 0 ] || status=1; }  # a failure fails the check
info() { run_step "$@"; }  # numbers to read: its exit status does not count

step cuda-tests 150 "$PYTHON" -m pytest -m cuda tests/tracer -q -rs -p no:cacheprovider
info trace-all-float32 60 "$PYTHON" -m losslint trace --all --device $DEVICE --dtype float32
info trace-all-float16 60 "$PYTHON" -m losslint trace --all --device $DEVICE --dtype float16
info trace-all-bfloat16 60 "$PYTHON" -m losslint trace --all --device $DEVICE --dtype bfloat16
timeout 60 "$PYTHON" -m losslint trace --all --device $DEVICE --output-format json > "$OUT/trace-all-float32.json" 2>/dev/null
step speed-float32 60 "$PYTHON" -m losslint trace --speed --device $DEVICE --dtype float32
step speed-bfloat16 60 "$PYTHON" -m losslint trace --speed --device $DEVICE --dtype bfloat16
info speed-cpu-same-machine 90 "$PYTHON" -m losslint trace --speed --device cpu --dtype float32
step watch-overhead 60 "$PYTHON" benchmarks/watch_overhead.py --device $DEVICE --repeats 3

echo
echo "gpu_check: done, outputs in $OUT, exit $status (the float16/bfloat16 tables are information only:"
echo "the catalog's verdicts are float32 facts, and some acceptable pairs break in half precision)"
exit $status
