"""Shared helpers of the benchmark scripts: data loading, timing, result files."""

import argparse
import json
import os
import platform
import re
import shlex
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import torch

DEFAULT_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist.npz"
RESULTS = Path(__file__).resolve().parent / "results"
MNIST_KEYS = ("X_train", "y_train", "X_test", "y_test")
_STARTED = time.perf_counter()  # a result file's wall time counts from the import


EPILOG = """\
Results are written to benchmarks/results/NAME[-TAG][-quick].json: NAME is the script's
name (some options add a variant, e.g. bench_hinton-pca), TAG the --tag, -quick under
--quick. A run without --quick and without --tag replaces the committed result file that
the docs cite; give a trial run a --tag (or --quick).
"""


def parser(description, *, data=True, device=True, engine=False, jobs=False):
    """An argument parser with the options every benchmark takes, and those it asks for.

    Each keyword adds options only for the scripts that use them, so that the others refuse
    them rather than record them in a result file: ``data`` adds ``--data`` (MNIST's path),
    ``device`` ``--device``, ``engine`` skae's ``--compile`` and ``--cuda-graphs``, ``jobs``
    ``--jobs``.
    """
    p = argparse.ArgumentParser(description=description, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    if data:
        p.add_argument("--data", default=os.environ.get("SKAE_MNIST", str(DEFAULT_MNIST)),
                       help="path to mnist.npz (X_train, y_train, X_test, y_test as uint8); "
                            "default $SKAE_MNIST or ../shared/data/mnist.npz")
    p.add_argument("--quick", action="store_true", help="a small subset, under a minute")
    if device:
        p.add_argument("--device", default="cpu", help="device for skae (cpu, cuda, auto)")
    if engine:
        p.add_argument("--compile", default=False, type=_compile_mode,
                       help='skae\'s compile parameter: a torch.compile mode ("default", '
                            '"reduce-overhead"); off unless given')
        p.add_argument("--cuda-graphs", action="store_true",
                       help="skae's cuda_graphs parameter: replay each training step as a "
                            "CUDA graph")
    p.add_argument("--tag", default=None, type=_tag,
                   help="appended to the result file's name (keeps a variant's results apart); "
                        "letters, digits and . _ + = -")
    if jobs:
        p.add_argument("--jobs", type=positive_int, default=1,
                       help="runs in parallel processes (several small trainings share a GPU)")
    return p


def positive_int(text):
    """An argparse type: a whole number of at least 1 (a count: seeds, repetitions, rows)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive count (at least 1)")
    return value


def positive_ints(text):
    """An argparse type: comma-separated positive whole numbers ("600,1000"), kept as text.

    The text stays as given (the result file's command records it so); the script splits it.
    """
    for item in text.split(","):
        try:
            positive_int(item)
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a comma-separated list of positive whole numbers") from None
    return text


def _tag(text):
    """``--tag``'s value: part of a file name, so letters, digits and ``. _ + = -`` only."""
    if not re.fullmatch(r"[A-Za-z0-9_+=-][A-Za-z0-9._+=-]*", text):
        raise argparse.ArgumentTypeError(
            f"{text!r}: a tag is part of the result file's name, so it takes letters, digits "
            "and . _ + = - only, and does not start with '.'")
    return text


def _compile_mode(text):
    """``--compile``'s value: False/True or a torch.compile mode."""
    return {"false": False, "true": True, "": False}.get(text.lower(), text)


def run_all(fn, configs, jobs=1, partial=None):
    """``[fn(**c) for c in configs]``, in ``jobs`` parallel processes when jobs > 1.

    Each process keeps torch to 2 threads so that parallel runs do not oversubscribe.
    ``partial(rows)``, when given, is called with the rows finished so far (in order), so
    that a run stopped by a time limit leaves its results behind.
    """
    if jobs == 1:
        results = (fn(**c) for c in configs)
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=jobs, backend="loky", return_as="generator")(
            delayed(_limited)(fn, c) for c in configs)
    rows = []
    for row in results:
        rows.append(row)
        if partial is not None and len(rows) < len(configs):
            partial(rows)
    return rows


def _limited(fn, config):
    import torch

    torch.set_num_threads(2)
    return fn(**config)


def torch_loop_epochs(model, optimizer, loss, X, y=None, *, batch, epochs, seed=0):
    """The hand-written torch loop the benchmarks measure skae against; each epoch's seconds.

    Rows of the tensor ``X`` (targets ``y``; None: X itself, an autoencoder) in batches
    of ``batch`` by tensor slicing, shuffled once per epoch by a generator seeded with
    ``seed``.
    """
    generator, times = torch.Generator().manual_seed(seed), []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(X), generator=generator)
        for i in range(0, len(X), batch):
            rows = order[i:i + batch]
            xb = X[rows]
            value = loss(model(xb), xb if y is None else y[rows])
            optimizer.zero_grad(set_to_none=True)
            value.backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
    return times


