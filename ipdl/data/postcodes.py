"""Handwritten "postcodes" for Lab 5's segmentation: 4-6 real MNIST digits written left to right on paper with
noise, ruled lines and specks, and a label for every pixel (0 = background, 1 + d = digit d). Deterministic per
seed, and vectorised: every digit of a whole batch is placed with one `grid_sample` (Jaderberg et al. 2015).

    codes = make_postcodes(64, split="train", seed=0)   # codes.images (64, 1, 64, 192), codes.masks (64, 64, 192)
    codes.postcode(0)                                    # e.g. "40213"
    heldout = heldout_postcodes()                        # the fixed 1,000 test canvases, made of test digits only

Training canvases use only the digits of the kit's fixed MNIST training split, test canvases only its test digits.
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

from ipdl.data.mnist import IMAGE_SIZE, MnistPixels, load_mnist_pixels

CANVAS_HEIGHT = 64  # pixels
CANVAS_WIDTH = 192
MIN_DIGITS, MAX_DIGITS = 4, 6  # digits per postcode
BACKGROUND = 0  # mask value of paper, lines and specks
NUM_CLASSES = 11  # background + the digits 0-9 (mask value 1 + d)
INK_THRESHOLD = 0.5  # a pixel belongs to a digit where its (resampled) ink is at least this, on a 0-1 scale
INK_SHARPNESS = 2.0  # ink is drawn with this much more contrast around INK_THRESHOLD than MNIST's soft edges have
HELDOUT_COUNT = 1000  # the fixed held-out canvases every Lab 5 figure is measured on ...
HELDOUT_SEED = 2024  # ... drawn from the test digits with this seed
BATCH_SEED_STRIDE = 1_000_003  # postcode_batches: batch i of seed s is made from seed s * stride + i
RENDER_CHUNK = 256  # canvases rendered at once (bounds the memory of the sampling grids)
WINDOW_WIDTH = 56  # columns around a digit that can hold its ink (at most about 48 wide when largest and turned)
INK_LEVELS = 10_000  # ink is kept to 1/INK_LEVELS while digits are composed (exact in float32 with the class)


@dataclass(frozen=True)
class PostcodeStyle:
    """The random ranges a canvas is drawn from; the defaults make the kit's postcodes."""

    scale: tuple[float, float] = (1.0, 1.45)  # size of a postcode's digits relative to MNIST's 28x28 ...
    scale_jitter: float = 0.08  # ... and of each digit around it (+-)
    max_degrees: float = 10.0  # rotation of each digit (+-)
    max_slant: float = 0.25  # shear of a whole postcode (+-), like a slanted hand
    gap: tuple[int, int] = (1, 7)  # empty columns between the ink of neighbouring digits ...
    overlap_chance: float = 0.2  # ... except this share of gaps, where their columns overlap ...
    max_overlap: int = 4  # ... by up to this many (digits that would touch are moved apart)
    max_rise: float = 4.0  # vertical offset of each digit (+-), pixels
    margin: int = 4  # columns kept free at the left and right edges
    paper: tuple[float, float] = (0.72, 0.97)  # brightness of the paper
    shading: float = 0.12  # amplitude of slow brightness changes across the paper
    grain: tuple[float, float] = (0.0, 0.03)  # standard deviation of pixel noise
    ink: tuple[float, float] = (0.6, 0.95)  # how dark full ink is, as a fraction of the paper's brightness
    line_chance: float = 0.5  # share of canvases with ruled lines (never labelled)
    line_distance: tuple[float, float] = (13.0, 22.0)  # rows from the middle of the writing to each line
    line_darkness: tuple[float, float] = (0.1, 0.4)
    specks: float = 0.0015  # expected specks of dirt per pixel (never labelled)


