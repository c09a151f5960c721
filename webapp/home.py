"""The home tab: what the kit is, its labs (from the catalogue), and how to run your own code in the other tabs."""

import gradio as gr

from webapp.implementations import IMPLEMENTATIONS, SHIPPED_LABS

TITLE = "Home"


def switch_text(impl: str) -> str:
    """What the Implementation switches offer: the reference or your code in the kit, your code in a release."""
    if "solutions" not in IMPLEMENTATIONS:
        return ("Every tab with an **Implementation** switch runs *your* code (`labs/`): this student release ships no "
                "reference solutions. A function you have not written yet gives a polite message naming its TODO. "
                "Save your file and click again: the app picks up your edits without a restart.")
    return f"""Every tab with an **Implementation** switch can run the reference (`solutions/`) or *your* code
(`labs/`). Start the app with `python -m webapp --impl labs` to make your code the default
(this app started with `--impl {impl}`). A function you have not written yet gives a polite message
naming its TODO. Save your file and click again: the app picks up your edits without a restart."""


def home_markdown(impl: str) -> str:
    """The home page text, naming the implementation the app started with."""
    labs = "\n".join(f"{lab.number}. `labs/{lab.folder}/`: {lab.title}" for lab in SHIPPED_LABS)
    return f"""# Image Processing with Deep Learning: lab kit

The workshop's labs, a grader that checks your work, and this demo of the finished pieces.
Everything runs on this machine, offline.

## The labs
{labs}

Each lab folder has a README and stub functions marked `TODO(labN.k)`. Fill them in, then run
`python -m grader labN` to see what is right and what still needs work.

## Try your own code here
{switch_text(impl)}

In the **Digit reader** tab, *your code* means your LeNet and `predict_proba` with the weights you trained
with `python -m labs.lab2_lenet.train` (it writes `runs/lenet-mnist.safetensors`).
In the **Pokémon classifier** tab (Lab 4), *your code* means your `replace_head` and `unfreeze_last` with the model
you fine-tuned with `python -m labs.lab4_transfer.train` (it writes `runs/pokemon-species-finetune.safetensors`,
or `runs/pokemon-type-finetune.safetensors` with `--task type`).
In the **Segmentation** tab (Lab 5), *your code* means your U-Net, `predict_masks`, `iou` and `read_postcode` with
the weights you trained with `python -m labs.lab5_unet.train` (it writes `runs/unet-postcodes.safetensors`).
In the **Diffusion** tab (Lab 6), *your code* means your `ddpm_step` runs the DDPM sampler of the bundled model.
These three tabs say which weights they used: the bundled ones, or your file in `runs/`.

Every lab has its tab now.

## Grade your labs here
The **Check my labs** tab (the last one; under the tab bar's ⋯ on a narrow screen) runs the grader on your
`labs/` as `python -m grader labN` does, and shows its page: the points of each exercise, and each failure with
its feedback, hint and pictures.
"""


def build(impl: str) -> None:
    """Lay out the home page inside the current tab."""
    gr.Markdown(home_markdown(impl))
