"""The course's object detector, "scene-detr": a small RT-DETR trained from scratch on synthetic scenes.

DETR reads an image as a set prediction: a CNN backbone makes feature maps, a transformer encoder
mixes them, and a handful of object queries each ask the decoder "is there an object, which class,
which box?". Training matches queries to true objects one to one (the Hungarian matcher) and leaves
unmatched queries to predict "no object". RT-DETR starts its queries from the encoder's own best
guesses (every encoder position predicts a class and a box) and adds "denoising" queries (noised
copies of the true boxes to repair), so it learns in hundreds of steps where DETR needs many thousands.

Measured on validation scenes from the train seed range (benchmarks/recipe_detector.py): the former
Conditional DETR reached mAP@0.5 0.008 after 750 steps (and only 0.10 on 50 scenes it saw 200 times);
this RT-DETR (a 3-stage ResNet 16/32/64 wide, 2 scales, d_model 64, 1 encoder + 2 decoder layers,
8 queries, 750 steps) reached 0.69 there, but the build (another random initialisation) scores 0.38 on
the test scenes: the target of 0.5 is missed, and the recipe is unstable from one initialisation to the
next (0.20-0.69 across nearby settings). Its boxes are mostly good; its class scores are modest (often
0.4-0.8), and a second, wrong label on the same box can score above 0.3.

`build(out_dir)` makes train scenes from seeds 0.., trains with 🤗 `Trainer`, scores mAP@0.5 on
test scenes from `scenes.TEST_SEED` once, scores the random "detr" stand-in the same way, and saves
the model with its image processor, so `hflab.pipeline("object-detection", model="scene-detr")`
answers [{"score", "label", "box": {"xmin", "ymin", "xmax", "ymax"}}, ...].
"""

from __future__ import annotations

import tempfile
import time

import numpy as np
import torch

from .. import train
from . import scenes

KEY = "scene-detr"
STANDIN = "detr"
IMAGE_SIZE = 64
TRAIN_SCENES = 2000
TEST_SCENES = 300
VALIDATION_SEED = 500_000  # a held-out slice of the train range, for choosing settings (benchmarks)
IOU_THRESHOLD = 0.5

# The setting chosen on validation scenes (benchmarks/recipe_detector.py: "rtdetr-narrow-12ep-lr2e-3")
RECIPE = dict(kind="rtdetr", widths=(16, 32, 64), d_model=64, layers=2, queries=8, epochs=12, learning_rate=2e-3,
              batch_size=32)


# ---------------------------------------------------------------------------------------------
# model and processor
# ---------------------------------------------------------------------------------------------
def id2label() -> dict[int, str]:
    return dict(enumerate(scenes.LABELS))


def make_model(kind: str = "conditional", d_model: int = 64, layers: int = 2, queries: int = 8, **setting):
    """A small DETR-family detector with random weights (kind: "rtdetr", "conditional" or "detr")."""
    if kind == "rtdetr":
        return _rtdetr(d_model=d_model, layers=layers, queries=queries, **setting)
    from transformers import (
        ConditionalDetrConfig,
        ConditionalDetrForObjectDetection,
        ConvNextConfig,
        DetrConfig,
        DetrForObjectDetection,
    )

    # a two-stage ConvNeXt (LayerNorm, so DETR's frozen batch norm does not cripple it from scratch):
    # 4x4 patches then a 2x downsampling -> an 8x8 feature map for a 64x64 image, 64 tokens
    backbone = ConvNextConfig(num_channels=3, patch_size=4, num_stages=2, hidden_sizes=[32, 64], depths=[1, 2],
                              out_features=["stage2"], drop_path_rate=0.0)
    labels = id2label()
    common = dict(
        backbone_config=backbone, num_queries=queries, d_model=d_model,
        encoder_layers=layers, decoder_layers=layers, encoder_attention_heads=4, decoder_attention_heads=4,
        encoder_ffn_dim=2 * d_model, decoder_ffn_dim=2 * d_model, dropout=0.0, auxiliary_loss=True,
        id2label=labels, label2id={name: i for i, name in labels.items()})
    if kind == "conditional":
        return ConditionalDetrForObjectDetection(ConditionalDetrConfig(**common))
    if kind == "detr":
        return DetrForObjectDetection(DetrConfig(**common))
    raise ValueError(f'kind must be "rtdetr", "conditional" or "detr", not {kind!r}')