@dataclass(frozen=True)
class Postcodes:
    """A batch of postcode canvases with their pixel labels."""

    images: torch.Tensor  # (N, 1, H, W) float32 in [0, 1]: dark ink on light paper
    masks: torch.Tensor  # (N, H, W) int64: 0 background, 1 + d where digit d is written
    digits: torch.Tensor  # (N, MAX_DIGITS) int64: the digits left to right, then -1

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: slice) -> "Postcodes":
        """A slice of the canvases, e.g. codes[:200]."""
        if not isinstance(index, slice):
            raise TypeError(f"index Postcodes with a slice, e.g. codes[:200], got {index!r}")
        return Postcodes(self.images[index], self.masks[index], self.digits[index])

    def postcode(self, index: int) -> str:
        """The digits of canvas `index` as a string, e.g. "40213"."""
        return "".join(str(int(d)) for d in self.digits[index] if d >= 0)

    def postcodes(self) -> list[str]:
        return [self.postcode(i) for i in range(len(self))]


@dataclass(frozen=True)
class DigitBank:
    """The MNIST digits a split draws from, with the extent of their ink."""

    images: torch.Tensor  # (M, 1, 28, 28) float32 ink in [0, 1]
    labels: torch.Tensor  # (M,) int64
    ink_box: torch.Tensor  # (M, 4) float32: first row, last row, first column, last column with ink


def in_one_piece(images: np.ndarray) -> np.ndarray:
    """(M,) bool: is the ink (>= INK_THRESHOLD) of each uint8 (M, 28, 28) digit one 8-connected piece?"""
    eight = np.ones((3, 3), dtype=bool)
    return np.array([ndimage.label(image >= INK_THRESHOLD * 255, structure=eight)[1] == 1 for image in images])


def digit_bank(images: np.ndarray, labels: np.ndarray) -> DigitBank:
    """uint8 (M, 28, 28) white-on-black digits -> a DigitBank of those whose ink is one connected piece.

    About 3% of MNIST digits have a stroke broken in two (a 5 whose bar floats); left out, so that every digit
    of a postcode is one connected region of its mask.
    """
    whole = in_one_piece(images)
    images, labels = images[whole], np.asarray(labels)[whole]
    ink = torch.from_numpy(np.ascontiguousarray(images)).to(torch.float32) / 255.0  # (M, 28, 28)
    inked = ink >= INK_THRESHOLD
    positions = torch.arange(IMAGE_SIZE, dtype=torch.float32)
    rows, cols = inked.any(dim=2), inked.any(dim=1)  # (M, 28) each
    far = float(IMAGE_SIZE)
    box = torch.stack([
        torch.where(rows, positions, far).amin(dim=1), torch.where(rows, positions, -far).amax(dim=1),
        torch.where(cols, positions, far).amin(dim=1), torch.where(cols, positions, -far).amax(dim=1),
    ], dim=1)  # (M, 4)
    return DigitBank(ink[:, None], torch.from_numpy(np.asarray(labels, dtype=np.int64)), box)


@cache
def _bundled_pixels() -> MnistPixels:
    return load_mnist_pixels()


