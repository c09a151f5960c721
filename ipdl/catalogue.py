"""The lab catalogue: the one place that lists the labs, their folders, exercises, points and web tabs.

Every command asks here: the grader's lab and exercise selection, the generator, the release, the Gradescope
bundle, the web app's home page and tabs. The points are what an exercise is worth with the hidden tests; the
judge's `@pytest.mark.points` markers must add up to them (a project test checks it).

    lab = find_lab("1")                    # also "lab1" and "lab1_convolution"
    exercise = find_exercise("lab1.3")     # Exercise("lab1.3", "conv2d", "convolution", 25, uses=(...))
"""

import re
from dataclasses import dataclass, field

EXERCISE_ID = re.compile(r"^(?P<lab>lab\d+)\.\d+$")


@dataclass(frozen=True)
class Exercise:
    """One function (or method) a student writes."""

    id: str  # "lab1.3": the TODO tag of its stub
    function: str  # as the student sees it: "conv2d", "LeNet.forward"
    module: str  # the exercise module in the lab folder that holds it, without .py
    points: int  # all its tests together, public and hidden
    uses: tuple[str, ...] = ()  # exercises its reference calls: a wrong one there explains a failure here
    in_slot: bool = True  # part of the lab's workshop slot; False: going further (homework), see GOING_FURTHER


@dataclass(frozen=True)
class Lab:
    """One lab: a folder of labs/ (and of solutions/), a sheet, exercises and the web tabs that show it."""

    id: str  # "lab1"
    folder: str  # "lab1_convolution"
    title: str  # one line for menus and the home page
    exercises: tuple[Exercise, ...]
    tabs: tuple[str, ...] = field(default=())  # modules of webapp/tabs/ that show this lab

    @property
    def number(self) -> int:
        return int(self.id[3:])

    @property
    def points(self) -> int:
        return sum(exercise.points for exercise in self.exercises)

    @property
    def exercise_modules(self) -> tuple[str, ...]:
        """Modules that hold exercises; the lab's other .py files are given (harness, training script)."""
        return tuple(dict.fromkeys(exercise.module for exercise in self.exercises))


# Exercises for after the workshop: each lab's time plan (its sheet and notebook) leaves them out of the slot.
GOING_FURTHER = ("lab1.4", "lab2.7", "lab3.4", "lab5.10", "lab6.2", "lab6.7")


def _exercises(lab: str, module_rows: dict[str, list[tuple]]) -> tuple[Exercise, ...]:
    """Number the rows `(function, points, uses...)` of each module lab.1, lab.2, ... in the order given."""
    exercises = []
    for module, rows in module_rows.items():
        for function, points, *uses in rows:
            exercise_id = f"{lab}.{len(exercises) + 1}"
            exercises.append(Exercise(exercise_id, function, module, points, tuple(uses),
                                      in_slot=exercise_id not in GOING_FURTHER))
    return tuple(exercises)


