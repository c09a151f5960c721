"""The torch operations Lab 1's exercises write themselves, by the aten names the grader's op guard sees."""

# torch.nn.functional.pad and what it runs underneath: pad2d pads by indexing or torch.cat
PAD_OPS = (
    "pad",
    "constant_pad_nd",
    "reflection_pad1d",
    "reflection_pad2d",
    "reflection_pad3d",
    "replication_pad1d",
    "replication_pad2d",
    "replication_pad3d",
)
# F.conv2d / nn.Conv2d (convolution and the backends below it), F.unfold (im2col), Tensor.unfold
CONV_OPS = (
    "convolution",
    "_convolution",
    "conv2d",
    "_slow_conv2d_forward",
    "thnn_conv2d",
    "mkldnn_convolution",
    "im2col",
    "col2im",
    "unfold",
    "unfold_copy",
)
