"""CUDA graphs of whole training steps (``cuda_graphs=True``)."""

import torch

from ._feeding import map_leaves

# the device types whose training steps are captured, and how many full batches run
# eagerly first (lazy initialisation: Adam's state, cuBLAS's workspace)
GRAPH_DEVICE_TYPES = ("cuda",)
GRAPH_WARMUP_STEPS = 3


class StepGraph:
    """One training step captured as a CUDA graph, replayed on fresh batches.

    ``step(batch)`` (skorch's ``train_step``: zero the gradients, forward, loss,
    backward, Adam's update) runs once under capture on static copies of ``batch``;
    each call copies a batch of the same shape into those copies and replays the
    graph: one launch for the whole step. Valid while the learning rate it captured
    (a constant of the graph) holds.
    """

    def __init__(self, step, batch, stream, generators=()):
        Xb, yb = batch
        X = Xb.clone()
        self.batch = (X, X if yb is Xb else yb.clone())  # an autoencoder's target is X
        self._capture(step, stream, generators)

    def _capture(self, step, stream, generators):
        self.graph = torch.cuda.CUDAGraph()
        for generator in generators:  # local generators drawn from inside the step: each
            self.graph.register_generator_state(generator)  # replay draws afresh from it
        with torch.cuda.graph(self.graph, stream=stream):
            outputs = step(self.batch)
        # detached: an autograd graph kept alive would tie later eager steps to the
        # capture's stream (torch warns of an AccumulateGrad stream mismatch)
        self.outputs = map_leaves(outputs, torch.Tensor, torch.Tensor.detach)

    def _replay(self):
        self.graph.replay()

    def __call__(self, batch):
        X, y = self.batch
        X.copy_(batch[0])
        if y is not X:
            y.copy_(batch[1])
        self._replay()
        return self.outputs


class GraphSteps:
    """A skorch net mixin: with ``cuda_graphs``, each full Adam batch on CUDA is replayed.

    A full batch (``batch_size`` rows) of an Adam fit on CUDA replays the whole step,
    captured once per learning rate (the cosine schedule recaptures once an epoch).
    The first ``GRAPH_WARMUP_STEPS`` full batches of the net, and every partial batch,
    run eagerly; so does everything when ``compile`` is set (its own CUDA graphs cannot
    nest in this one). Each batch is still one optimiser step on its own rows: the
    graph changes how the step is launched, not what it computes.
    """

    _GRAPH_STATE = ("_step_graph", "_graph_stream", "_graph_warmups")

    def train_step(self, batch, **fit_params):
        if not self._graphs_apply(batch, fit_params):
            return super().train_step(batch, **fit_params)
        state = self.__dict__  # kept out of skorch's attribute checks, never pickled
        if "_graph_warmups" not in state:
            state["_graph_stream"] = (torch.cuda.Stream(self.device)
                                      if torch.device(self.device).type == "cuda" else None)
            state["_graph_warmups"] = 0
        stream = state["_graph_stream"]
        if state["_graph_warmups"] < GRAPH_WARMUP_STEPS:
            state["_graph_warmups"] += 1
            return self._on_stream(stream, lambda: super(GraphSteps, self).train_step(batch))
        lrs = tuple(group["lr"] for group in self.optimizer_.param_groups)
        captured = state.get("_step_graph")
        if captured is None or captured[0] != lrs:  # the old graph's step size is stale
            self.drop_graphs()  # its memory goes before the new capture takes more
            captured = state["_step_graph"] = (lrs, self._capture_step(batch, stream))
        return captured[1](batch)

    def _graphs_apply(self, batch, fit_params):
        return (self.cuda_graphs and not self.compile_forward and not fit_params
                and torch.device(self.device).type in GRAPH_DEVICE_TYPES
                and isinstance(self.optimizer_, torch.optim.Adam)
                and len(batch[0]) == self.batch_size)

    @staticmethod
    def _on_stream(stream, fn):
        """``fn()`` on a side ``stream`` (graph capture wants its warm-up there)."""
        if stream is None:
            return fn()
        stream.wait_stream(torch.cuda.current_stream(stream.device))
        with torch.cuda.stream(stream):
            out = fn()
        torch.cuda.current_stream(stream.device).wait_stream(stream)
        return out

    def _capture_step(self, batch, stream):
        groups = self.optimizer_.param_groups
        for group in groups:  # Adam refuses capture otherwise; fused Adam computes the same
            group["capturable"] = True
        device = next(self.module_.parameters()).device
        generators = [module.generator_for(device) for module in self.module_.modules()
                      if hasattr(module, "generator_for")]
        try:
            return StepGraph(super().train_step, batch, stream, generators)
        finally:
            for group in groups:
                group["capturable"] = False

    def drop_graphs(self):
        """Forget the captured step (its memory goes back to the allocator)."""
        self.__dict__.pop("_step_graph", None)