def split_bank(split: str, pixels: MnistPixels | None = None) -> DigitBank:
    """The digits of the "train" or "test" part of the kit's fixed MNIST split (or of `pixels`)."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if pixels is None:
        return _cached_bank(split)
    if split == "train":
        return digit_bank(pixels.train_images, pixels.train_labels)
    return digit_bank(pixels.test_images, pixels.test_labels)


@cache
def _cached_bank(split: str) -> DigitBank:
    return split_bank(split, _bundled_pixels())


def uniform(low: float, high: float, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(shape, generator=generator)


def choose_digits(bank: DigitBank, count: int, style: PostcodeStyle,
                  generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Which digits, how large, how turned, at what height and how far apart: each tensor (N, MAX_DIGITS)."""
    N, S = count, MAX_DIGITS
    lengths = torch.randint(MIN_DIGITS, MAX_DIGITS + 1, (N, 1), generator=generator)
    active = torch.arange(S) < lengths  # (N, S)
    index = torch.randint(len(bank.labels), (N, S), generator=generator)
    scale = uniform(*style.scale, (N, 1), generator) * uniform(
        1 - style.scale_jitter, 1 + style.scale_jitter, (N, S), generator)  # (N, S)
    angle = uniform(-style.max_degrees, style.max_degrees, (N, S), generator) * (math.pi / 180)
    slant = uniform(-style.max_slant, style.max_slant, (N, 1), generator).expand(N, S)
    gap = torch.randint(style.gap[0], style.gap[1] + 1, (N, S), generator=generator)
    overlapping = torch.rand((N, S), generator=generator) < style.overlap_chance
    gap = torch.where(overlapping, torch.randint(-style.max_overlap, 1, (N, S), generator=generator), gap)
    # a postcode too long for the canvas is written smaller: bound each digit's width once placed, and shrink
    box = bank.ink_box[index]  # (N, S, 4)
    w, h = box[..., 3] - box[..., 2] + 1, box[..., 1] - box[..., 0] + 1
    widest = scale * (w * angle.cos() + h * (angle.cos() * slant - angle.sin()).abs()) + 2  # (N, S)
    spaces = (gap.clamp(min=1) * active)[:, 1:].sum(dim=1, keepdim=True)  # (N, 1)
    room = CANVAS_WIDTH - 2 * style.margin - spaces
    scale = scale * (room / (widest * active).sum(dim=1, keepdim=True)).clamp(max=1.0)
    line = CANVAS_HEIGHT / 2 + uniform(-4.0, 4.0, (N, 1), generator)
    centre_y = line + uniform(-style.max_rise, style.max_rise, (N, S), generator)
    return {"index": index, "active": active, "scale": scale, "angle": angle, "slant": slant,
            "centre_y": centre_y, "gap": gap, "box": box}


def sampling_grids(chosen: dict[str, torch.Tensor], H: int, W: int) -> torch.Tensor:
    """(N * S, H, W, 2) grids that map the pixels of every digit's H x W window to points of its 28x28 image.

    A digit is written at window point c (its centre column, row centre_y) with the forward map
    p = c + scale * R(angle) Sh(slant) (q - k), from its 28x28 pixel q (k: the middle of its ink box).
    grid_sample needs the inverse, in [-1, 1] coordinates.
    """
    scale, angle, slant = chosen["scale"].flatten(), chosen["angle"].flatten(), chosen["slant"].flatten()
    cos, sin = torch.cos(angle), torch.sin(angle)
    # forward 2x2 map A = scale * R @ Sh with Sh = [[1, slant], [0, 1]]
    a, b = scale * cos, scale * (cos * slant - sin)
    c, d = scale * sin, scale * (sin * slant + cos)
    det = a * d - b * c
    inverse = torch.stack([torch.stack([d, -b], -1), torch.stack([-c, a], -1)], -2) / det[:, None, None]  # (NS,2,2)
    box = chosen["box"].reshape(-1, 4)
    k = torch.stack([(box[:, 2] + box[:, 3]) / 2, (box[:, 0] + box[:, 1]) / 2], -1)  # (NS, 2) as (x, y)
    centre = torch.stack([torch.full_like(scale, (W - 1) / 2), chosen["centre_y"].flatten()], -1)  # (NS, 2)
    # window pixel p = D u + e for u in [-1, 1] (align_corners=False); digit pixel q = ((u' + 1) * 28 - 1) / 2
    D = torch.tensor([W / 2, H / 2])
    e = torch.tensor([(W - 1) / 2, (H - 1) / 2])
    linear = (2 / IMAGE_SIZE) * inverse * D  # (NS, 2, 2): columns scaled by D
    offset = (2 / IMAGE_SIZE) * (inverse @ (e - centre)[..., None])[..., 0] + (2 * k + 1) / IMAGE_SIZE - 1
    # what F.affine_grid computes, but separable in rows and columns: about five times faster here
    u_x = (2 * torch.arange(W) + 1) / W - 1  # (W,)
    u_y = (2 * torch.arange(H) + 1) / H - 1  # (H,)
    along_x = linear[:, :, None, None, 0] * u_x  # (NS, 2, 1, W)
    along_y = linear[:, :, None, None, 1] * u_y[:, None] + offset[:, :, None, None]  # (NS, 2, H, 1)
    return (along_x + along_y).permute(0, 2, 3, 1)  # (NS, H, W, 2): (x, y) of each window pixel in the digit


