"""Lab 1: convolution from scratch and Sobel edge detection."""
