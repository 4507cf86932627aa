"""ONNX export of skae's transformers through skl2onnx (an optional dependency).

One line registers the converters; then ``skl2onnx.to_onnx`` converts any fitted pipeline
containing AutoEncoderTransformer, DenoisingAutoEncoder or StackedAutoEncoder::

    from skae.onnx import register_converters
    register_converters()
    onx = skl2onnx.to_onnx(pipeline, X[:1].astype("float32"))

The exported graph is the encoder (``transform``): standardisation (a missing entry, NaN,
at its column's mean, as ``transform`` takes it), then the linear layers and activations
of the trained torch module, as constant weights. Integer input is cast to float32, as
skl2onnx's own converters cast it.
"""

import numpy as np
from torch import nn

from ._autoencoder import AutoEncoderTransformer
from ._denoising import DenoisingAutoEncoder
from ._stacked import StackedAutoEncoder

TRANSFORMERS = (AutoEncoderTransformer, DenoisingAutoEncoder, StackedAutoEncoder)


def _float_type(input_type):
    """The input's tensor type where it is float32 or float64, else float32's."""
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    return type(input_type) if type(input_type) is DoubleTensorType else FloatTensorType


def _shape_calculator(operator):
    from skl2onnx.common.utils import check_input_and_output_numbers

    # one input tensor: a DataFrame's columns as separate inputs are refused, as for PCA
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    n_rows = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = _float_type(operator.inputs[0].type)(
        [n_rows, operator.raw_operator.n_components_])


def _layer_graph(layer, node, dtype, opv):
    """The ONNX graph of one encoder layer (Linear, activation, Sequential or Residual)."""
    from skl2onnx.algebra import onnx_ops as ops

    from ._modules import Residual

    activations = {nn.ReLU: ops.OnnxRelu, nn.Tanh: ops.OnnxTanh, nn.Sigmoid: ops.OnnxSigmoid}
    if isinstance(layer, nn.Linear):
        weight = layer.weight.detach().cpu().numpy().T.astype(dtype)
        bias = layer.bias.detach().cpu().numpy().astype(dtype)
        return ops.OnnxAdd(ops.OnnxMatMul(node, weight, op_version=opv), bias, op_version=opv)
    if isinstance(layer, Residual):
        return ops.OnnxAdd(_layer_graph(layer.linear, node, dtype, opv),
                           _layer_graph(layer.branch, node, dtype, opv), op_version=opv)
    if isinstance(layer, nn.Sequential):
        for sub in layer:
            node = _layer_graph(sub, node, dtype, opv)
        return node
    if type(layer) in activations:
        return activations[type(layer)](node, op_version=opv)
    return node  # nn.Identity


def _encoder_graph(estimator, X, dtype, opv):
    from skl2onnx.algebra import onnx_ops as ops

    z = ops.OnnxDiv(ops.OnnxSub(X, estimator.mean_.astype(dtype), op_version=opv),
                    np.array([estimator.scale_], dtype=dtype), op_version=opv)
    # a missing entry enters at its column's mean: 0 once standardised, unless the model
    # does not standardise by it (a cross-entropy model)
    standardize = estimator.module_.standardize
    fill = (standardize._exact_missing if hasattr(standardize, "missing_value")
            else np.zeros(1))
    node = ops.OnnxWhere(ops.OnnxIsNaN(z, op_version=opv), fill.astype(dtype), z,
                         op_version=opv)
    return _layer_graph(estimator.module_.encoder, node, dtype, opv)


def _converter(scope, operator, container):
    from skl2onnx.algebra.onnx_ops import OnnxCast, OnnxIdentity
    from skl2onnx.common.data_types import guess_numpy_type, guess_proto_type

    opv = container.target_opset
    X = operator.inputs[0]
    float_type = _float_type(X.type)
    if float_type is not type(X.type):  # integers: cast, as skl2onnx's converters do
        X = OnnxCast(X, to=guess_proto_type(float_type([])), op_version=opv)
    node = _encoder_graph(operator.raw_operator, X, guess_numpy_type(float_type([])), opv)
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
