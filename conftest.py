"""Root pytest set-up, shared by the unit tests, the notebook runs (nbmake) and the browser tests.

The whole suite runs offline, the way CI and a classroom without Hub access do: HF_HUB_OFFLINE=1
(huggingface_hub and transformers both read it). Notebook kernels started by nbmake inherit these
variables. TRANSFORMERS_OFFLINE is deliberately *not* set: huggingface_hub honours it too, so it
would keep the `online` tests offline after they unset HF_HUB_OFFLINE. Tests that must be online
(`online`, `localhub`) run in processes whose environment has no offline flag at all.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("MPLBACKEND", "Agg")
# A prefilled exercise answer that fails its check fails the notebook run (see hflab.exercises).
os.environ.setdefault("HFLAB_STRICT_CHECKS", "1")


def pytest_addoption(parser, pluginmanager):
    # pyproject's addopts name nbmake's options; with `-p no:nbmake` (only the .py tests) they
    # would be unknown arguments, so accept them and do nothing.
    if not pluginmanager.has_plugin("nbmake"):
        group = parser.getgroup("nbmake (disabled with -p no:nbmake)")
        group.addoption("--nbmake", action="store_true", help="ignored: nbmake is disabled")
        group.addoption("--nbmake-timeout", action="store", help="ignored: nbmake is disabled")
