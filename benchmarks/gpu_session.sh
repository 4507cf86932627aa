#!/usr/bin/env bash
# Everything skae checks on a GPU, as one script (a lent H200 has 15 minutes in all).
#
#   SKAE_MNIST=path/to/mnist.npz bash benchmarks/gpu_session.sh OUTDIR
#
# 1. the tests that need CUDA, then the whole suite with device="auto" meaning CUDA;
# 2. bench_gpu.py alone (timings: CPU at 2 threads vs CUDA float32 / bf16 / compile);
# 3. the long reproductions in parallel (small models leave the GPU mostly idle):
#    Hinton & Salakhutdinov's deep autoencoder, the linear AE = PCA angles, the all-label
#    pre-training table and the noise curve.
# Each step has its own time limit; logs and benchmarks/results/*.json end up in
# OUTDIR/gpu_session.tgz.
set -u
OUT=${1:-/tmp/skae-gpu}
mkdir -p "$OUT/logs"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD:$PWD/benchmarks${PYTHONPATH:+:$PYTHONPATH}"
L="$OUT/logs"
B=benchmarks
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; nproc
  python3 -c "import torch, sklearn, skorch, numpy; print(torch.__version__, sklearn.__version__,
skorch.__version__, numpy.__version__, torch.cuda.get_device_name())"; } > "$L/env.txt" 2>&1

timeout 100 python3 -m pytest -q -p no:cacheprovider -k "cuda or gpu" tests > "$L/tests_cuda.log" 2>&1
echo "cuda tests rc=$?" >> "$L/env.txt"
timeout 170 python3 $B/bench_gpu.py > "$L/bench_gpu.log" 2>&1
echo "bench_gpu rc=$?" >> "$L/env.txt"

T=280
timeout $T python3 $B/bench_hinton.py --device cuda --contenders deep --epochs 300 \
    > "$L/bench_hinton_deep.log" 2>&1 &
timeout $T python3 $B/bench_hinton.py --device cuda --contenders stacked --epochs 300 \
    > "$L/bench_hinton_stacked.log" 2>&1 &
timeout $T python3 $B/bench_linear_pca.py --device cuda --lbfgs-steps 300 --adam-epochs 150 \
    > "$L/bench_linear_pca.log" 2>&1 &
timeout $T python3 $B/bench_pretraining.py --device cuda --hidden 1000,1000,1000 \
    --labels 60000,600,1000 --rows 60000 --test-rows 10000 --recipes papers --seeds 1 \
    --early-stopping --jobs 3 > "$L/bench_pretraining.log" 2>&1 &
timeout $T python3 $B/bench_noise_curve.py --device cuda --hidden 1000,1000,1000 --labels 1000 \
    --rows 60000 --test-rows 10000 --seeds 2 --early-stopping --jobs 3 \
    > "$L/bench_noise_curve.log" 2>&1 &
timeout $T python3 -m pytest -p no:cacheprovider -n 2 -v tests > "$L/tests_all_cuda.log" 2>&1 &
wait
nvidia-smi >> "$L/env.txt" 2>&1
tar czf "$OUT/gpu_session.tgz" "$L" $B/results/*.json
