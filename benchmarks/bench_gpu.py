"""CPU vs CUDA: epoch time of the deep 784-1000-500-250-30 autoencoder on MNIST, and codes.

Fits AutoEncoderTransformer(30, hidden_layer_sizes=(1000, 500, 250), batch_size=256) on the
MNIST training rows: on the CPU limited to 2 threads (the 2-core machine the targets refer
to), and on CUDA in float32, with ``precision="bf16-mixed"``, with ``compile=True``, with
``compile="reduce-overhead"`` (CUDA graphs for the forward and backward passes), that with
bf16, and that with TF32 matrix products allowed (``torch.set_float32_matmul_precision("high")``,
a global setting a user makes), and with ``cuda_graphs=True`` (the whole step, Adam
included, replayed as one CUDA graph; also with bf16 and with TF32). Beside them,
hand-written CUDA loops (same model, fused Adam, data on the device, tensor slicing) give the
floor: eager, and the whole step (forward, backward, Adam) captured as one CUDA graph,
replayed per batch (it skips the last, partial batch: 234 of 235). Reports the median epoch
time after the first epoch (which pays for CUDA's start, compilation and capture) and checks
that codes computed on CUDA match the CPU's (same weights, moved with ``.to``) within float
tolerance.
Targets (speed issue, on an H200): an epoch over the 60k rows in at most 0.5 s; at least 30x
the 2-core CPU. Without CUDA it says so and exits 0.

    python benchmarks/bench_gpu.py [--quick] [--data PATH] [--variants float32,cuda_graphs]
"""

import time
import warnings

import numpy as np
import torch
from _common import load_mnist, parser, print_table, write_results
from bench_overhead import adam, layer_sizes, sequential
from sklearn.exceptions import ConvergenceWarning
from torch import nn

from skae import AutoEncoderTransformer

HIDDEN, CODE, BATCH = (1000, 500, 250), 30, 256
VARIANTS = {  # name: (estimator parameters, TF32 matrix products)
    "float32": ({}, False),
    "bf16-mixed": ({"precision": "bf16-mixed"}, False),
    "compile": ({"compile": True}, False),
    "compile reduce-overhead": ({"compile": "reduce-overhead"}, False),
    "bf16-mixed + reduce-overhead": ({"precision": "bf16-mixed", "compile": "reduce-overhead"},
                                     False),
    "reduce-overhead + TF32": ({"compile": "reduce-overhead"}, True),
    "cuda_graphs": ({"cuda_graphs": True}, False),
    "cuda_graphs + bf16-mixed": ({"cuda_graphs": True, "precision": "bf16-mixed"}, False),
    "cuda_graphs + TF32": ({"cuda_graphs": True}, True),
}


def skae_epochs(X, device, epochs, **params):
    ae = AutoEncoderTransformer(CODE, hidden_layer_sizes=HIDDEN, batch_size=BATCH,
                                max_iter=epochs, tol=0.0, n_iter_no_change=epochs,
                                random_state=0, device=device, init="random",
                                early_stopping=False, **params).fit(X)
    durations = ae.net_.history[:, "dur"]
    return float(np.median(durations[1:] if len(durations) > 1 else durations)), ae


def raw_cuda_setup(X):
    """The hand-written loops' model and standardised data, on the device once."""
    torch.manual_seed(0)
    model = sequential(layer_sizes(X.shape[1], HIDDEN, CODE)).cuda()
    data = torch.from_numpy(X).cuda()
    return model, (data - data.mean(0)) / data.std()


