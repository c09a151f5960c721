"""Lab 2: LeNet on MNIST, with log-softmax and the NLL loss written from scratch."""
