"""ONNX export of skae's transformers through skl2onnx (an optional dependency).

One line registers the converters; then ``skl2onnx.to_onnx`` converts any fitted pipeline
containing AutoEncoderTransformer, DenoisingAutoEncoder or StackedAutoEncoder::

    from skae.onnx import register_converters
    register_converters()
    onx = skl2onnx.to_onnx(pipeline, X[:1].astype("float32"))

The exported graph is the encoder (``transform``): standardisation, then the linear layers
and activations of the trained torch module, as constant weights.
"""

import numpy as np
from torch import nn

from ._autoencoder import AutoEncoderTransformer
from ._denoising import DenoisingAutoEncoder
from ._stacked import StackedAutoEncoder

TRANSFORMERS = (AutoEncoderTransformer, DenoisingAutoEncoder, StackedAutoEncoder)


def _shape_calculator(operator):
    n_rows = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = operator.inputs[0].type.__class__(
        [n_rows, operator.raw_operator.n_components_])


def _encoder_graph(estimator, X, dtype, opv):
    from skl2onnx.algebra import onnx_ops as ops

    activations = {nn.ReLU: ops.OnnxRelu, nn.Tanh: ops.OnnxTanh, nn.Sigmoid: ops.OnnxSigmoid}
    node = ops.OnnxDiv(ops.OnnxSub(X, estimator.mean_.astype(dtype), op_version=opv),
                       np.array([estimator.scale_], dtype=dtype), op_version=opv)
    for layer in estimator.module_.encoder:
        if isinstance(layer, nn.Linear):
            weight = layer.weight.detach().cpu().numpy().T.astype(dtype)
            bias = layer.bias.detach().cpu().numpy().astype(dtype)
            node = ops.OnnxAdd(ops.OnnxMatMul(node, weight, op_version=opv), bias, op_version=opv)
        elif type(layer) in activations:
            node = activations[type(layer)](node, op_version=opv)
    return node


def _converter(scope, operator, container):
    from skl2onnx.algebra.onnx_ops import OnnxIdentity
    from skl2onnx.common.data_types import guess_numpy_type

    opv = container.target_opset
    X = operator.inputs[0]
    node = _encoder_graph(operator.raw_operator, X, guess_numpy_type(X.type), opv)
    OnnxIdentity(node, op_version=opv, output_names=operator.outputs[:1]).add_to(
        scope, container)


def register_converters():
    """Register skl2onnx converters for skae's transformers.

    Returns
    -------
    registered : list of type
        The estimator classes now known to skl2onnx.

    Examples
    --------
    >>> from skae.onnx import register_converters
    >>> [cls.__name__ for cls in register_converters()]
    ['AutoEncoderTransformer', 'DenoisingAutoEncoder', 'StackedAutoEncoder']
    """
    from skl2onnx import update_registered_converter

    for cls in TRANSFORMERS:
        update_registered_converter(cls, f"Skae{cls.__name__}", _shape_calculator, _converter)
    return list(TRANSFORMERS)
