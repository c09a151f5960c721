"""The Lab 3 judge on real targets: the reference earns full marks, the stubs nothing, and a submission with one
typical mistake per exercise gets that mistake named in the hint."""

from pathlib import Path

import pytest
from grading_helpers import (
    GraderRun,
    check_a_hint_names,
    check_every_hint_names,
    check_reference_gets_full_marks,
    check_stubs_get_nothing,
    grade_reference_with_mistakes,
)

MISTAKES = {  # module -> code appended to the reference module (later definitions win)
    "preprocess.py": '''

_right_preprocess = imagenet_preprocess


def imagenet_preprocess(img, resize_to=256, crop_to=224):
    if isinstance(img, np.ndarray):
        img = Image.fromarray(img)
    return T.Compose([T.Resize(resize_to), T.CenterCrop(crop_to), T.ToTensor()])(img.convert("RGB"))
''',
    "predictions.py": '''

def topk_labels(logits, k, categories):
    values, indices = logits.topk(k, dim=-1)
    return [(categories[i], v) for v, i in zip(values.tolist(), indices.tolist())]
''',
    "model_summary.py": '''

def count_parameters(model, trainable_only=False):
    return sum(t.numel() for t in model.state_dict().values())
''',
}


@pytest.fixture(scope="module")
def mistaken_run(tmp_path_factory: pytest.TempPathFactory) -> GraderRun:
    folder = tmp_path_factory.mktemp("submission")
    return grade_reference_with_mistakes("lab3", "lab3_pretrained", MISTAKES, folder)


def test_reference_gets_full_marks(tmp_path: Path) -> None:
    check_reference_gets_full_marks("lab3", tmp_path)


def test_stubs_get_nothing(tmp_path: Path) -> None:
    check_stubs_get_nothing("lab3", tmp_path)


def test_missing_normalisation_is_named(mistaken_run: GraderRun) -> None:
    check_a_hint_names(mistaken_run, "lab3.1", "normalisation is missing")


def test_logits_as_probabilities_are_named(mistaken_run: GraderRun) -> None:
    check_a_hint_names(mistaken_run, "lab3.2", "softmax")


def test_counting_the_state_dict_is_named(mistaken_run: GraderRun) -> None:
    check_every_hint_names(mistaken_run, "lab3.3", "buffers")


def test_untouched_exercise_keeps_its_points(mistaken_run: GraderRun) -> None:
    exercises = mistaken_run.report["grade"]["labs"]["lab3"]["exercises"]
    assert exercises["lab3.4"]["score"] == exercises["lab3.4"]["max_score"], exercises
