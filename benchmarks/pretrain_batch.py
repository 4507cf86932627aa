"""bench_pretraining.py with pre-training's batch size and momentum set apart from fine-tuning's.

StackedAutoEncoderClassifier pre-trains and fine-tunes with one ``batch_size`` and one
``momentum``. The Theano SdA tutorial (lisa-lab/DeepLearningTutorials, code/SdA.py)
pre-trains and fine-tunes with plain SGD at batch 1: 4.3 hours on a 2-core CPU
(``bench_batch_one.py``), more than a working session, where fine-tuning alone at batch
1 for 15 epochs fits. This script wraps ``skae._pretraining.layer_net`` for the run, so that
each layer is pre-trained at ``--pretrain-batch-size`` with ``--pretrain-momentum``
while fine-tuning keeps ``--batch-size`` and ``--momentum``: with the same seed and
pre-training options, the pre-trained layers are those of a run with those settings
throughout. An experiment, not part of skae; its result file records this script and
its options as its command.

    python benchmarks/pretrain_batch.py --device cpu --tag T --pretrain-batch-size 20 \\
        --pretrain-momentum 0.9 --batch-size 1 --momentum 0 [bench_pretraining options]
"""

import sys

import bench_pretraining

from skae import _pretraining


def patch_pretraining(batch_size, momentum):
    """Make every pre-trained layer's net train at ``batch_size`` with ``momentum``."""
    layer_net = _pretraining.layer_net

    def layer_net_apart(params, *args, **kwargs):
        return layer_net({**params, "batch_size": batch_size, "momentum": momentum},
                         *args, **kwargs)

    _pretraining.layer_net = layer_net_apart


def more_options(p):
    p.add_argument("--pretrain-batch-size", type=int, required=True,
                   help="batch size of pre-training (fine-tuning keeps --batch-size)")
    p.add_argument("--pretrain-momentum", type=float, required=True,
                   help="sgd momentum of pre-training (fine-tuning keeps --momentum)")


def pretrain_apart(args):
    patch_pretraining(args.pretrain_batch_size, args.pretrain_momentum)
    return {"pretrain_batch_size": args.pretrain_batch_size,
            "pretrain_momentum": args.pretrain_momentum}


def main():
    bench_pretraining.patched_main(pretrain_apart, more_options)


if __name__ == "__main__":
    sys.exit(main())