def render_windows(bank: DigitBank, chosen: dict[str, torch.Tensor]) -> torch.Tensor:
    """(N, S, H, WINDOW_WIDTH) ink in [0, 1]: every digit resampled into its own window, empty for unused slots."""
    N, S = chosen["index"].shape
    grids = sampling_grids(chosen, CANVAS_HEIGHT, WINDOW_WIDTH)  # (N * S, H, Ww, 2)
    digits = bank.images[chosen["index"].flatten()]  # (N * S, 1, 28, 28)
    windows = F.grid_sample(digits, grids, mode="bilinear", padding_mode="zeros", align_corners=False)
    return windows.view(N, S, CANVAS_HEIGHT, WINDOW_WIDTH) * chosen["active"][..., None, None]


def ink_columns(windows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(first, last) window column holding labelled ink, each (N, S) int64; the middle column for an empty window."""
    inked = (windows >= INK_THRESHOLD).any(dim=2)  # (N, S, Ww)
    columns = torch.arange(inked.shape[-1])
    middle = inked.shape[-1] // 2
    first = torch.where(inked, columns, inked.shape[-1]).amin(dim=-1)
    last = torch.where(inked, columns, -1).amax(dim=-1)
    empty = ~inked.any(dim=-1)
    return first.masked_fill(empty, middle), last.masked_fill(empty, middle)


def touching(windows: torch.Tensor, step: torch.Tensor) -> torch.Tensor:
    """(N, S - 1) bool: does digit s + 1, its window `step` (N, S - 1) columns right of digit s's, touch digit s?

    Touching means 8-connected: a pixel of one is next to (or on) a pixel of the other.
    """
    inked = (windows >= INK_THRESHOLD).float()  # (N, S, H, Ww)
    N, S, H, Ww = inked.shape
    near = F.max_pool2d(inked[:, :-1].reshape(-1, 1, H, Ww), 3, stride=1, padding=1).view(N, S - 1, H, Ww)
    source = torch.arange(Ww) - step[..., None]  # (N, S - 1, Ww): column of digit s + 1 under each column of s
    inside = (source >= 0) & (source < Ww)
    shifted = inked[:, 1:].gather(3, source.clamp(0, Ww - 1)[:, :, None].expand(N, S - 1, H, Ww))
    return (near * shifted * inside[:, :, None]).amax(dim=(2, 3)) > 0


def window_positions(windows: torch.Tensor, chosen: dict[str, torch.Tensor], style: PostcodeStyle,
                     generator: torch.Generator) -> torch.Tensor:
    """(N, S) int64 canvas column of each window's left edge: digits left to right, `gap` empty columns apart.

    A negative gap lets neighbours' columns overlap; where their ink would then touch, they are moved apart to
    one empty column, so that every digit stays one connected piece of its own.
    """
    first, last = ink_columns(windows)  # (N, S) each
    apart = last[:, :-1] - first[:, 1:] + 1  # (N, S - 1): window offset that puts the two inks side by side
    step = apart + chosen["gap"][:, 1:]
    step = torch.where(touching(windows, step), apart + 1, step)
    offset = F.pad(step.cumsum(dim=1), (1, 0))  # (N, S): each window's column relative to the first one
    lengths = chosen["active"].sum(dim=1)  # (N,)
    end = (offset + last).gather(1, (lengths - 1)[:, None])  # (N, 1): last ink column of the last digit
    width = end - first[:, :1] + 1
    free = (CANVAS_WIDTH - 2 * style.margin - width).clamp(min=0)  # (N, 1)
    start = style.margin + (torch.rand((len(free), 1), generator=generator) * (free + 1)).floor().long()
    return (start - first[:, :1] + offset).clamp(-WINDOW_WIDTH, CANVAS_WIDTH)


def compose(windows: torch.Tensor, left: torch.Tensor, classes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(ink (N, H, W) in [0, 1], mask (N, H, W) int64) of the windows put down at columns `left` (N, S).

    All windows are dropped onto the canvas at once with a scatter that keeps the maximum. To learn which digit
    won a pixel in the same pass, ink and class travel together as one number,
    key = round(ink * INK_LEVELS) * 16 + class; where two digits overlap, the stronger ink wins.
    """
    N, S, H, Ww = windows.shape
    W = CANVAS_WIDTH
    key = (windows * INK_LEVELS).round() * 16 + classes[..., None, None]  # (N, S, H, Ww)
    # canvas column x + Ww holds column x - left of a window (the margins catch windows that stick out)
    columns = (left[..., None] + Ww + torch.arange(Ww)).view(N, 1, S * Ww).expand(N, H, S * Ww)
    canvas = torch.zeros(N, H, W + 2 * Ww)
    canvas.scatter_reduce_(2, columns, key.permute(0, 2, 1, 3).reshape(N, H, S * Ww), reduce="amax")
    canvas = canvas[..., Ww : Ww + W]  # (N, H, W)
    ink = torch.div(canvas, 16, rounding_mode="floor") / INK_LEVELS
    mask = torch.where(ink >= INK_THRESHOLD, canvas.remainder(16).long(), BACKGROUND)
    return ink, mask


def paper(count: int, style: PostcodeStyle, generator: torch.Generator) -> torch.Tensor:
    """(N, H, W) paper brightness: a base level, slow shading, grain, ruled lines and specks."""
    N, H, W = count, CANVAS_HEIGHT, CANVAS_WIDTH
    level = uniform(*style.paper, (N, 1, 1), generator)
    coarse = uniform(-style.shading, style.shading, (N, 1, 4, 12), generator)
    shading = F.interpolate(coarse, size=(H, W), mode="bilinear", align_corners=False)[:, 0]  # (N, H, W)
    grain = torch.randn((N, H, W), generator=generator) * uniform(*style.grain, (N, 1, 1), generator)
    sheet = level + shading + grain
    # ruled lines above and below the digits on a share of the canvases, nearly horizontal, antialiased
    ruled = torch.rand(N, generator=generator) < style.line_chance  # (N,)
    R = int(ruled.sum())
    middle = H / 2 + uniform(-3.0, 3.0, (R, 1, 1, 1), generator)
    offsets = middle + torch.cat([-uniform(*style.line_distance, (R, 1, 1, 1), generator),
                                  uniform(*style.line_distance, (R, 1, 1, 1), generator)], dim=1)  # (R, 2, 1, 1)
    tilt = uniform(-0.02, 0.02, (R, 1, 1, 1), generator)
    rows = torch.arange(H, dtype=torch.float32).view(1, 1, H, 1)
    cols = torch.arange(W, dtype=torch.float32).view(1, 1, 1, W) - W / 2
    closeness = (1 - (rows - offsets - tilt * cols).abs()).clamp(min=0)  # (R, 2, H, W): 1 on a line, 0 off it
    darkness = uniform(*style.line_darkness, (R, 2, 1, 1), generator)
    sheet[ruled] -= (darkness * closeness).amax(dim=1)  # (R, H, W)
    # specks of dirt: single dark pixels (darkness 0.2-0.7, from the same draw), thickened to 2x2 blobs
    draw = torch.rand((N, 1, H, W), generator=generator) / style.specks  # < 1 for a share `specks` of pixels
    dots = torch.where(draw < 1, 0.2 + 0.5 * draw, 0.0)[:, 0]  # (N, H, W)
    specks = dots.clone()
    specks[:, 1:] = torch.maximum(specks[:, 1:], dots[:, :-1])  # each speck also darkens the pixel below ...
    specks[:, :, 1:] = torch.maximum(specks[:, :, 1:], specks[:, :, :-1])  # ... and the two to their right
    return sheet - specks


def render(bank: DigitBank, count: int, style: PostcodeStyle,
           generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(images (N, 1, H, W), masks (N, H, W), digits (N, MAX_DIGITS)) of `count` new canvases."""
    chosen = choose_digits(bank, count, style, generator)
    windows = render_windows(bank, chosen)  # (N, S, H, Ww)
    left = window_positions(windows, chosen, style, generator)  # (N, S)
    labels = bank.labels[chosen["index"]]  # (N, S)
    ink, mask = compose(windows, left, torch.where(chosen["active"], labels + 1, BACKGROUND))
    sheet = paper(count, style, generator)
    darkness = uniform(*style.ink, (count, 1, 1), generator)
    # a pen's edge is sharper than an upscaled MNIST digit's: steepen the ink around the threshold (the mask,
    # ink >= INK_THRESHOLD, stays the same) so that the label's edge is where the picture's edge is
    pen = (INK_THRESHOLD + (ink - INK_THRESHOLD) * INK_SHARPNESS).clamp(0.0, 1.0)
    image = (sheet * (1 - darkness * pen)).clamp(0.0, 1.0)  # ink absorbs a share of the light
    digits = torch.where(chosen["active"], labels, -1)  # (N, S)
    return image[:, None], mask, digits


def make_postcodes(count: int, split: str = "train", seed: int = 0, style: PostcodeStyle | None = None,
                   pixels: MnistPixels | None = None) -> Postcodes:
    """`count` postcode canvases of the digits of `split` ("train" or "test"), the same for the same seed and count
    (canvases are drawn RENDER_CHUNK at a time, so the first 5 of 1,000 are not the 5 that count=5 gives).

    Args:
        count: canvases to make.
        split: whose digits to write: the training or the test digits of the kit's fixed MNIST split.
        seed: everything random (digits, layout, paper) comes from torch.Generator().manual_seed(seed).
        style: the random ranges (default: PostcodeStyle()).
        pixels: other MNIST digits to write with (default: the kit's fixed split).
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    bank = split_bank(split, pixels)
    style = style or PostcodeStyle()
    generator = torch.Generator().manual_seed(seed)
    parts = [render(bank, min(RENDER_CHUNK, count - start), style, generator)
             for start in range(0, count, RENDER_CHUNK)]
    if not parts:
        empty = torch.empty(0, CANVAS_HEIGHT, CANVAS_WIDTH)
        return Postcodes(empty[:, None], empty.long(), torch.empty(0, MAX_DIGITS, dtype=torch.long))
    images, masks, digits = (torch.cat(chunks) for chunks in zip(*parts, strict=True))
    return Postcodes(images, masks, digits)


def postcode_batches(batches: int, batch_size: int, seed: int = 0, split: str = "train",
                     style: PostcodeStyle | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """`batches` batches of (images (B, 1, H, W), masks (B, H, W)) of fresh canvases: batch i is made from seed
    (seed, i), so a training run sees new postcodes at every step and the same ones when run again."""
    for i in range(batches):
        codes = make_postcodes(batch_size, split, seed=seed * BATCH_SEED_STRIDE + i, style=style)
        yield codes.images, codes.masks


@cache
def heldout_postcodes(count: int = HELDOUT_COUNT) -> Postcodes:
    """The fixed 1,000 held-out canvases (test digits only) that every Lab 5 figure is measured on, or the first
    `count` of them, for which only the RENDER_CHUNK-canvas chunks they are in are drawn (20 of them: a tenth of
    the time)."""
    if not 0 <= count <= HELDOUT_COUNT:
        raise ValueError(f"there are {HELDOUT_COUNT} held-out canvases, not {count}")
    drawn = min(HELDOUT_COUNT, -(-count // RENDER_CHUNK) * RENDER_CHUNK)
    return make_postcodes(drawn, split="test", seed=HELDOUT_SEED)[:count]