def load_mnist(path, n_train=None, n_test=None):
    """MNIST pixels scaled to [0, 1] as float32; never downloads.

    A path that is no MNIST archive ends the run (SystemExit) with a line saying why.
    """
    if not Path(path).exists():
        raise SystemExit(f"MNIST not found at {path}; pass --data PATH (nothing is downloaded).")
    if not Path(path).is_file():
        raise SystemExit(f"MNIST: {path} is not a file; --data takes the path of mnist.npz.")
    if not zipfile.is_zipfile(path):
        raise SystemExit(f"MNIST: {path} is not an .npz archive; --data takes mnist.npz with "
                         f"arrays {', '.join(MNIST_KEYS)}.")
    with np.load(path) as d:
        if missing := [k for k in MNIST_KEYS if k not in d.files]:
            raise SystemExit(f"MNIST: {path} lacks {', '.join(missing)} (it holds "
                             f"{', '.join(d.files) or 'nothing'}); --data takes mnist.npz with "
                             f"arrays {', '.join(MNIST_KEYS)}.")
        X_train = d["X_train"][:n_train].astype(np.float32) / 255
        X_test = d["X_test"][:n_test].astype(np.float32) / 255
        return X_train, d["y_train"][:n_train], X_test, d["y_test"][:n_test]


def timed(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` and the seconds it took."""
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def write_results(name, args, rows, extra=None):
    """Write ``rows``, the command line and machine to results/NAME[-TAG][-quick].json.

    NAME is the script's name, or that name and a variant (``bench_x-variant``). The
    command names the script that is running (an experiment script that imports a
    benchmark and patches something first records itself), else NAME's script; then the
    options set in ``args`` (a script's parser has only those it uses), leaving out those
    None or False, ``--data`` and ``--jobs 1``.
    """
    RESULTS.mkdir(exist_ok=True)
    running = Path(sys.argv[0])
    script = running.stem if running.suffix == ".py" else name.split("-", 1)[0]
    name += f"-{args.tag}" if getattr(args, "tag", None) else ""
    suffix = "-quick" if getattr(args, "quick", False) else ""
    out = RESULTS / f"{name}{suffix}.json"
    record = {
        "command": f"python benchmarks/{script}.py " + " ".join(
            _option(k) if v is True else f"{_option(k)} {shlex.quote(str(v))}"
            for k, v in vars(args).items()
            if v is not False and v is not None and k != "data"
            and not (k == "jobs" and v == 1)),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
        "wall_seconds": round(time.perf_counter() - _STARTED, 1),
        "rows": rows,
        **(extra or {}),
    }
    out.write_text(json.dumps(record, indent=1) + "\n")
    return out


def _option(dest):
    return "--" + dest.replace("_", "-")


def print_table(rows, columns):
    """Print ``rows`` (dicts) as an aligned text table of ``columns``."""
    widths = [max([len(c), *(len(_fmt(r.get(c))) for r in rows)]) for c in columns]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for r in rows:
        print("  ".join(_fmt(r.get(c)).ljust(w) for c, w in zip(columns, widths, strict=True)))


def _fmt(v):
    if isinstance(v, float):
        return f"{v:.4g}"
    return "" if v is None else str(v)
