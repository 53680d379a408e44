"""`hflab.recipes`: the models this course trains here, one module per model.

Each module has ``build(out_dir)``: it makes its data (written by the course or generated, never
downloaded), trains with 🤗 `Trainer` under a fixed seed, scores the held-out test split once,
scores the random stand-in it replaces on the same split, and saves the model, its processor and
``hflab_training.json`` into `out_dir`. `hflab.models.load(key)` calls it the first time a key is
loaded and caches the folder; raising the entry's `revision` in `hflab.models.catalog` retrains it.
"""
