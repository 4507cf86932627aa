#!/usr/bin/env bash
# The second H200 call of the fourth session (2026-11-28), after gpu_session5.sh measured
# cuda_graphs=True at 0.126 s an epoch and the engine stopped keeping a step's autograd
# graph alive into the next step (torch had warned of an AccumulateGrad stream mismatch).
#
#   SKAE_MNIST=path/to/mnist.npz bash benchmarks/gpu_session6.sh OUTDIR
#
# 1. bench_gpu.py alone, the same variants as gpu_session5.sh.
# 2. In parallel: the cuda_graphs tests; the all-label pre-training table with the cosine
#    schedule run to its end (tol=0 alone still stopped on a plateau: n_iter_no_change is
#    the epochs too), two seeds; Hinton & Salakhutdinov's deep autoencoder at weight decays
#    3e-5 and 5e-5 (2e-5 gave 2.75, 1e-4 5.02), 300 epochs as before.
set -u
OUT=$1; L=$OUT/logs; mkdir -p "$L"; B=benchmarks
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD:$PWD/benchmarks${PYTHONPATH:+:$PYTHONPATH}"
{ nvidia-smi --query-gpu=name,driver_version --format=csv; date; } > "$L/env.txt" 2>&1

timeout 150 python3 $B/bench_gpu.py \
    --variants "float32,compile reduce-overhead,cuda_graphs,cuda_graphs + bf16-mixed,cuda_graphs + TF32" \
    > "$L/bench_gpu.log" 2>&1
echo "bench_gpu rc=$? $(date)" >> "$L/env.txt"

T=240
timeout 90 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_graphs.py \
    > "$L/tests_cuda_graphs.log" 2>&1 &
timeout $T python3 $B/bench_pretraining.py --device cuda --hidden 1000,1000,1000 \
    --labels 60000 --rows 60000 --test-rows 10000 --recipes papers --seeds 2 \
    --pretrainings none,denoising --schedule cosine --epochs 150 --tol 0 --patience 150 \
    --jobs 4 --cuda-graphs --tag full150 > "$L/bench_pretraining.log" 2>&1 &
H="$B/bench_hinton.py --device cuda --contenders deep --cuda-graphs --epochs 300"
timeout $T python3 $H --alpha 3e-5 > "$L/hinton_a3e-5.log" 2>&1 &
timeout $T python3 $H --alpha 5e-5 > "$L/hinton_a5e-5.log" 2>&1 &
wait
echo "done $(date)" >> "$L/env.txt"
tar czf "$OUT/gpu_session6.tgz" "$L" $B/results/bench_gpu.json $B/results/bench_hinton*.json \
    $B/results/bench_pretraining*.json
