"""CPU vs CUDA: epoch time of the deep 784-1000-500-250-30 autoencoder on MNIST, and codes.

Fits AutoEncoderTransformer(30, hidden_layer_sizes=(1000, 500, 250), batch_size=256) for a
few epochs on each device; reports the median epoch time and the speed-up, and checks that
codes computed on CUDA match the CPU's (same weights, moved with ``.to``) within float
tolerance. Targets (speed issue, on an H200): an epoch over the 60k rows in at most 0.5 s;
at least 30x the 2-core CPU. Without CUDA it says so and exits 0.

    python benchmarks/bench_gpu.py [--quick] [--data PATH]
"""

import warnings

import numpy as np
import torch
from _common import load_mnist, parser, print_table, write_results
from sklearn.exceptions import ConvergenceWarning

from skae import AutoEncoderTransformer


def epoch_seconds(X, device, epochs):
    ae = AutoEncoderTransformer(30, hidden_layer_sizes=(1000, 500, 250), batch_size=256,
                                max_iter=epochs, tol=0.0, n_iter_no_change=epochs,
                                random_state=0, device=device).fit(X)
    return float(np.median(ae.net_.history[1:, "dur"] or ae.net_.history[:, "dur"])), ae


def main():
    args = parser(__doc__.splitlines()[0]).parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    if not torch.cuda.is_available():
        print("no CUDA device here: nothing to measure")
        return
    X, _, X_test, _ = load_mnist(args.data, 10000 if args.quick else None)
    gpu_s, gpu_model = epoch_seconds(X, "cuda", 5)
    cpu_s, _ = epoch_seconds(X, "cpu", 2)
    gpu_codes = gpu_model.transform(X_test)
    cpu_codes = gpu_model.to("cpu").transform(X_test)
    max_diff = float(np.abs(gpu_codes - cpu_codes).max())
    rows = [{"device": torch.cuda.get_device_name(), "epoch_s": gpu_s},
            {"device": f"cpu ({torch.get_num_threads()} threads)", "epoch_s": cpu_s,
             "cuda_speedup": cpu_s / gpu_s}]
    print_table(rows, ["device", "epoch_s", "cuda_speedup"])
    print(f"max |codes on CUDA - codes on CPU| = {max_diff:.2e} over {len(X_test)} rows")
    assert max_diff < 1e-3, "CUDA and CPU codes disagree"
    write_results("bench_gpu", args, rows, {"max_code_difference": max_diff})


if __name__ == "__main__":
    main()
