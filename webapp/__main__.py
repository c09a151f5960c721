"""Command line: `python -m webapp [--host 127.0.0.1] [--port 7860] [--impl solutions|labs]`."""

import argparse
import os

from webapp.implementations import DEFAULT_IMPL, IMPLEMENTATIONS
from webapp.request_limits import QUEUE_SIZE
from webapp.server_threads import SERVER_THREADS, use_server_threads

MAX_UPLOAD = "50mb"
SERVER_CORES = max(1, (os.cpu_count() or 1) // SERVER_THREADS)  # events that declare nothing: one per core


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line; --help shows the defaults."""
    parser = argparse.ArgumentParser(
        prog="python -m webapp",
        description="Serve the ipdl-lab demo app (Gradio), offline.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for a LAN)")
    parser.add_argument("--port", type=int, default=7860, help="port to listen on")
    parser.add_argument(
        "--impl",
        choices=IMPLEMENTATIONS,
        default=DEFAULT_IMPL,
        help="default implementation in the tabs: the reference 'solutions' (not in a student release) or your "
        "own 'labs'",
    )
    return parser.parse_args(argv)


def bypass_proxy_for_localhost() -> None:
    """Gradio checks its own local URL at launch; behind an HTTP proxy that request must not leave the machine."""
    hosts = [h for h in os.environ.get("NO_PROXY", "").split(",") if h]
    os.environ["NO_PROXY"] = ",".join(dict.fromkeys([*hosts, "127.0.0.1", "localhost"]))


def main(argv: list[str] | None = None) -> None:
    """Build the app and serve it until interrupted."""
    args = parse_args(argv)
    bypass_proxy_for_localhost()
    use_server_threads()  # before torch is imported, which build_app's tabs do
    from webapp.app import build_app

    demo = build_app(args.impl)
    # each tab's events declare how many run at once (webapp/request_limits.py); the rest wait, seeing their place
    demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=SERVER_CORES)
    _, local_url, _ = demo.launch(
        server_name=args.host,
        server_port=args.port,
        share=False,  # never open a public tunnel
        ssr_mode=False,  # no Node server-side rendering: plain static front end
        max_file_size=MAX_UPLOAD,
        show_error=True,
        quiet=True,  # Gradio's banner suggests share=True; this app stays local
        prevent_thread_lock=True,
    )
    print(f"ipdl-lab web app ({args.impl}) running on {local_url}  (Ctrl+C to stop)", flush=True)
    demo.block_thread()


if __name__ == "__main__":
    main()
