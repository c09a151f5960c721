"""Relations added for the wrong submissions no hint was written for (grader.feedback.relations): each channel or
row off by a constant of its own, a True/False map inverted, and integer results (indices) compared as numbers."""

import torch

from grader.feedback.relations import describe_relation

EXPECTED = torch.randn(2, 3, 6, 7, generator=torch.Generator().manual_seed(0))
LOG_PROBS = torch.log_softmax(torch.randn(4, 10, generator=torch.Generator().manual_seed(1)), dim=1)


def test_a_channel_offset_of_its_own_names_a_per_channel_bias():
    beta = torch.tensor([0.5, -1.0, 2.0]).view(1, 3, 1, 1)
    assert "per-channel bias or shift (beta)" in describe_relation(EXPECTED - beta, EXPECTED, 1e-5, 1e-5)


def test_a_row_offset_of_its_own_names_the_wrong_dimension():
    shifted = LOG_PROBS - torch.tensor([0.1, 0.4, -0.3, 0.2]).view(4, 1)
    assert "reduced over the wrong dimension" in describe_relation(shifted, LOG_PROBS, 1e-5, 1e-5)


def test_one_constant_for_everything_is_still_the_plain_offset():
    assert "plus a constant 0.5" in describe_relation(EXPECTED + 0.5, EXPECTED, 1e-5, 1e-5)


def test_an_inverted_map_names_the_comparison():
    edges = EXPECTED[0, 0] > 0.2
    assert "the other way round (< for >=)" in describe_relation(~edges, edges, 0.0, 0.0)


def test_integer_indices_one_row_off_are_an_offset():
    indices = torch.arange(12).view(1, 1, 3, 4) * 5
    assert "plus a constant 7" in describe_relation(indices + 7, indices, 0.0, 0.0)


def test_unrelated_results_get_no_sentence():
    other = torch.randn(2, 3, 6, 7, generator=torch.Generator().manual_seed(9))
    assert describe_relation(other, EXPECTED, 1e-5, 1e-5) is None
