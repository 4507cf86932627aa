"""Training overhead counted in instructions: skae vs the hand-written loop, under callgrind.

Wall-clock ratios on the shared 2-core machine move by 10-80% between repetitions
(``bench_overhead.py`` prints them per repetition). Instruction counts do not: valgrind's
callgrind counts the instructions a process executes, the same for the same program and
input whatever else the machine does. Each contender (the same code as bench_overhead.py:
784-64-8 at batch 64, one torch thread, 2,000 random rows) runs under callgrind twice, for
2 and for 2 + ``--extra`` epochs; the difference, divided by the extra epochs and the
batches an epoch, is what one training step costs, with import, set-up and the first
epoch's one-time work (kernel selection; it moved a 1-epoch baseline by 114 M instructions
between two runs) cancelled. Instructions
are not time (a cache miss costs more than an add), but a per-step overhead in Python shows
in them one for one. Needs valgrind; takes about 3 minutes a run, two runs at a time.

    python benchmarks/instructions_overhead.py [--extra 4] [--batch 64] [--keep DIR]
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import positive_int

HERE = Path(__file__).resolve().parent
PROGRAM = """
import sys, warnings
sys.path.insert(0, {bench!r})
import numpy as np, torch
torch.set_num_threads(1)
warnings.simplefilter("ignore")
from bench_overhead import layer_sizes, raw_loop_epochs, skae_epochs
X = np.random.default_rng(0).random(({rows}, 784), dtype=np.float32)
sizes = layer_sizes(784, {hidden!r}, {code})
if {which!r} == "raw":
    raw_loop_epochs(X, sizes, {batch}, {epochs})
else:
    skae_epochs(X, {hidden!r}, {code}, {batch}, {epochs})
"""


def instructions(which, epochs, args, tmp):
    """Instructions callgrind counts for one run of ``which`` over ``epochs`` epochs."""
    code = PROGRAM.format(bench=str(HERE), rows=args.rows, hidden=(args.hidden,),
                          code=args.code, which=which, batch=args.batch, epochs=epochs)
    out = Path(tmp) / f"{which}-{epochs}.out"
    run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                          sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONHASHSEED": "0", "PATH": "/usr/bin:/bin"}, check=True)
    return int(re.search(r"Collected : (\d+)", run.stderr).group(1))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--extra", type=positive_int, default=4, help="extra epochs of the long runs")
    p.add_argument("--batch", type=positive_int, default=64)
    p.add_argument("--hidden", type=positive_int, default=64)
    p.add_argument("--code", type=positive_int, default=8)
    p.add_argument("--rows", type=positive_int, default=2000)
    p.add_argument("--keep", default=None,
                   help="a folder to keep callgrind's output files in (for callgrind_annotate)")
    args = p.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind not found: nothing to count")
        return
    runs = [(w, e) for w in ("raw", "skae") for e in (2, 2 + args.extra)]
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(2) as pool:
        out = args.keep or tmp
        Path(out).mkdir(parents=True, exist_ok=True)
        counts = dict(zip(runs, pool.map(lambda r: instructions(*r, args, out), runs),
                          strict=True))
    steps = args.extra * -(-args.rows // args.batch)
    per_step = {w: (counts[(w, 2 + args.extra)] - counts[(w, 2)]) / steps
                for w in ("raw", "skae")}
    for (w, e), n in counts.items():
        print(f"{w:4s} {e} epoch(s): {n:,} instructions")
    print(f"784-{args.hidden}-{args.code}, batch {args.batch}: per training step raw "
          f"{per_step['raw']:,.0f}, skae {per_step['skae']:,.0f} instructions; "
          f"skae/raw {per_step['skae'] / per_step['raw']:.3f}")


if __name__ == "__main__":
    main()
