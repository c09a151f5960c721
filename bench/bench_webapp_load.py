"""A classroom at once: start `python -m webapp` on a free loopback port, send N simulated visitors (threads with
gradio_client, 30 by default) through every tab's endpoints, and print p50 / p95 per endpoint, the errors, the
server's cold start and its peak memory; then stop the app.

    python bench/bench_webapp_load.py [--visitors 30] [--rounds 1] [--runs 1] [--big-upload] [--impl solutions]
        [--endpoints /lab6_generate ...] [--server-threads 2] [--wait-policy ACTIVE] [--kit PATH]
        [--diffusion-steps 25 --diffusion-images 10]

Each visitor opens its own client (its own session) and calls every endpoint `rounds` times in its own shuffled
order, with the inputs a visitor would give: the default kernel, a drawn digit, a photo of one, a sprite, a postcode
photo, the Diffusion tab's defaults with a seed of its own. Result files are downloaded, as a browser fetches them;
a visitor waits up to CLIENT_TIMEOUT_S for any one answer, as a browser would. --big-upload first sends a
13,000 x 13,000 16-bit PNG to the Digit reader and reports the server's peak memory above idle. --server-threads and
--wait-policy start the server with another OMP_NUM_THREADS / OMP_WAIT_POLICY than its own (webapp/server_threads.py),
to compare them side by side; --kit runs another checkout's app (an older commit, for figures before a change)
with this bench's visitors, and --diffusion-steps / --diffusion-images give its Diffusion defaults. With several
--runs, the last table is every run's requests together.
"""

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from gradio_client import Client, handle_file
from PIL import Image, ImageDraw

from webapp.tabs import diffusion

REPO_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 120
CLIENT_TIMEOUT_S = 120
DIFFUSION_DEFAULTS = {"sampler": "DDIM", "steps": diffusion.DEFAULT_STEPS, "count": diffusion.DEFAULT_COUNT,
                      "digit": diffusion.EVERY_DIGIT, "guidance": diffusion.DEFAULT_GUIDANCE}  # the tab's own
