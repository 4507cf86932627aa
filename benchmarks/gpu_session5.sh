#!/usr/bin/env bash
# The H200 call of the fourth session (2026-11-28): cuda_graphs=True (the whole training
# step, Adam included, replayed as one CUDA graph), then the long reproductions with it.
#
#   SKAE_MNIST=path/to/mnist.npz bash benchmarks/gpu_session5.sh OUTDIR
#
# 1. The cuda_graphs tests alone (they decide whether step 3 may use the switch).
# 2. bench_gpu.py alone: the raw loops, skae float32, compile="reduce-overhead", and
#    cuda_graphs (+ bf16, + TF32), and the 2-thread CPU.
# 3. In parallel: the other CUDA tests; the all-label pre-training table (random init vs
#    denoising pre-training) with tol=0, so the cosine schedule anneals to its end (the
#    last run stopped at 55/60 of 80 epochs); Hinton & Salakhutdinov's deep autoencoder
#    at two weight decays either side of the 1e-5 that gave 2.81 (300 epochs, as that run).
set -u
OUT=$1; L=$OUT/logs; mkdir -p "$L"; B=benchmarks
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD:$PWD/benchmarks${PYTHONPATH:+:$PYTHONPATH}"
{ nvidia-smi --query-gpu=name,driver_version --format=csv; date; } > "$L/env.txt" 2>&1

timeout 90 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_graphs.py \
    > "$L/tests_cuda_graphs.log" 2>&1
GRAPH_TESTS=$?
echo "cuda_graphs tests rc=$GRAPH_TESTS $(date)" >> "$L/env.txt"

timeout 170 python3 $B/bench_gpu.py \
    --variants "float32,compile reduce-overhead,cuda_graphs,cuda_graphs + bf16-mixed,cuda_graphs + TF32" \
    > "$L/bench_gpu.log" 2>&1
echo "bench_gpu rc=$? $(date)" >> "$L/env.txt"

# the long runs go through cuda_graphs only if its tests passed and bench_gpu timed it
read -r GRAPHS SDA_EPOCHS < <(GRAPH_TESTS=$GRAPH_TESTS python3 - <<'PY'
import json, os
try:
    rows = json.load(open("benchmarks/results/bench_gpu.json"))["rows"]
    ok = os.environ["GRAPH_TESTS"] == "0" and any(
        r["contender"] == "skae cuda_graphs" for r in rows)
    print("--cuda-graphs 200" if ok else "- 120")
except Exception:
    print("- 120")
PY
)
[ "$GRAPHS" = "-" ] && GRAPHS=""
echo "long runs: graphs='$GRAPHS' sda_epochs=$SDA_EPOCHS $(date)" >> "$L/env.txt"

T=270
timeout 150 python3 -m pytest -q -p no:cacheprovider -k "cuda or gpu or compile" tests \
    --ignore tests/test_cuda_graphs.py > "$L/tests_cuda.log" 2>&1 &
timeout $T python3 $B/bench_pretraining.py --device cuda --hidden 1000,1000,1000 \
    --labels 60000 --rows 60000 --test-rows 10000 --recipes papers --seeds 1 \
    --pretrainings none,denoising --schedule cosine --epochs "$SDA_EPOCHS" --tol 0 \
    --jobs 2 $GRAPHS --tag tol0 > "$L/bench_pretraining.log" 2>&1 &
if [ -n "$GRAPHS" ]; then
    H="$B/bench_hinton.py --device cuda --contenders deep --cuda-graphs"
    timeout $T python3 $H --alpha 5e-6 --epochs 300 > "$L/hinton_a5e-6.log" 2>&1 &
    timeout $T python3 $H --alpha 2e-5 --epochs 300 > "$L/hinton_a2e-5.log" 2>&1 &
fi
wait
echo "done $(date)" >> "$L/env.txt"
tar czf "$OUT/gpu_session5.tgz" "$L" $B/results/bench_gpu.json $B/results/bench_hinton*.json \
    $B/results/bench_pretraining*.json
