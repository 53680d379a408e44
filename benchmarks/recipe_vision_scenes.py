"""Choose the settings of "scene-detr" and "scene-segmenter" on TRAIN scenes only.

Every setting trains on scenes from seeds 0.. (the build's own train range) and is scored on
validation scenes from a seed range inside the training side (detector.VALIDATION_SEED,
segmenter.VALIDATION_SEED) — never on the test scenes (scenes.TEST_SEED), which build() scores once.
CPU seconds are what counts (the builds must stay under ~180 CPU-s on 2 cores); wall seconds on a
shared machine mean little.

    python benchmarks/recipe_vision_scenes.py detector            # every detector setting
    python benchmarks/recipe_vision_scenes.py segmenter --setting segformer-6ep
"""

from __future__ import annotations

import argparse
import time

from hflab.recipes import detector, scenes, segmenter

VALIDATION_SCENES = 300

DETECTOR_SETTINGS = {
    # the family: plain DETR against Conditional DETR, same size, same steps (the former recipe; the
    # detector's settings are now compared in benchmarks/recipe_detector.py, where RT-DETR won)
    "detr-12ep": dict(kind="detr", d_model=64, layers=2, queries=8, epochs=12, learning_rate=1e-3, batch_size=32),
    "conditional-12ep": dict(kind="conditional", d_model=64, layers=2, queries=8, epochs=12, learning_rate=1e-3,
                             batch_size=32),
}

SEGMENTER_SETTINGS = {
    # plain cross-entropy: with background ~93 % of pixels, a short training learns mostly "background"
    "segformer-8ep-plain": dict(segmenter.RECIPE, epochs=8, learning_rate=2e-3, background_weight=None),
    "segformer-8ep-weighted": dict(segmenter.RECIPE, epochs=8),
    # about the same CPU seconds as segformer-8ep: Mask2Former's steps cost ~8x more
    "mask2former-1ep": dict(segmenter.RECIPE, kind="mask2former", epochs=1, learning_rate=1e-3,
                            background_weight=None),
}


def run_detector(name: str, setting: dict) -> dict:
    cpu = time.process_time()
    processor = detector.make_processor(setting["kind"])
    model = detector.make_model(**setting)
    train_set = detector.detection_dataset(scenes.make_scenes(detector.TRAIN_SCENES, 0), processor)
    budget = detector.fit(model, train_set, budget_s=1e9, **setting)
    validation = scenes.make_scenes(VALIDATION_SCENES, detector.VALIDATION_SEED)
    found = detector.detect(model, processor, [s.image for s in validation])
    figures = detector.mean_average_precision(found, validation)
    return {"setting": name, "val_map50": figures["map50"], "per_class": figures["ap50_per_class"],
            "train_cpu_s": round(budget.cpu_seconds, 1), "total_cpu_s": round(time.process_time() - cpu, 1)}


def run_segmenter(name: str, setting: dict) -> dict:
    cpu = time.process_time()
    kind = setting["kind"]
    processor = segmenter.make_processor(kind)
    model = segmenter.make_model(**setting)
    train_set = segmenter.segmentation_dataset(scenes.make_scenes(segmenter.TRAIN_SCENES, 0), processor, kind)
    budget = segmenter.fit(model, train_set, budget_s=1e9, **setting)
    figures = segmenter.score(model, processor, scenes.make_scenes(VALIDATION_SCENES, segmenter.VALIDATION_SEED))
    return {"setting": name, "val_miou": figures["miou"], "val_miou_objects": figures["miou_objects"],
            "train_cpu_s": round(budget.cpu_seconds, 1), "total_cpu_s": round(time.process_time() - cpu, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("detector", "segmenter"))
    parser.add_argument("--setting", help="one setting's name (default: all of the part's settings)")
    args = parser.parse_args()
    settings, run = ((DETECTOR_SETTINGS, run_detector) if args.part == "detector"
                     else (SEGMENTER_SETTINGS, run_segmenter))
    names = [args.setting] if args.setting else list(settings)
    for name in names:
        print(run(name, settings[name]), flush=True)


if __name__ == "__main__":
    main()
