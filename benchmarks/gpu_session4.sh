#!/usr/bin/env bash
# The second H200 call of the third session (2026-11-28), after the engine stopped reading
# each batch's loss back (one device sync per epoch instead of one per batch).
#
#   SKAE_MNIST=path/to/mnist.npz bash benchmarks/gpu_session4.sh OUTDIR
#
# 1. bench_gpu.py alone, as in gpu_session3.sh.
# 2. In parallel: the CUDA tests, and three Hinton & Salakhutdinov runs through CUDA graphs
#    (compile="reduce-overhead"): the deep autoencoder with a weaker weight decay than
#    gpu_session3.sh's 1e-4 (which gave 5.02), the deep one without weight decay for longer,
#    and the stacked one for longer.
set -u
OUT=$1; L=$OUT/logs; mkdir -p "$L"; B=benchmarks
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD:$PWD/benchmarks${PYTHONPATH:+:$PYTHONPATH}"
{ nvidia-smi --query-gpu=name,driver_version --format=csv; date; } > "$L/env.txt" 2>&1

timeout 150 python3 $B/bench_gpu.py > "$L/bench_gpu.log" 2>&1
echo "bench_gpu rc=$? $(date)" >> "$L/env.txt"

T=255
H="$B/bench_hinton.py --device cuda --compile reduce-overhead"
timeout 150 python3 -m pytest -q -p no:cacheprovider -k "cuda or gpu or compile" tests \
    > "$L/tests_cuda.log" 2>&1 &
timeout $T python3 $H --contenders deep --alpha 1e-5 --epochs 300 > "$L/hinton_deep_a1e-5.log" 2>&1 &
timeout $T python3 $H --contenders deep --epochs 400 > "$L/hinton_deep_400.log" 2>&1 &
timeout $T python3 $H --contenders stacked --epochs 300 > "$L/hinton_stacked_300.log" 2>&1 &
wait
echo "done $(date)" >> "$L/env.txt"
tar czf "$OUT/gpu_session4.tgz" "$L" $B/results/bench_gpu.json $B/results/bench_hinton*.json
