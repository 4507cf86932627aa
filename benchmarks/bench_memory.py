"""Peak resident memory of fitting MNIST: skae vs a raw torch loop vs PCA, each in a fresh process.

Every contender loads the same float32 array (60k x 784, pixels/255) and trains one epoch
(PCA: one fit). Target (speed issue): skae within 1.2x of the raw loop's peak — no copy of
X beyond one float32 version. Also: partial_fit over a stream of chunks keeps memory flat
(peak after 20 chunks vs after 80). The import rows separate what the libraries cost from
what the data cost: skae imports scikit-learn, scipy and skorch besides torch (and
scikit-learn imports pandas when it is installed); the raw loop with scikit-learn imported
is the same loop paying that import, so skae's ratio to it is what skae's data handling costs.
A skae fit with pandas blocked (``sys.modules["pandas"] = None``) stands for an environment
without pandas.

    python benchmarks/bench_memory.py [--quick] [--data PATH]
"""

import subprocess
import sys

from _common import load_mnist, parser, print_table, write_results

LOAD = """
import resource, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
sys.path.insert(0, {bench!r})
from _common import load_mnist
X = load_mnist({data!r}, {n})[0]
"""

RAW_LOOP = """
import torch
from torch import nn
model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 32), nn.Linear(32, 256),
                      nn.ReLU(), nn.Linear(256, 784))
opt = torch.optim.Adam(model.parameters(), fused=True)
data = torch.from_numpy(X)
for i in range(0, len(data), 256):
    xb = data[i:i + 256]
    loss = nn.functional.mse_loss(model(xb), xb)
    opt.zero_grad(); loss.backward(); opt.step()
"""

CONTENDERS = {
    "load only": "",
    "load + import torch": "import torch",
    "load + import skae": "import skae",
    "PCA(32).fit": "from sklearn.decomposition import PCA; PCA(32).fit(X)",
    "raw torch loop, 1 epoch": RAW_LOOP,
    # what skae imports besides torch (scikit-learn imports pandas if present)
    "raw torch loop, 1 epoch, scikit-learn imported": "import sklearn.base" + RAW_LOOP,
    "skae fit, 1 epoch": """
from skae import AutoEncoderTransformer
AutoEncoderTransformer(32, batch_size=256, max_iter=1, device="cpu", init="random",
                       early_stopping=False).fit(X)
""",
    # scikit-learn imports pandas only when it is installed: what skae costs without it
    "skae fit, 1 epoch, pandas not installed": """
import sys
sys.modules["pandas"] = None  # ``import pandas`` raises ImportError, as if not installed
from skae import AutoEncoderTransformer
AutoEncoderTransformer(32, batch_size=256, max_iter=1, device="cpu", init="random",
                       early_stopping=False).fit(X)
""",
    "skae partial_fit, 20 chunks": """
from skae import AutoEncoderTransformer
ae = AutoEncoderTransformer(32, device="cpu", init="random")
chunk = len(X) // 20
for i in range(20):
    ae.partial_fit(X[(i % 20) * chunk:(i % 20 + 1) * chunk])
""",
    "skae partial_fit, 80 chunks": """
from skae import AutoEncoderTransformer
ae = AutoEncoderTransformer(32, device="cpu", init="random")
chunk = len(X) // 20
for i in range(80):
    ae.partial_fit(X[(i % 20) * chunk:(i % 20 + 1) * chunk])
""",
}
REPORT = "\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"


def peak_mb(code):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main():
    args = parser(__doc__.splitlines()[0], device=False).parse_args()  # skae on the CPU
    from pathlib import Path

    load_mnist(args.data, 1, 1)  # a bad --data stops here, with its message, not in a child

    n = 10000 if args.quick else 60000
    bench = str(Path(__file__).resolve().parent)
    load = LOAD.format(bench=bench, data=args.data, n=n)
    rows = [{"contender": name, "peak_rss_mb": peak_mb(load + body + REPORT)}
            for name, body in CONTENDERS.items()]
    raw = next(r["peak_rss_mb"] for r in rows if r["contender"] == "raw torch loop, 1 epoch")
    raw_sk = next(r["peak_rss_mb"] for r in rows if "scikit-learn imported" in r["contender"])
    for r in rows:
        r["vs_raw_loop"] = r["peak_rss_mb"] / raw
        r["vs_raw_loop_with_sklearn"] = r["peak_rss_mb"] / raw_sk
    print(f"{n} rows x 784 float32 = {n * 784 * 4 / 2**20:.0f} MiB")
    print_table(rows, ["contender", "peak_rss_mb", "vs_raw_loop", "vs_raw_loop_with_sklearn"])
    write_results("bench_memory", args, rows)


if __name__ == "__main__":
    main()
