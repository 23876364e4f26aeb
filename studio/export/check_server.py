"""What the import's check workers share, loaded once into the server they are forked from
(:func:`studio.export.import_checks.checker` preloads this module): the learner-error detectors'
tables. Each worker then starts with them (copied on write) instead of loading them itself; the
sentence model is loaded in each worker, since a runtime's threads do not survive a fork (its graph,
built once into the cache, is read by onnxruntime alone: the ``onnx`` package is not imported)."""

from __future__ import annotations

from studio.synth.detect import warm_up

warm_up()
