"""The edge detector's functions on an image with one known edge, its threshold, and its errors."""

import gradio as gr
import numpy as np
import pytest

from webapp.tabs.edge_detector import (
    detect_edges,
    detect_edges_event,
    edge_image,
    edge_image_event,
    signed_to_display,
)


def vertical_step(H: int = 12, W: int = 16) -> np.ndarray:
    """Black left half, white right half: one vertical edge between columns W/2 - 1 and W/2."""
    image = np.zeros((H, W, 3), dtype=np.uint8)
    image[:, W // 2 :] = 255
    return image


def test_vertical_edge_shows_in_gx_magnitude_and_map_only() -> None:
    gx, gy, magnitude, edges = detect_edges(vertical_step(), threshold=0.5)
    edge_columns = [7, 8]
    assert (gx[:, edge_columns] == 255).all()  # brightness grows to the right: bright
    assert (np.delete(gx, edge_columns, axis=1) == 128).all()  # no gradient: mid gray
    assert (gy == 128).all()  # nothing changes vertically
    assert (magnitude[:, edge_columns] == 255).all() and (np.delete(magnitude, edge_columns, axis=1) == 0).all()
    expected = np.zeros((12, 16), dtype=np.uint8)
    expected[:, edge_columns] = 255
    np.testing.assert_array_equal(edges, expected)


def test_threshold_zero_marks_everything_and_one_only_the_strongest() -> None:
    ramp = np.tile((np.arange(16) ** 2).astype(np.uint8), (8, 1))  # gradient grows to the right
    assert (edge_image(ramp, 0.0) == 255).all()
    strongest = edge_image(ramp, 1.0)
    assert 0 < (strongest == 255).sum() < strongest.size


def test_outputs_have_the_input_size() -> None:
    outputs = detect_edges(np.zeros((30, 50), dtype=np.uint8))
    assert [o.shape for o in outputs] == [(30, 50)] * 4
    assert (outputs[3] == 0).all()  # a flat image has no edges


@pytest.mark.parametrize("threshold", [-0.1, 1.5, None, float("nan"), float("inf"), "abc"])
def test_threshold_outside_zero_one_is_a_gr_error(threshold: object) -> None:
    with pytest.raises(gr.Error, match=r"The threshold must be a number from 0 to 1|The threshold is empty|The "
                       r"threshold holds 'abc'"):
        detect_edges(vertical_step(), threshold)
    assert (edge_image(vertical_step(), 0.5) >= 0).all()  # a good threshold still works


def test_events_add_the_status_line() -> None:
    *pictures, status = detect_edges_event(vertical_step(), 0.5, "solutions")
    assert len(pictures) == 4 and status == "Edges by the reference code, threshold 0.50."
    edges, status = edge_image_event(vertical_step(), 0.25, "solutions")
    assert edges.shape == (12, 16) and status == "Edges by the reference code, threshold 0.25."


def test_missing_image_is_a_gr_error() -> None:
    with pytest.raises(gr.Error, match="Pick a sample photo or upload one"):
        edge_image(None, 0.2)


def test_labs_stub_gives_the_polite_error_for_the_first_exercise_it_needs() -> None:
    with pytest.raises(gr.Error) as error:
        detect_edges(vertical_step(), 0.2, impl="labs")
    assert error.value.message == (
        "Your sobel_gradients is not implemented yet (TODO lab1.6 in labs/lab1_convolution/sobel.py). "
        "Switch the implementation to 'reference' to see the expected result."
    )


def test_signed_display_maps_zero_to_mid_gray() -> None:
    np.testing.assert_array_equal(signed_to_display(np.array([-4.0, 0.0, 4.0])), [0, 128, 255])
    assert (signed_to_display(np.zeros(3)) == 128).all()
