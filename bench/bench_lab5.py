"""Lab 5 figures for the README: the bundled U-Nets (transposed convolution and max unpooling) on the 1,000 held-out
postcodes, how long they trained, how fast they segment, and how fast the postcode generator is.

    python bench/bench_lab5.py [--repeats 20] [--threads 1]
"""

import time
from pathlib import Path

import torch
from timing import bench_arguments, median_seconds, parse_bench_arguments

from ipdl.checkpoints import load_checkpoint
from ipdl.data.postcodes import heldout_postcodes, make_postcodes
from solutions.lab5_unet.training import evaluate
from solutions.lab5_unet.unet import UNet

REPO_ROOT = Path(__file__).resolve().parent.parent
CHECKPOINTS = {"transpose": REPO_ROOT / "webapp" / "checkpoints" / "unet-postcodes.safetensors",
               "unpool": REPO_ROOT / "webapp" / "checkpoints" / "unet-postcodes-unpool.safetensors"}


def bench_generator(repeats: int) -> None:
    make_postcodes(16, seed=0)  # load the digits once
    wall = median_seconds(lambda: make_postcodes(512, seed=1), max(repeats // 4, 3))
    start = time.process_time()
    make_postcodes(512, seed=2)
    cpu = time.process_time() - start
    print(f"postcode generator: {512 / wall:,.0f} canvases/s wall, {512 / cpu:,.0f} per CPU second (512 at once)")


def bench_model(up_mode: str, path: Path, repeats: int) -> None:
    if not path.is_file():
        print(f"{up_mode}: no checkpoint at {path}")
        return
    state_dict, info = load_checkpoint(path)
    model = UNet(**info["model_args"])
    model.load_state_dict(state_dict)
    scores = evaluate(model, heldout_postcodes())
    parameters = sum(p.numel() for p in model.parameters())
    print(f"U-Net, up_mode={up_mode!r}: {parameters:,} parameters, {path.stat().st_size / 1e6:.1f} MB")
    print(f"  held-out (1,000 canvases): foreground IoU {scores['foreground_iou']:.4f}, mean IoU over the digits "
          f"{scores['mean_iou_digits']:.4f}, pixel accuracy {scores['pixel_accuracy']:.4f}, "
          f"postcodes read exactly {scores['postcodes_read_exactly']:.1%}")
    recorded = info.get("metrics", {})
    same = all(abs(scores[k] - recorded.get(k, float("nan"))) < 1e-6
               for k in ("foreground_iou", "mean_iou_digits", "postcodes_read_exactly"))
    print(f"  matches its sidecar: {same}")
    print(f"  training: {info.get('training_seconds', float('nan')) / 60:.1f} min wall, "
          f"{info.get('training_cpu_seconds', float('nan')) / 60:.1f} min of CPU, "
          f"{info.get('canvases_seen', 0):,} canvases; command: {info.get('command')}")
    one = heldout_postcodes().images[:1]
    hundred = heldout_postcodes().images[:100]
    with torch.no_grad():
        for name, clock in (("wall", time.perf_counter), ("CPU", time.process_time)):
            alone = median_seconds(lambda: model(one), repeats, clock)
            batch = median_seconds(lambda: model(hundred), max(repeats // 5, 3), clock)
            print(f"  inference ({name} time, {torch.get_num_threads()} thread(s)): {alone * 1e3:.1f} ms for one "
                  f"canvas, {batch * 1e3 / 100:.1f} ms per canvas in a batch of 100")


def main() -> None:
    args = parse_bench_arguments(bench_arguments(__doc__, 20, "timed runs per measurement"))
    bench_generator(args.repeats)
    for up_mode, path in CHECKPOINTS.items():
        bench_model(up_mode, path, args.repeats)


if __name__ == "__main__":
    main()
