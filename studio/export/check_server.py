"""What the import's check workers share, loaded once into the server they are forked from
(:func:`studio.export.import_checks.checker` preloads this module): the learner-error detectors'
tables and the library the sentence model's graph is read with. Each worker then starts with them
(copied on write) instead of loading them itself; the sentence model itself is loaded in each worker,
since a runtime's threads do not survive a fork."""

from __future__ import annotations

import importlib

from studio.synth.detect import warm_up

warm_up()
try:
    importlib.import_module("onnx")  # imported by the onnx backend when it loads (0.8 CPU-s a process)
except ImportError:
    pass
