#!/bin/sh
# The febm-gpu GPU kit: runs the benchmarks and the kernel tests on this
# machine's GPU through Dawn (no browser), then the PyTorch peers where
# PyTorch with CUDA is installed. Needs only a Linux x86-64 machine with a GPU
# driver (a Vulkan ICD: NVIDIA's, Mesa's) and gzip or Python 3.
#
#   sh run.sh [--quick] [--only r0|mlp|l1|l2|t1|t2|...] [--no-tests] [--no-peers]
#
# Prints the adapter and every figure as JSON lines on stdout and keeps them,
# with the tests' log, in ./febm-gpu-kit-<date>/ (or $FEBM_KIT_OUT).
# Environment: VK_ICD_FILENAMES picks the Vulkan driver; FEBM_DAWN_FLAGS adds
# Dawn flags (e.g. "adapter=NVIDIA H100"); FEBM_KIT_VULKAN=kit uses the kit's
# Vulkan loader even where the machine has one; FEBM_KIT_PEER_DEVICE=cpu runs
# the PyTorch peers on the CPU (a test that they run, not a figure).
set -eu
KIT=$(cd "$(dirname "$0")" && pwd)
OUT=${FEBM_KIT_OUT:-$PWD/febm-gpu-kit-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/febm-gpu-kit.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

tests=1
peers=1
# The peers take --quick and --only (the groups they have: r0, mlp, l1, l2, t1, t2).
peer_args="--device ${FEBM_KIT_PEER_DEVICE:-cuda}"
prev=
for a in "$@"; do
  case "$a" in
    --no-tests) tests= ;;
    --no-peers) peers= ;;
    --quick) peer_args="$peer_args --quick" ;;
    --only=*) peer_args="$peer_args --only ${a#--only=}" ;;
  esac
  if [ "$prev" = --only ]; then peer_args="$peer_args --only $a"; fi
  prev=$a
done
bench_args=
for a in "$@"; do
  case "$a" in --no-tests|--no-peers) ;; *) bench_args="$bench_args $a" ;; esac
done

unzip_to() {
  if command -v gzip >/dev/null 2>&1; then gzip -dc "$1" > "$2"
  else python3 -c 'import gzip,shutil,sys; shutil.copyfileobj(gzip.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}
unzip_to "$KIT/node.gz" "$TMP/node"
unzip_to "$KIT/dawn.node.gz" "$TMP/dawn.node"
chmod +x "$TMP/node"
NODE="$TMP/node"
export FEBM_DAWN_NODE="$TMP/dawn.node"

# The machine's Vulkan loader where it has one (it matches its driver), else the kit's.
if [ "${FEBM_KIT_VULKAN:-}" = kit ] || ! { /sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null; } | grep -q 'libvulkan\.so\.1 '; then
  export LD_LIBRARY_PATH="$KIT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "gpu-kit: using the kit's Vulkan loader" >&2
fi

line() { printf '%s\n' "$1" | tee -a "$OUT/figures.jsonl"; }
: > "$OUT/figures.jsonl"

# 1. The adapter and the benchmark (febm-gpu's figures).
status=0
# shellcheck disable=SC2086
"$NODE" "$KIT/kit.mjs" --results "$OUT" $bench_args | tee -a "$OUT/figures.jsonl" || status=1

# 2. The kernel tests against their float64 references, on the same GPU.
if [ -n "$tests" ]; then
  start=$(date +%s)
  if (cd "$KIT" && "$NODE" --test-reporter=spec "$KIT/kernel-tests/bundle/tests.mjs") > "$OUT/kernel-tests.log" 2>&1; then result=passed; else result=failed; status=1; fi
  summary=$(sed -n 's/^[^a-z]*\(tests\|pass\|fail\) \([0-9][0-9]*\)$/"\1":\2,/p' "$OUT/kernel-tests.log" | tr -d '\n')
  # A run in which no test ran has not passed.
  case "$summary" in *'"tests":0,'*|'') result=failed; status=1; summary="$summary\"error\":\"no kernel test ran\"," ;; esac
  line "{\"kind\":\"kernel-tests\",\"status\":\"$result\",${summary}\"seconds\":$(( $(date +%s) - start )),\"log\":\"kernel-tests.log\"}"
fi

# 3. PyTorch (CUDA) on the same workloads, each checked against float64 first.
if [ -n "$peers" ]; then
  if command -v python3 >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    python3 "$KIT/peers/peers.py" "$KIT/peers/reference.json" $peer_args | tee -a "$OUT/figures.jsonl" || status=1
  else
    line '{"kind":"peers","impl":"pytorch-cuda-eager","status":"skipped","reason":"no python3 on this machine"}'
  fi
fi

echo "gpu-kit: figures in $OUT/figures.jsonl" >&2
exit $status
