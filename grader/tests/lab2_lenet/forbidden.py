"""The torch operations Lab 2's exercises write themselves, by the aten names the grader's op guard sees."""

# torch.log_softmax / F.softmax / torch.logsumexp and their aten forms: log_softmax is built from max, exp, sum, log
SOFTMAX_OPS = ("_log_softmax", "log_softmax", "special_log_softmax", "_softmax", "softmax", "logsumexp")
# F.nll_loss / F.cross_entropy: nll_loss picks the target log-probabilities by indexing
NLL_OPS = ("nll_loss", "nll_loss_forward", "nll_loss_nd", "nll_loss2d", "nll_loss2d_forward", "cross_entropy_loss")
# F.max_pool2d / F.avg_pool2d / nn.MaxPool2d, their 1-d, 3-d, adaptive and fractional kinds, F.unfold (im2col) and
# Tensor.unfold: the pooling exercises cut their windows with indexing or as_strided and reduce them themselves
POOL_OPS = (
    "max_pool1d", "max_pool2d", "max_pool3d", "max_pool2d_with_indices", "max_pool3d_with_indices",
    "avg_pool1d", "avg_pool2d", "avg_pool3d", "_adaptive_avg_pool2d", "_adaptive_avg_pool3d", "adaptive_avg_pool2d",
    "adaptive_max_pool2d", "adaptive_max_pool3d", "fractional_max_pool2d", "fractional_max_pool3d",
    "mkldnn_max_pool2d", "quantized_max_pool2d", "im2col", "col2im", "unfold", "unfold_copy",
)
# F.batch_norm / nn.BatchNorm2d and the other normalisation layers: batch_norm2d computes mean and variance itself
NORM_OPS = (
    "batch_norm", "native_batch_norm", "_native_batch_norm_legit", "_native_batch_norm_legit_no_training",
    "_native_batch_norm_legit_functional", "_batch_norm_impl_index", "_batch_norm_with_update",
    "_batch_norm_no_update", "batch_norm_elemt", "batch_norm_stats", "cudnn_batch_norm", "miopen_batch_norm",
    "instance_norm", "layer_norm", "native_layer_norm", "group_norm", "native_group_norm",
)
