"""Root pytest set-up, shared by the unit tests, the notebook runs (nbmake) and the browser tests.

The whole suite runs offline, the way CI and a classroom without Hub access do. Notebook kernels
started by nbmake inherit these variables.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("MPLBACKEND", "Agg")
# A prefilled exercise answer that fails its check fails the notebook run (see hflab.exercises).
os.environ.setdefault("HFLAB_STRICT_CHECKS", "1")
