"""Lab 6: diffusion — the noising process by hand, one reverse DDPM step, the training loss, and a small
class-conditional UNet2DModel from diffusers trained on the kit's MNIST digits."""