BIG_SIDE = 13_000


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(kit: Path, port: int, impl: str, log: Path, threads: dict[str, str]) -> tuple[subprocess.Popen, float]:
    """`python -m webapp` of the checkout `kit` on `port` (with the thread settings `threads` in its environment);
    returns the process and the seconds until its page answered (wall time)."""
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", **threads}
    command = [sys.executable, "-m", "webapp", "--host", "127.0.0.1", "--port", str(port), "--impl", impl]
    start = time.perf_counter()
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=kit, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    while time.perf_counter() - start < START_TIMEOUT_S:
        if process.poll() is not None:
            sys.exit(f"python -m webapp exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=2, trust_env=False).status_code == 200:
                return process, time.perf_counter() - start
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    sys.exit(f"python -m webapp did not answer within {START_TIMEOUT_S} s:\n{log.read_text()}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time process `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def memory_mb(pid: int, field_name: str) -> float:
    """VmRSS (now) or VmHWM (peak so far) of process `pid`, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field_name} for process {pid}")


def write_inputs(folder: Path) -> dict[str, Path]:
    """The files the visitors upload: a drawn digit (canvas layer), a photo of a digit, a sprite, a postcode."""
    from ipdl.data.mnist import load_mnist_pixels
    from ipdl.data.postcodes import make_postcodes
    from webapp.tabs.pokemon_classifier import gallery

    digit = load_mnist_pixels().test_images[0]  # (28, 28) uint8, white on black
    big = np.kron(digit, np.ones((10, 10), np.uint8))  # (280, 280)
    layer = np.zeros((280, 280, 4), np.uint8)
    layer[..., 3] = big  # black strokes on a transparent layer, as the sketchpad sends them
    paper = np.full((280, 280, 3), 255, np.uint8)
    pixels, name = gallery()[0]
    postcode = make_postcodes(1, split="test", seed=1).images[0, 0].numpy()  # (64, W) in [0, 1]
    files = {
        "layer": (layer, "layer.png"), "paper": (paper, "paper.png"), "digit": (255 - big, "digit.png"),
        "sprite": (pixels, f"{name}.png"), "postcode": (np.round(postcode * 255).astype(np.uint8), "postcode.png"),
    }
    paths = {}
    for key, (array, file_name) in files.items():
        paths[key] = folder / file_name
        Image.fromarray(array).save(paths[key])
    return paths


@dataclass(frozen=True)
class Inputs:
    """What the visitors send: the files they upload and the Diffusion tab's settings."""

    files: dict[str, Path]
    diffusion: dict


def visit(client: Client, endpoint: str, inputs: Inputs, seed: int) -> None:
    """One request a visitor makes to `endpoint`, with the input a visitor would give."""
    files = inputs.files
    if endpoint == "/lab1_conv2d":
        grid = {"headers": ["1", "2", "3"], "data": [["1/9"] * 3] * 3, "metadata": None}
        client.predict(grid, "zeros", 1, 1, 1, False, "auto", api_name=endpoint)
    elif endpoint in ("/lab1_sobel", "/lab1_edge_map"):
        client.predict(0.2, api_name=endpoint)
    elif endpoint == "/lab2_read_sketch":
        sketch = {"background": handle_file(files["paper"]), "layers": [handle_file(files["layer"])],
                  "composite": None, "id": None}
        client.predict(sketch, api_name=endpoint)
    elif endpoint == "/lab2_read_photo":
        client.predict(handle_file(files["digit"]), api_name=endpoint)
    elif endpoint == "/lab3_classify":
        client.predict("efficientnet_lite0", api_name=endpoint)
    elif endpoint == "/lab4_classify_sprite":
        client.predict(handle_file(files["sprite"]), api_name=endpoint)
    elif endpoint == "/lab5_random_postcode":
        client.predict(api_name=endpoint)
    elif endpoint == "/lab5_upload_postcode":
        client.predict(handle_file(files["postcode"]), api_name=endpoint)
    elif endpoint == "/lab6_generate":
        settings = inputs.diffusion
        client.predict(settings["sampler"], settings["steps"], seed, settings["count"], settings["digit"],
                       settings["guidance"], api_name=endpoint)
    else:
        raise ValueError(f"no visitor input for {endpoint}")


ENDPOINTS = ("/lab1_conv2d", "/lab1_sobel", "/lab1_edge_map", "/lab2_read_sketch", "/lab2_read_photo",
             "/lab3_classify", "/lab4_classify_sprite", "/lab5_random_postcode", "/lab5_upload_postcode",
             "/lab6_generate")


@dataclass
class Record:
    """What the visitors saw: seconds per endpoint, and the errors."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: {e: [] for e in ENDPOINTS})
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, other: "Record") -> None:
        """Count `other`'s requests and errors in this record too."""
        for endpoint, seconds in other.seconds.items():
            self.seconds[endpoint].extend(seconds)
        self.errors.extend(other.errors)


def visitor(index: int, url: str, inputs: Inputs, rounds: int, downloads: Path, record: Record,
            endpoints: tuple[str, ...]) -> None:
    """One visitor: its own client, each of `endpoints` `rounds` times in its own order."""
    try:
        client = Client(url, verbose=False, download_files=str(downloads / str(index)),
                        httpx_kwargs={"timeout": CLIENT_TIMEOUT_S})
    except Exception as error:  # counted, as a visitor who cannot open the page
        with record.lock:
            record.errors.append(f"visitor {index}: connect: {type(error).__name__}: {error}")
        return
    order = [endpoint for _ in range(rounds) for endpoint in endpoints]
    random.Random(index).shuffle(order)
    for endpoint in order:
        start = time.perf_counter()
        try:
            visit(client, endpoint, inputs, seed=index)
        except Exception as error:
            with record.lock:
                record.errors.append(f"visitor {index} {endpoint}: {type(error).__name__}: {error}")
            continue
        with record.lock:
            record.seconds[endpoint].append(time.perf_counter() - start)
    client.close()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of `values`, linear between ranks."""
    return float(np.percentile(values, q)) if values else float("nan")


def run_visitors(url: str, inputs: Inputs, visitors: int, rounds: int, downloads: Path,
                 endpoints: tuple[str, ...]) -> tuple[Record, float]:
    """All visitors at once; returns what they saw and the wall time."""
    record = Record()
    threads = [threading.Thread(target=visitor, args=(i, url, inputs, rounds, downloads, record, endpoints))
               for i in range(visitors)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return record, time.perf_counter() - start


def report(record: Record, wall: float | None) -> None:
    """The table of p50 / p95 per endpoint, then the errors."""
    print(f"{'endpoint':24} {'ok':>4} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for endpoint, seconds in record.seconds.items():
        if not seconds and not any(endpoint in error for error in record.errors):
            continue  # not visited in this run
        print(f"{endpoint:24} {len(seconds):4d} {percentile(seconds, 50):7.2f} {percentile(seconds, 95):7.2f} "
              f"{max(seconds, default=float('nan')):7.2f}")
    print(f"{f'wall time {wall:.1f} s; ' if wall is not None else ''}errors: {len(record.errors)}")
    for error in record.errors[:20]:
        print(f"  {error[:300]}")


def big_upload(url: str, work: Path, pid: int, idle: float) -> None:
    """Send a 13,000 x 13,000 16-bit PNG (a grey disc, under 1 MB) to the Digit reader; print what it cost."""
    path = work / "big-16bit.png"
    picture = Image.new("I;16", (BIG_SIDE, BIG_SIDE), 20_000)
    ImageDraw.Draw(picture).ellipse((2_000, 2_000, 11_000, 11_000), fill=50_000)
    picture.save(path)
    del picture
    client = Client(url, verbose=False, download_files=str(work / "big"), httpx_kwargs={"timeout": 600})
    start, cpu = time.perf_counter(), cpu_seconds(pid)
    try:
        answer = client.predict(handle_file(path), api_name="/lab2_read_photo")[2]
    except Exception as error:  # a refusal is an answer too
        answer = f"{type(error).__name__}: {error}"
    print(f"13,000 x 13,000 16-bit PNG ({path.stat().st_size // 1000} KB): {time.perf_counter() - start:.1f} s, "
          f"{cpu_seconds(pid) - cpu:.1f} s CPU, server peak {memory_mb(pid, 'VmHWM') - idle:.0f} MB above idle; "
          f"answer: {str(answer)[:160]}")
    client.close()


def first_requests(url: str, inputs: Inputs, work: Path, endpoints: list[str]) -> None:
    """One visitor alone: each endpoint's first request (which loads its model) and then a second, timed."""
    client = Client(url, verbose=False, download_files=str(work / "first"), httpx_kwargs={"timeout": CLIENT_TIMEOUT_S})
    print(f"{'endpoint':24} {'first s':>8} {'second s':>8}")
    for endpoint in endpoints:
        seconds = []
        for _ in range(2):
            start = time.perf_counter()
            visit(client, endpoint, inputs, seed=0)
            seconds.append(time.perf_counter() - start)
        print(f"{endpoint:24} {seconds[0]:8.2f} {seconds[1]:8.2f}")
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--visitors", type=int, default=30, help="simulated visitors at once")
    parser.add_argument("--rounds", type=int, default=1, help="times each visitor calls every endpoint")
    parser.add_argument("--runs", type=int, default=1, help="load runs against the same server")
    parser.add_argument("--impl", default="solutions", help="the app's --impl")
    parser.add_argument("--big-upload", action="store_true", help="measure a 13,000 x 13,000 16-bit upload first")
    parser.add_argument("--first-requests", action="store_true",
                        help="time each endpoint's first request after the start (models load), then a second one")
    parser.add_argument("--endpoints", nargs="+", default=list(ENDPOINTS), choices=ENDPOINTS, help="endpoints to visit")
    parser.add_argument("--server-threads", help="the server's OMP_NUM_THREADS (default: its own choice)")
    parser.add_argument("--wait-policy", help="the server's OMP_WAIT_POLICY (default: its own choice)")
    parser.add_argument("--kit", type=Path, default=REPO_ROOT, help="the checkout whose app to start")
    parser.add_argument("--diffusion-steps", type=int, default=DIFFUSION_DEFAULTS["steps"],
                        help="DDIM steps a visitor asks for (the tab's default)")
    parser.add_argument("--diffusion-images", type=int, default=DIFFUSION_DEFAULTS["count"],
                        help="images a visitor asks for (the tab's default)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-webapp-"))
    try:
        inputs = Inputs(write_inputs(work), {**DIFFUSION_DEFAULTS, "steps": args.diffusion_steps,
                                             "count": args.diffusion_images})
        port = free_port()
        threads = {name: value for name, value in (("OMP_NUM_THREADS", args.server_threads),
                                                   ("MKL_NUM_THREADS", args.server_threads),
                                                   ("OMP_WAIT_POLICY", args.wait_policy)) if value}
        process, cold = start_server(args.kit, port, args.impl, work / "server.log", threads)
        url = f"http://127.0.0.1:{port}/"
        try:
            idle = memory_mb(process.pid, "VmRSS")
            print(f"load average {os.getloadavg()[0]:.2f}; cold start to ready {cold:.1f} s wall, "
                  f"{cpu_seconds(process.pid):.1f} s CPU; idle server {idle:.0f} MB")
            if args.big_upload:
                big_upload(url, work, process.pid, idle)
            if args.first_requests:
                first_requests(url, inputs, work, args.endpoints)
            every_run = Record()
            for run in range(1, args.runs + 1):
                print(f"\nrun {run} of {args.runs}: {args.visitors} visitors x {args.rounds} round(s) x "
                      f"{len(args.endpoints)} endpoints; server threads {threads or 'its own'}")
                record, wall = run_visitors(url, inputs, args.visitors, args.rounds, work / f"downloads-{run}",
                                            tuple(args.endpoints))
                report(record, wall)
                every_run.add(record)
                print(f"server peak memory so far {memory_mb(process.pid, 'VmHWM'):.0f} MB; "
                      f"load average {os.getloadavg()[0]:.2f}")
            if args.runs > 1:
                print(f"\nevery run together ({args.runs} runs):")
                report(every_run, None)
            print(f"\nerrors over {args.runs} run(s): {len(every_run.errors)}; server peak memory "
                  f"{memory_mb(process.pid, 'VmHWM'):.0f} MB (idle {idle:.0f} MB); the app of {args.kit}")
        finally:
            process.terminate()
            process.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