def _rtdetr(d_model: int, layers: int, queries: int, widths=(32, 64, 128), depths=(1, 1, 1), levels: int = 2,
            denoising: int = 20, expansion: float = 0.5, **_):
    """RT-DETR: a small ResNet, a hybrid encoder over its last `levels` scales, queries chosen from the encoder.

    Why it learns where (Conditional) DETR does not: every encoder position already predicts a class and a
    box, the best ones become the decoder's starting queries (so queries start near objects instead of
    having to learn where to look), and "denoising" queries — noised copies of the true boxes — teach the
    decoder to repair boxes from the first step on.
    """
    from transformers import RTDetrConfig, RTDetrForObjectDetection, RTDetrResNetConfig

    # stages at strides 4, 8, 16 (16x16, 8x8 and 4x4 maps for a 64x64 scene); batch norm trains (nothing
    # is pretrained, so freezing it would freeze random statistics)
    stages = ["stage1", "stage2", "stage3"][-levels:]
    backbone = RTDetrResNetConfig(num_channels=3, embedding_size=widths[0], hidden_sizes=list(widths),
                                  depths=list(depths), layer_type="basic", out_features=stages)
    labels = id2label()
    config = RTDetrConfig(
        backbone_config=backbone, freeze_backbone_batch_norms=False, encoder_in_channels=list(widths[-levels:]),
        feat_strides=[4, 8, 16][-levels:], num_feature_levels=levels, encode_proj_layers=[levels - 1],
        encoder_hidden_dim=d_model, encoder_layers=1, encoder_ffn_dim=2 * d_model, encoder_attention_heads=4,
        hidden_expansion=expansion, d_model=d_model, decoder_in_channels=[d_model] * levels,
        decoder_ffn_dim=2 * d_model, decoder_layers=layers, decoder_attention_heads=4, num_queries=queries,
        num_denoising=denoising, id2label=labels, label2id={name: i for i, name in labels.items()})
    return RTDetrForObjectDetection(config)


def make_processor(kind: str = "conditional"):
    """The image processor saved with the model: any image is resized to 64x64 (boxes come back in its own pixels)."""
    from transformers import ConditionalDetrImageProcessor, DetrImageProcessor, RTDetrImageProcessor

    cls = {"rtdetr": RTDetrImageProcessor, "conditional": ConditionalDetrImageProcessor}.get(kind, DetrImageProcessor)
    return cls(size={"height": IMAGE_SIZE, "width": IMAGE_SIZE}, do_pad=False)


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------
def _target(scene: scenes.Scene) -> dict:
    """DETR's training target: class ids and boxes as (centre x, centre y, width, height) in [0, 1]."""
    size = scene.image.size[0]
    boxes = [((x0 + x1) / 2 / size, (y0 + y1) / 2 / size, (x1 - x0) / size, (y1 - y0) / size)
             for x0, y0, x1, y1 in (o["box"] for o in scene.objects)]
    classes = [scenes.LABELS.index(o["label"]) for o in scene.objects]
    return {"class_labels": torch.tensor(classes, dtype=torch.long),
            "boxes": torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)}


def detection_dataset(scene_list, processor) -> train.ExamplesDataset:
    """Each item: {"pixel_values" [3, 64, 64], "labels": {"class_labels" [k], "boxes" [k, 4]}}."""
    pixels = processor(images=[s.image for s in scene_list], return_tensors="pt")["pixel_values"]
    return train.ExamplesDataset([{"pixel_values": p, "labels": _target(s)}
                                  for p, s in zip(pixels, scene_list, strict=True)])


def collate(batch: list[dict]) -> dict:
    """Stack the images; keep the targets a list (each image has its own number of objects)."""
    return {"pixel_values": torch.stack([item["pixel_values"] for item in batch]),
            "labels": [item["labels"] for item in batch]}


