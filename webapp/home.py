"""The home tab: what the kit is, the six labs, and how to run your own code in the other tabs."""

import gradio as gr

TITLE = "Home"
LABS = (
    ("lab1_convolution", "convolution and padding from scratch, Sobel edge detection"),
    ("lab2_lenet", "LeNet-5 trained on MNIST digits"),
    ("lab3_pretrained", "classify photos with an ImageNet-pretrained network"),
    ("lab4_transfer", "transfer learning: fine-tune a pretrained network on a small new data set"),
    ("lab5_unet", "a U-Net that reads handwritten postcodes pixel by pixel (semantic segmentation)"),
    ("lab6_diffusion", "a small denoising diffusion model"),
)


def home_markdown(impl: str) -> str:
    """The home page text, naming the implementation the app started with."""
    labs = "\n".join(f"{n}. `labs/{name}/`: {what}" for n, (name, what) in enumerate(LABS, start=1))
    return f"""# Image Processing with Deep Learning: lab kit

The workshop's six labs, a grader that checks your work, and this demo of the finished pieces.
Everything runs on this machine, offline.

## The labs
{labs}

Each lab folder has a README and stub functions marked `TODO(labN.k)`. Fill them in, then run
`python -m grader labN` to see what is right and what still needs work.

## Try your own code here
Every tab with an **Implementation** switch can run the reference (`solutions/`) or *your* code
(`labs/`). Start the app with `python -m webapp --impl labs` to make your code the default
(this app started with `--impl {impl}`). A function you have not written yet gives a polite message
naming its TODO. Save your file and click again: the app picks up your edits without a restart.

In the **Digit reader** tab, *your code* means your LeNet and `predict_proba` with the weights you trained
with `python -m labs.lab2_lenet.train` (it writes `runs/lenet-mnist.safetensors`).
In the **Segmentation** tab (Lab 5), *your code* means your U-Net, `predict_masks`, `iou` and `read_postcode` with
the weights you trained with `python -m labs.lab5_unet.train` (it writes `runs/unet-postcodes.safetensors`).
In the **Diffusion** tab (Lab 6), *your code* means your `ddpm_step` runs the DDPM sampler of the bundled model.

Every lab has its tab now.
"""


def build(impl: str) -> None:
    """Lay out the home page inside the current tab."""
    gr.Markdown(home_markdown(impl))
