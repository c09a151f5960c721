"""pad2d writes a 200 MB file."""
# select: test_zeros_with_int_padding or test_to_grayscale
# expect: fail
# feedback: file size limit


def pad2d(x, padding, mode="zeros"):
    with open("big.bin", "wb") as sink:
        for _ in range(200):
            sink.write(b"\0" * 1024 * 1024)