def raw_cuda_epochs(X, epochs):
    """The hand-written loop on CUDA: data on the device once, slicing, fused Adam, MSE."""
    model, data = raw_cuda_setup(X)
    opt, times = adam(model), []
    for _ in range(epochs):
        torch.cuda.synchronize()
        start = time.perf_counter()
        order = torch.randperm(len(data), device="cuda")
        for i in range(0, len(data), BATCH):
            xb = data[order[i:i + BATCH]]
            loss = nn.functional.mse_loss(model(xb), xb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        loss.item()  # one sync per epoch, as skae's per-epoch loss record at most needs
        times.append(time.perf_counter() - start)
    return float(np.median(times[1:]))


def raw_cuda_graph_epochs(X, epochs):
    """The hand-written loop with forward, backward and Adam captured as one CUDA graph."""
    model, data = raw_cuda_setup(X)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, capturable=True)
    static_x = data[:BATCH].clone()

    def step():
        opt.zero_grad(set_to_none=False)
        loss = nn.functional.mse_loss(model(static_x), static_x)
        loss.backward()
        opt.step()
        return loss

    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm-up outside the graph, as capture requires
        for _ in range(3):
            step()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        static_loss = step()
    n_full, times = len(data) // BATCH * BATCH, []
    for _ in range(epochs):
        torch.cuda.synchronize()
        start = time.perf_counter()
        order = torch.randperm(len(data), device="cuda")
        for i in range(0, n_full, BATCH):
            static_x.copy_(data[order[i:i + BATCH]])
            graph.replay()
        static_loss.item()
        times.append(time.perf_counter() - start)
    return float(np.median(times[1:]))


def main():
    p = parser(__doc__.splitlines()[0], device=False)  # CUDA, and the CPU for the ratio
    p.add_argument("--variants", default=",".join(VARIANTS),
                   help="skae variants to time on CUDA, comma-separated (float32 always runs; "
                        "default: all)")
    args = p.parse_args()
    chosen = ["float32", *(v for v in args.variants.split(",") if v != "float32")]
    if unknown := [v for v in chosen if v not in VARIANTS]:
        p.error(f"unknown variants {unknown}; known: {', '.join(map(repr, VARIANTS))}")
    warnings.simplefilter("ignore", ConvergenceWarning)
    if not torch.cuda.is_available():
        print("no CUDA device here: nothing to measure")
        return
    X, _, X_test, _ = load_mnist(args.data, 10000 if args.quick else None)
    epochs = 3 if args.quick else 6
    rows = [{"contender": "raw torch loop", "device": "cuda",
             "epoch_s": raw_cuda_epochs(X, epochs)}]
    try:
        rows.append({"contender": "raw torch loop, whole step as a CUDA graph",
                     "device": "cuda", "epoch_s": raw_cuda_graph_epochs(X, epochs)})
    except Exception as exc:  # a floor we could not measure is reported, not fatal
        print(f"raw CUDA graph loop failed: {exc!r}")
    models = {}
    for name in chosen:
        params, tf32 = VARIANTS[name]
        torch.set_float32_matmul_precision("high" if tf32 else "highest")
        try:
            seconds, models[name] = skae_epochs(X, "cuda", epochs, **params)
        except Exception as exc:
            print(f"skae {name} failed: {exc!r}")
            continue
        finally:
            torch.set_float32_matmul_precision("highest")
        rows.append({"contender": f"skae {name}", "device": "cuda", "epoch_s": seconds})
        print(rows[-1], flush=True)
        write_results("bench_gpu", args, rows, {"partial": True})
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        cpu_s, _ = skae_epochs(X, "cpu", 2)
    finally:
        torch.set_num_threads(threads)
    rows.append({"contender": "skae float32", "device": "cpu (2 threads)", "epoch_s": cpu_s})
    for row in rows:
        row["vs_raw_cuda"] = row["epoch_s"] / rows[0]["epoch_s"]
        row["speedup_vs_cpu"] = cpu_s / row["epoch_s"]
    model = models["float32"]
    gpu_codes = model.transform(X_test)
    cpu_codes = model.to("cpu").transform(X_test)
    max_diff = float(np.abs(gpu_codes - cpu_codes).max())
    print(f"{torch.cuda.get_device_name()}, {len(X)} rows, batch {BATCH}")
    print_table(rows, ["contender", "device", "epoch_s", "vs_raw_cuda", "speedup_vs_cpu"])
    print(f"max |codes on CUDA - codes on CPU| = {max_diff:.2e} over {len(X_test)} rows")
    assert max_diff < 1e-3, "CUDA and CPU codes disagree"
    write_results("bench_gpu", args, rows, {"gpu": torch.cuda.get_device_name(),
                                            "torch": torch.__version__,
                                            "max_code_difference": max_diff})


if __name__ == "__main__":
    main()
