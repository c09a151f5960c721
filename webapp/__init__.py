"""The ipdl-lab web app: one Gradio tab per lab, served offline by `python -m webapp`."""

import os

# Gradio phones home (usage analytics, a version check) unless told not to; this app stays offline.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