# ---------------------------------------------------------------------------------------------
# the metric: mAP@0.5
# ---------------------------------------------------------------------------------------------
def box_iou(a, b) -> float:
    """Intersection over union of two (xmin, ymin, xmax, ymax) boxes."""
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def average_precision(detections: list[tuple], truths: dict[int, list], iou_threshold: float = IOU_THRESHOLD) -> float:
    """AP of one class (area under the interpolated precision-recall curve, as in PASCAL VOC).

    detections: (image index, score, box) for this class; truths: image index -> true boxes of this class.
    """
    total = sum(len(boxes) for boxes in truths.values())
    if total == 0:
        return float("nan")
    taken = {image: [False] * len(boxes) for image, boxes in truths.items()}
    hits = []
    for image, _, box in sorted(detections, key=lambda d: -d[1]):
        ious = [box_iou(box, truth) for truth in truths.get(image, [])]
        best = int(np.argmax(ious)) if ious else -1
        if best >= 0 and ious[best] >= iou_threshold and not taken[image][best]:
            taken[image][best] = True
            hits.append(1)
        else:
            hits.append(0)  # a miss, or a second box on an object already found
    if not hits:
        return 0.0
    true_positives = np.cumsum(hits)
    recall = np.concatenate([[0.0], true_positives / total, [1.0]])
    precision = np.concatenate([[1.0], true_positives / np.arange(1, len(hits) + 1), [0.0]])
    precision = np.maximum.accumulate(precision[::-1])[::-1]  # the envelope: best precision at this recall or more
    steps = np.nonzero(recall[1:] != recall[:-1])[0]
    return float(np.sum((recall[steps + 1] - recall[steps]) * precision[steps + 1]))


def mean_average_precision(predictions: list[list[dict]], scene_list) -> dict:
    """mAP@0.5 over scenes.LABELS (each class's AP, averaged), from pipeline-style predictions.

    predictions: per scene, a list of {"score", "label", "box": {"xmin", "ymin", "xmax", "ymax"}}.
    Returns {"map50": float, "ap50_per_class": {label: float}}. A label outside scenes.LABELS never matches.
    """
    per_class = {}
    for label in scenes.LABELS:
        truths = {i: [o["box"] for o in s.objects if o["label"] == label] for i, s in enumerate(scene_list)}
        detections = [(i, p["score"], tuple(p["box"][k] for k in ("xmin", "ymin", "xmax", "ymax")))
                      for i, found in enumerate(predictions) for p in found if p["label"] == label]
        per_class[label] = round(average_precision(detections, truths), 4)
    return {"map50": round(float(np.nanmean(list(per_class.values()))), 4), "ap50_per_class": per_class}


@torch.no_grad()
def detect(model, processor, images, threshold: float = 0.05, batch_size: int = 100) -> list[list[dict]]:
    """Pipeline-style detections for PIL images: per image [{"score", "label", "box": {...}}] in its pixels."""
    model.eval()
    found = []
    for start in range(0, len(images), batch_size):
        chunk = images[start:start + batch_size]
        inputs = processor(images=chunk, return_tensors="pt")
        outputs = model(pixel_values=inputs["pixel_values"])
        sizes = [(image.height, image.width) for image in chunk]
        for result in processor.post_process_object_detection(outputs, threshold=threshold, target_sizes=sizes):
            found.append([{"score": float(score), "label": model.config.id2label[int(label)],
                           "box": dict(zip(("xmin", "ymin", "xmax", "ymax"), box.tolist(), strict=True))}
                          for score, label, box in zip(result["scores"], result["labels"], result["boxes"],
                                                       strict=True)])
    return found


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------
def fit(model, train_set, *, budget_s: float, epochs: int, learning_rate: float, batch_size: int,
        threads: int = 1, callbacks=(), **_) -> train.TimeBudget:
    """Train `model` on `train_set` with 🤗 `Trainer`; returns the time budget callback (its seconds)."""
    from transformers import Trainer, set_seed

    set_seed(train.SEED)
    budget = train.TimeBudget(budget_s)
    with tempfile.TemporaryDirectory(prefix="hflab-trainer-") as scratch, train.cpu_threads(threads):
        args = train.training_arguments(
            scratch, num_train_epochs=epochs, learning_rate=learning_rate, per_device_train_batch_size=batch_size,
            weight_decay=1e-4, warmup_steps=0.05, lr_scheduler_type="cosine", max_grad_norm=0.1,
            remove_unused_columns=False, disable_tqdm=True, logging_strategy="no")
        Trainer(model=model, args=args, train_dataset=train_set, data_collator=collate, callbacks=[budget, *callbacks]).train()
    model.eval()
    return budget


