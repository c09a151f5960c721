"""Save a grid of postcode canvases next to their coloured masks as a PNG, to see what Lab 5's U-Net reads.

    python -m ipdl.data.preview_postcodes                          # 8 training canvases -> postcodes-preview.png
    python -m ipdl.data.preview_postcodes --split test --count 12 --seed 3 --out runs/preview.png
"""

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from ipdl.data.postcodes import NUM_CLASSES, make_postcodes

# one colour per class: background black, then the digits 0-9 (matplotlib's tab10)
CLASS_COLOURS = np.array([
    (0, 0, 0), (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
], dtype=np.uint8)
assert len(CLASS_COLOURS) == NUM_CLASSES
CAPTION_HEIGHT = 14  # pixels of text under each row


def colour_mask(mask: np.ndarray) -> np.ndarray:
    """(H, W) class mask -> (H, W, 3) uint8 colours."""
    return CLASS_COLOURS[mask]


def preview_grid(images: np.ndarray, masks: np.ndarray, captions: list[str], scale: int = 2) -> Image.Image:
    """Rows of [canvas | coloured mask], each with its caption underneath, enlarged `scale` times."""
    rows = []
    for image, mask, caption in zip(images, masks, captions, strict=True):
        gray = np.repeat((image * 255).round().astype(np.uint8)[..., None], 3, axis=-1)  # (H, W, 3)
        pair = np.concatenate([gray, colour_mask(mask)], axis=1)  # (H, 2W, 3)
        pair = np.kron(pair, np.ones((scale, scale, 1), dtype=np.uint8))  # nearest-neighbour enlargement
        row = Image.new("RGB", (pair.shape[1], pair.shape[0] + CAPTION_HEIGHT), "white")
        row.paste(Image.fromarray(pair), (0, 0))
        ImageDraw.Draw(row).text((4, pair.shape[0]), caption, fill="black")
        rows.append(row)
    grid = Image.new("RGB", (rows[0].width, sum(row.height for row in rows)), "white")
    for number, row in enumerate(rows):
        grid.paste(row, (0, number * row.height))
    return grid


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ipdl.data.preview_postcodes", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--count", type=int, default=8, help="canvases to show")
    parser.add_argument("--split", choices=("train", "test"), default="train", help="whose digits to write with")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--scale", type=int, default=2, help="enlarge every pixel to scale x scale")
    parser.add_argument("--out", type=Path, default=Path("postcodes-preview.png"), help="PNG file to write")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    codes = make_postcodes(args.count, args.split, args.seed)
    captions = [f"{args.split} #{i}: {codes.postcode(i)}" for i in range(args.count)]
    grid = preview_grid(codes.images[:, 0].numpy(), codes.masks.numpy(), captions, args.scale)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    grid.save(args.out)
    print(f"wrote {args.out}: {args.count} {args.split} canvases (left) and their masks (right), seed {args.seed}")


if __name__ == "__main__":
    main()
