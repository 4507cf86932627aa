#!/usr/bin/env bash
# The second H200 call of the 2026-11-28 session: what gpu_session.sh's parallel phase left
# unfinished in its time limit (11 runs at once time-slice one GPU), run three at a time.
#
#   SKAE_MNIST=path/to/mnist.npz bash benchmarks/gpu_session2.sh OUTDIR
set -u
OUT=$1; L=$OUT/logs; mkdir -p $L; B=benchmarks
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD:$PWD/benchmarks:$PYTHONPATH"
T=285
timeout $T python3 $B/bench_hinton.py --device cuda --contenders deep --epochs 200 > "$L/bench_hinton_deep.log" 2>&1 &
timeout $T python3 $B/bench_hinton.py --device cuda --contenders stacked --epochs 200 > "$L/bench_hinton_stacked.log" 2>&1 &
timeout $T python3 $B/bench_linear_pca.py --device cuda --lbfgs-steps 300 --adam-epochs 150 > "$L/bench_linear_pca.log" 2>&1 &
wait
tar czf "$OUT/gpu_session2.tgz" "$L" $B/results/bench_hinton*.json $B/results/bench_linear_pca.json