def standin_map(test_scenes) -> dict:
    """The random "detr" stand-in (COCO labels) scored like the trained model."""
    from .. import models

    loaded = models.load(STANDIN, offline=True, quiet=True)
    # Its processor would enlarge each 64-pixel scene to 800 x 800 (150 times the compute) for the same
    # answer: COCO labels never match a scene label. It sees what the trained model sees instead.
    loaded.processor.size = {"height": IMAGE_SIZE, "width": IMAGE_SIZE}
    return mean_average_precision(detect(loaded.model, loaded.processor, [s.image for s in test_scenes]), test_scenes)


def build(out_dir, budget_s: float = train.BUILD_BUDGET_S) -> dict:
    """Train "scene-detr" on synthetic scenes, score the test scenes once, save model + processor + report."""
    from transformers import set_seed

    started, cpu_started = time.monotonic(), time.process_time()
    set_seed(train.SEED)
    kind = RECIPE["kind"]
    processor = make_processor(kind)
    model = make_model(**RECIPE)
    # One thread throughout: for a model this small two threads mostly wait on each other, and on a
    # busy machine their spinning burns CPU time for nothing.
    with train.cpu_threads(1):
        train_scenes = scenes.make_scenes(TRAIN_SCENES, 0, IMAGE_SIZE)
        budget = fit(model, detection_dataset(train_scenes, processor), budget_s=budget_s, **RECIPE)
        test_scenes = scenes.make_scenes(TEST_SCENES, scenes.TEST_SEED, IMAGE_SIZE)
        test = mean_average_precision(detect(model, processor, [s.image for s in test_scenes]), test_scenes)
        standin = standin_map(test_scenes)
    model.save_pretrained(out_dir)
    processor.save_pretrained(out_dir)
    size_mb = sum(p.numel() for p in model.parameters()) * 4 / 1e6
    return train.save_report(out_dir, {
        "model": KEY,
        "test": {"map50": test["map50"]},
        "test_ap50_per_class": test["ap50_per_class"],
        "standin": STANDIN,
        "standin_test": {"map50": standin["map50"]},
        "standin_note": "the random stand-in predicts COCO labels (person, car, ...), none of which is a scene "
                        "label, so none of its boxes can match: 0 by construction, whatever its boxes; it was run "
                        "at 64 px like the trained model (its own processor would enlarge scenes to 800 px)",
        "train_seconds": round(budget.elapsed, 1),
        "train_cpu_seconds": round(budget.cpu_seconds, 1),
        "build_seconds": round(time.monotonic() - started, 1),
        "build_cpu_seconds": round(time.process_time() - cpu_started, 1),
        "stopped_by_budget": budget.stopped_early,
        "train_examples": len(train_scenes),
        "test_examples": len(test_scenes),
        "parameters": sum(p.numel() for p in model.parameters()),
        "size_mb": round(size_mb, 2),
        "seed": train.SEED,
        "recipe": f"RT-DETR (ResNet {'/'.join(map(str, RECIPE['widths']))} wide, 2 scales, d_model {RECIPE['d_model']}, "
                  f"1 encoder + {RECIPE['layers']} decoder layers, {RECIPE['queries']} queries, denoising) from scratch "
                  f"on {TRAIN_SCENES} scenes, {RECIPE['epochs']} epochs, batch {RECIPE['batch_size']}, lr "
                  f"{RECIPE['learning_rate']}; chosen on validation scenes from the train seed range (mAP@0.5 0.69 "
                  "there with another initialisation; the former Conditional DETR 0.008; benchmarks/recipe_detector.py)",
    })
