"""What the Theano SdA tutorial's batch size 1 would cost here: time per SGD step.

The tutorial (lisa-lab/DeepLearningTutorials, doc/SdA.txt) reaches 1.3% MNIST test error
with three 1000-unit sigmoid layers trained one example at a time: 15 pre-training epochs
a layer (tied denoising autoencoders), then fine-tuning stopped after 36 epochs, on 50,000
training rows. skae's SdA runs use batch 20. This times, at batch 1 and 20, one SGD epoch
(the second, after a warm-up one) on ``--rows`` MNIST rows of

- fine-tuning: the 784-1000-1000-1000-10 StackedAutoEncoderClassifier, pretraining="none"
  (plain SGD, step 0.1, no momentum and no weight decay, as the tutorial), and the same
  network in a hand-written torch loop at batch 1 (tensor slicing, ``torch.optim.SGD``
  fused, as skae's);
- pre-training: one tied denoising layer (DenoisingAutoEncoder, sigmoid code,
  cross-entropy, 25% masking), 784 -> 1000 on pixels and 1000 -> 1000 on uniform codes in
  [0, 1] (as the upper layers see),

each time the median of ``--reps`` repetitions (run in a rotated order, so that a slow
spell of the shared machine does not land on one contender; ``spread_s``: their range in
seconds), and extrapolates each to the tutorial's schedule: 1 + 2 layers x 15 epochs of
pre-training and 36 of fine-tuning, each of 50,000 rows.

    python benchmarks/bench_batch_one.py [--quick] [--data PATH] [--rows 3000] [--reps 3]
"""

import warnings
from functools import partial

import numpy as np
import torch
from _common import load_mnist, parser, positive_int, print_table, torch_loop_epochs, write_results
from sklearn.exceptions import ConvergenceWarning
from torch import nn

from skae import DenoisingAutoEncoder, StackedAutoEncoderClassifier

TUTORIAL_ROWS = 50_000
SGD = {"solver": "sgd", "momentum": 0.0, "alpha": 0.0, "learning_rate": 0.1, "max_iter": 2,
       "tol": 0.0, "n_iter_no_change": 2, "shuffle": True, "random_state": 0}


def fine_tuning_epoch(X, y, hidden, batch, device):
    clf = StackedAutoEncoderClassifier(hidden, pretraining="none", activation="sigmoid",
                                       batch_size=batch, device=device, **SGD).fit(X, y)
    return clf.net_.history[-1, "dur"]


def raw_fine_tuning_epoch(X, y, hidden, batch):
    """The same network and step in a hand-written loop; the second epoch's time."""
    torch.manual_seed(0)
    sizes = [X.shape[1], *hidden]
    layers = [m for a, b in zip(sizes[:-1], sizes[1:], strict=True)
              for m in (nn.Linear(a, b), nn.Sigmoid())]
    model = nn.Sequential(*layers, nn.Linear(sizes[-1], int(y.max()) + 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, fused=True)  # as skae's on the CPU
    return torch_loop_epochs(model, opt, nn.functional.cross_entropy, torch.from_numpy(X),
                             torch.from_numpy(y.astype(np.int64)), batch=batch, epochs=2)[-1]


def pretraining_epoch(X, width, batch, device):
    dae = DenoisingAutoEncoder(width, hidden_layer_sizes=(), activation="sigmoid",
                               code_activation="sigmoid", tied_weights=True,
                               reconstruction_loss="cross_entropy", noise_ratio=0.25,
                               batch_size=batch, device=device, early_stopping=False,
                               **SGD).fit(X)
    return dae.net_.history[-1, "dur"]


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--rows", type=positive_int, default=None,
                   help="MNIST rows an epoch is timed on (3000; --quick: 300)")
    p.add_argument("--reps", type=positive_int, default=3,
                   help="repetitions; each time is their median")
    args = p.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    rows = args.rows or (300 if args.quick else 3000)
    width = 200 if args.quick else 1000
    X, y, _, _ = load_mnist(args.data, rows, 0)
    rows = len(X)  # MNIST has 60,000
    hidden = (width,) * 3
    codes = np.random.default_rng(0).random((rows, width), dtype=np.float32)
    runs = [  # (part, runner, batch, tutorial epochs over 50,000 rows, one timed epoch)
        *((f"pre-train {X.shape[1]}-{width}", "skae", b, 15,
           partial(pretraining_epoch, X, width, b, args.device)) for b in (1, 20)),
        *((f"pre-train {width}-{width} (x2)", "skae", b, 30,
           partial(pretraining_epoch, codes, width, b, args.device)) for b in (1, 20)),
        ("fine-tune", "skae", 20, 36, partial(fine_tuning_epoch, X, y, hidden, 20, args.device)),
        # the two batch-1 fine-tunings last and side by side: a paired ratio each repetition
        ("fine-tune", "skae", 1, 36, partial(fine_tuning_epoch, X, y, hidden, 1, args.device)),
        ("fine-tune", "torch loop", 1, 36, partial(raw_fine_tuning_epoch, X, y, hidden, 1)),
    ]
    seconds = [[] for _ in runs]
    for rep in range(args.reps):  # each repetition in a rotated order
        for i in np.roll(np.arange(len(runs)), -rep):
            seconds[i].append(runs[i][-1]())
    results = [{"part": part, "runner": runner, "batch": batch, "epochs": epochs,
                "seconds": float(np.median(s)), "spread_s": float(np.ptp(s)),
                "each_s": [float(t) for t in s]}
               for (part, runner, batch, epochs, _), s in zip(runs, seconds, strict=True)]
    for r in results:
        r["ms_per_step"] = 1000 * r["seconds"] / -(-rows // r["batch"])
        r["tutorial_hours"] = r["seconds"] * TUTORIAL_ROWS / rows * r["epochs"] / 3600
    print_table(results, ["part", "runner", "batch", "ms_per_step", "spread_s", "epochs",
                          "tutorial_hours"])
    totals = {f"skae_batch{b}_hours": sum(r["tutorial_hours"] for r in results
                                           if r["runner"] == "skae" and r["batch"] == b)
              for b in (1, 20)}
    ratios = [a / b for a, b in zip(seconds[-2], seconds[-1], strict=True)]
    totals["fine_tune_batch1_skae_over_torch_loop"] = float(np.median(ratios))
    totals["each_repetition_ratio"] = ratios
    print("\n" + "  ".join(f"{k} {np.round(v, 2)}" for k, v in totals.items()))
    write_results("bench_batch_one", args, results, {"totals": totals, "timed_rows": rows,
                                                     "width": width})


if __name__ == "__main__":
    main()
