"""Threads for a server that answers many requests at once: one torch (and OpenMP, MKL) thread per request, and
OpenMP threads that sleep rather than spin while they wait.

torch's default (one intra-op thread per core, OpenMP threads spinning between parallel regions) suits one program
that owns the machine. A classroom server runs a request per visitor side by side, in Gradio's worker threads: each
request's OpenMP team then spins against the other requests' teams and against everything else on the machine. On
the shared 2-core machine one 16-digit DDIM-50 draw took 110.7 s with torch's default 2 threads and 21.1 s with 1.
With one thread per request the cores are shared out by running requests of different tabs side by side (each
tab's queue, webapp/request_limits.py), not by splitting one request. Figures in the README.
"""

import os

SERVER_THREADS = 1  # torch intra-op threads per request
SERVER_ENVIRONMENT = {
    "OMP_WAIT_POLICY": "PASSIVE",  # an OpenMP thread with nothing to do sleeps instead of spinning
    "OMP_NUM_THREADS": str(SERVER_THREADS),
    "MKL_NUM_THREADS": str(SERVER_THREADS),
}


def use_server_threads() -> None:
    """Set the server's thread policy; call it before torch is imported (OpenMP reads its settings when it loads).
    Settings already in the environment are kept, so an instructor can still choose others."""
    for name, value in SERVER_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    import torch  # here, after the environment above is set

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