LABS: tuple[Lab, ...] = (
    Lab("lab1", "lab1_convolution", "convolution and padding from scratch, Sobel edge detection", _exercises("lab1", {
        "convolution": [("pad2d", 8), ("conv_output_size", 4), ("conv2d", 25, "lab1.1", "lab1.2"),
                        ("convolve2d", 6, "lab1.3")],
        "sobel": [("to_grayscale", 4), ("sobel_gradients", 6, "lab1.3", "lab1.5"), ("sobel_edges", 3, "lab1.6"),
                  ("edge_map", 3, "lab1.7")],
    }), tabs=("convolution_playground", "convolution_visualizer", "edge_detector")),
    Lab("lab2", "lab2_lenet", "LeNet-5 trained on MNIST digits", _exercises("lab2", {
        "lenet": [("log_softmax", 7), ("nll_loss", 6), ("LeNet.__init__", 4), ("LeNet.forward", 5, "lab2.1", "lab2.3")],
        "training": [("train_one_epoch", 8, "lab2.2"), ("evaluate", 4, "lab2.2"), ("predict_proba", 3)],
        "pooling": [("pool_windows", 5), ("max_pool2d", 8, "lab2.8"), ("avg_pool2d", 4, "lab2.8"),
                    ("min_pool2d", 3, "lab2.8")],
        "normalisation": [("batch_norm2d", 8)],
    }), tabs=("digit_reader",)),
    Lab("lab3", "lab3_pretrained", "classify photos with an ImageNet-pretrained network", _exercises("lab3", {
        "preprocess": [("imagenet_preprocess", 12)],
        "predictions": [("topk_labels", 6)],
        "model_summary": [("count_parameters", 5), ("describe_model", 6)],
        "residual": [("BasicBlock.__init__", 4), ("BasicBlock.forward", 6, "lab3.5")],
    }), tabs=("pretrained_classifier",)),
    Lab("lab4", "lab4_transfer", "transfer learning: fine-tune a pretrained network on a small new data set",
        _exercises("lab4", {
            "transfer": [("replace_head", 5), ("freeze_backbone", 4), ("unfreeze_last", 6, "lab4.2"),
                         ("param_groups", 4)],
            "finetune": [("finetune", 8, "lab4.4")],
        }), tabs=("pokemon_classifier",)),
    Lab("lab5", "lab5_unet", "a U-Net that reads handwritten postcodes pixel by pixel (semantic segmentation)",
        _exercises("lab5", {
            "unet": [("DoubleConv", 4), ("Down", 4, "lab5.1"), ("Up.__init__", 5, "lab5.1"),
                     ("Up.forward", 9, "lab5.3"), ("UNet.__init__", 6, "lab5.1", "lab5.2", "lab5.3"),
                     ("UNet.forward", 10, "lab5.2", "lab5.4", "lab5.5"), ("predict_masks", 4, "lab5.6")],
            "metrics": [("pixel_accuracy", 4), ("iou", 7), ("dice", 4), ("mean_iou", 6, "lab5.9")],
            "losses": [("dice_loss", 6)],
            "reading": [("read_postcode", 8)],
        }), tabs=("segmentation",)),
    Lab("lab6", "lab6_diffusion", "a small denoising diffusion model", _exercises("lab6", {
        "schedules": [("linear_beta_schedule", 3), ("cosine_beta_schedule", 3), ("alphas_cumprod", 2),
                      ("q_sample", 4)],
        "reverse_step": [("predict_x0", 4), ("ddpm_step", 6, "lab6.5")],
        "loss": [("diffusion_loss", 4, "lab6.4")],
    }), tabs=("diffusion",)),
)
LAB_FOLDERS = tuple(lab.folder for lab in LABS)


class UnknownLab(ValueError):
    """A lab or exercise name the catalogue does not know; the message lists the ones it does."""


def find_lab(name: str) -> Lab:
    """The lab called `name`: its id (`lab1`), its number (`1`) or its folder (`lab1_convolution`)."""
    key = name.strip().lower()
    for lab in LABS:
        if key in (lab.id, str(lab.number), lab.folder):
            return lab
    raise UnknownLab(f"unknown lab {name!r}; the kit has {', '.join(lab.id for lab in LABS)} "
                     f"(or their numbers, or folder names such as {LABS[0].folder})")


def find_exercise(exercise_id: str) -> Exercise:
    """The exercise `lab1.3`."""
    match = EXERCISE_ID.match(exercise_id.strip().lower())
    if match:
        for exercise in find_lab(match["lab"]).exercises:
            if exercise.id == exercise_id.strip().lower():
                return exercise
    raise UnknownLab(f"unknown exercise {exercise_id!r}; exercises are named labN.k, e.g. "
                     f"{LABS[0].exercises[2].id} ({LABS[0].exercises[2].function})")


def lab_of(exercise_id: str) -> Lab:
    """The lab an exercise id belongs to."""
    return find_lab(find_exercise(exercise_id).id.split(".")[0])


def is_exercise_id(name: str) -> bool:
    return EXERCISE_ID.match(name.strip().lower()) is not None
