"""The course's image segmenter, "scene-segmenter": a small SegFormer trained from scratch on synthetic scenes.

Semantic segmentation gives every pixel a class: here "background" or one of the scene labels
(circle, square, triangle, two, seven). SegFormer does it with a hierarchical transformer encoder
(each stage merges patches, so the feature maps shrink like a CNN's) and an all-MLP decoder that
brings every stage to one resolution and classifies each position.

The catalog first named Mask2Former (what the seed shows for this task). A small Mask2Former was
tried under the same time budget and learned much less (figures in benchmarks/recipe_vision_scenes.py),
so the course trains SegFormer and says so; the random Mask2Former stand-in stays for structure lessons.

`build(out_dir)` trains on scenes from seeds 0.., scores mIoU on test scenes from `scenes.TEST_SEED`
once, scores the random "mask2former" stand-in the same way, and saves model + image processor, so
`hflab.pipeline("image-segmentation", model="scene-segmenter")` answers [{"score", "label", "mask"}, ...].
"""

from __future__ import annotations

import tempfile
import time

import numpy as np
import torch

from .. import train
from . import scenes

KEY = "scene-segmenter"
STANDIN = "mask2former"
IMAGE_SIZE = 64
TRAIN_SCENES = 2000
TEST_SCENES = 300
VALIDATION_SEED = 600_000  # a held-out slice of the train range, for choosing settings (benchmarks)
CLASSES = ("background", *scenes.LABELS)

# The setting chosen on validation scenes (benchmarks/recipe_vision_scenes.py)
RECIPE = dict(kind="segformer", width=32, epochs=8, learning_rate=3e-3, batch_size=32, background_weight=0.2)


def id2label() -> dict[int, str]:
    return dict(enumerate(CLASSES))


# ---------------------------------------------------------------------------------------------
# model and processor
# ---------------------------------------------------------------------------------------------
def make_model(kind: str = "segformer", width: int = 32, first_stride: int = 4, **_):
    """A small segmenter with random weights: "segformer" (the course's) or "mask2former" (compared)."""
    labels = id2label()
    label_maps = dict(id2label=labels, label2id={name: i for i, name in labels.items()})
    if kind == "segformer":
        from transformers import SegformerConfig, SegformerForSemanticSegmentation

        # three stages of patch merging: 16x16, 8x8, 4x4 feature maps for a 64x64 image (first_stride=4);
        # the decoder predicts at 16x16 and the processor upsamples its logits to the image
        config = SegformerConfig(
            num_encoder_blocks=3, depths=[1, 1, 1], hidden_sizes=[width, 2 * width, 4 * width],
            patch_sizes=[2 * first_stride - 1, 3, 3], strides=[first_stride, 2, 2],
            sr_ratios=[8 // first_stride, 1, 1], num_attention_heads=[1, 2, 4],
            mlp_ratios=[2, 2, 2], decoder_hidden_size=2 * width, drop_path_rate=0.0, classifier_dropout_prob=0.0,
            **label_maps)
        return SegformerForSemanticSegmentation(config)
    if kind == "mask2former":
        from transformers import Mask2FormerConfig, Mask2FormerForUniversalSegmentation, SwinConfig

        swin = SwinConfig(image_size=IMAGE_SIZE, patch_size=2, embed_dim=width, depths=[1, 1, 1, 1],
                          num_heads=[1, 2, 4, 4], window_size=4, drop_path_rate=0.0,
                          out_features=["stage1", "stage2", "stage3", "stage4"])
        config = Mask2FormerConfig(
            backbone_config=swin, feature_size=2 * width, mask_feature_size=2 * width, hidden_dim=2 * width,
            encoder_feedforward_dim=4 * width, dim_feedforward=4 * width, encoder_layers=1, decoder_layers=3,
            num_attention_heads=4, num_queries=8, train_num_points=1024, common_stride=2, **label_maps)
        return Mask2FormerForUniversalSegmentation(config)
    raise ValueError(f'kind must be "segformer" or "mask2former", not {kind!r}')


def make_processor(kind: str = "segformer"):
    """The image processor saved with the model: any image is resized to 64x64; masks come back at its size."""
    if kind == "segformer":
        from transformers import SegformerImageProcessor

        return SegformerImageProcessor(size={"height": IMAGE_SIZE, "width": IMAGE_SIZE}, do_reduce_labels=False)
    from transformers import Mask2FormerImageProcessor

    return Mask2FormerImageProcessor(size={"height": IMAGE_SIZE, "width": IMAGE_SIZE}, size_divisor=0,
                                     ignore_index=255, do_reduce_labels=False)


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------
def class_map(scene: scenes.Scene) -> np.ndarray:
    """The true answer for a scene: int64 [H, W], 0 = background, i = CLASSES[i]."""
    answer = np.zeros(scene.depth.shape, dtype=np.int64)
    for obj in scene.objects:
        answer[obj["mask"]] = CLASSES.index(obj["label"])
    return answer


def segmentation_dataset(scene_list, processor, kind: str = "segformer") -> train.ExamplesDataset:
    """Segformer items: {"pixel_values" [3, 64, 64], "labels" [64, 64]};
    Mask2Former items: {"pixel_values", "mask_labels" [k, 64, 64], "class_labels" [k]} (one mask per class present)."""
    pixels = processor(images=[s.image for s in scene_list], return_tensors="pt")["pixel_values"]
    items = []
    for p, scene in zip(pixels, scene_list, strict=True):
        answer = torch.from_numpy(class_map(scene))
        if kind == "segformer":
            items.append({"pixel_values": p, "labels": answer})
        else:
            present = answer.unique()
            items.append({"pixel_values": p, "class_labels": present,
                          "mask_labels": (answer[None] == present[:, None, None]).float()})
    return train.ExamplesDataset(items)


def collate(batch: list[dict]) -> dict:
    """Stack what has one shape per image; keep Mask2Former's per-image mask lists as lists."""
    out = {"pixel_values": torch.stack([item["pixel_values"] for item in batch])}
    if "labels" in batch[0]:
        out["labels"] = torch.stack([item["labels"] for item in batch])
    else:
        out["mask_labels"] = [item["mask_labels"] for item in batch]
        out["class_labels"] = [item["class_labels"] for item in batch]
    return out


# ---------------------------------------------------------------------------------------------
# prediction and the metric: mIoU
# ---------------------------------------------------------------------------------------------
@torch.no_grad()
def predict_maps(model, processor, images, batch_size: int = 100) -> list[np.ndarray]:
    """A class-id map [H, W] per PIL image, as the image-segmentation pipeline would compute it."""
    model.eval()
    maps = []
    for start in range(0, len(images), batch_size):
        chunk = images[start:start + batch_size]
        outputs = model(pixel_values=processor(images=chunk, return_tensors="pt")["pixel_values"])
        sizes = [(image.height, image.width) for image in chunk]
        maps += [m.numpy() for m in processor.post_process_semantic_segmentation(outputs, target_sizes=sizes)]
    return maps


def mean_iou(predicted: list[np.ndarray], truths: list[np.ndarray], labels: dict[int, str]) -> dict:
    """IoU of each scene class over the whole test set, and their mean.

    predicted: class-id maps in the model's own ids (`labels` names them); truths: maps in CLASSES ids.
    A predicted id whose name is not in CLASSES counts as background (so a COCO model's "person" is wrong
    everywhere). Returns {"miou": mean over CLASSES incl. background, "miou_objects": mean over the
    object classes, "iou_per_class": {name: iou}}.
    """
    to_ours = np.array([CLASSES.index(labels[i]) if labels[i] in CLASSES else 0 for i in range(len(labels))])
    inter, union = np.zeros(len(CLASSES)), np.zeros(len(CLASSES))
    for guess, truth in zip(predicted, truths, strict=True):
        guess = to_ours[guess]
        for c in range(len(CLASSES)):
            inter[c] += np.sum((guess == c) & (truth == c))
            union[c] += np.sum((guess == c) | (truth == c))
    iou = inter / np.maximum(union, 1)
    return {"miou": round(float(iou.mean()), 4), "miou_objects": round(float(iou[1:].mean()), 4),
            "iou_per_class": {name: round(float(v), 4) for name, v in zip(CLASSES, iou, strict=True)}}


def score(model, processor, scene_list) -> dict:
    maps = predict_maps(model, processor, [s.image for s in scene_list])
    labels = {int(i): name for i, name in model.config.id2label.items()}
    return mean_iou(maps, [class_map(s) for s in scene_list], labels)


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------
def weighted_pixel_loss(background_weight: float):
    """Cross-entropy over pixels with the background counted less: most pixels are background, and with
    plain cross-entropy a short training learns little more than "everything is background"."""
    weights = torch.tensor([background_weight] + [1.0] * len(scenes.LABELS))

    def loss(outputs, labels, num_items_in_batch=None):
        logits = torch.nn.functional.interpolate(outputs.logits, size=labels.shape[-2:], mode="bilinear",
                                                 align_corners=False)  # [batch, classes, H, W]
        return torch.nn.functional.cross_entropy(logits, labels, weight=weights.to(logits.device))

    return loss


def fit(model, train_set, *, budget_s: float, epochs: int, learning_rate: float, batch_size: int,
        background_weight: float | None = None, threads: int = 1, **_) -> train.TimeBudget:
    """Train with 🤗 `Trainer` (one thread: for a model this small, two threads mostly wait on each other)."""
    from transformers import Trainer, set_seed

    set_seed(train.SEED)
    budget = train.TimeBudget(budget_s)
    loss = weighted_pixel_loss(background_weight) if background_weight is not None else None
    with tempfile.TemporaryDirectory(prefix="hflab-trainer-") as scratch, train.cpu_threads(threads):
        args = train.training_arguments(
            scratch, num_train_epochs=epochs, learning_rate=learning_rate, per_device_train_batch_size=batch_size,
            weight_decay=1e-2, warmup_steps=0.05, lr_scheduler_type="cosine",
            remove_unused_columns=False, disable_tqdm=True, logging_strategy="no")
        Trainer(model=model, args=args, train_dataset=train_set, data_collator=collate, callbacks=[budget],
                compute_loss_func=loss).train()
    model.eval()
    return budget


def standin_miou(test_scenes) -> dict:
    """The random "mask2former" stand-in (COCO panoptic labels) scored like the trained model."""
    from .. import models

    loaded = models.load(STANDIN, offline=True, quiet=True)
    # Its processor would enlarge each 64-pixel scene to 384 pixels (36 times the compute) for the same
    # answer: COCO labels never match a scene label. It sees what the trained model sees instead.
    loaded.processor.size = {"height": IMAGE_SIZE, "width": IMAGE_SIZE}
    return score(loaded.model, loaded.processor, test_scenes)


def build(out_dir, budget_s: float = train.BUILD_BUDGET_S) -> dict:
    """Train "scene-segmenter" on synthetic scenes, score the test scenes once, save model + processor + report."""
    from transformers import set_seed

    started, cpu_started = time.monotonic(), time.process_time()
    set_seed(train.SEED)
    kind = RECIPE["kind"]
    processor = make_processor(kind)
    model = make_model(**RECIPE)
    with train.cpu_threads(1):  # one thread: see fit()
        train_scenes = scenes.make_scenes(TRAIN_SCENES, 0, IMAGE_SIZE)
        budget = fit(model, segmentation_dataset(train_scenes, processor, kind), budget_s=budget_s, **RECIPE)
        test_scenes = scenes.make_scenes(TEST_SCENES, scenes.TEST_SEED, IMAGE_SIZE)
        test = score(model, processor, test_scenes)
        standin = standin_miou(test_scenes)
    return train.finish_build(out_dir, model, processor, {
        "model": KEY,
        "test": {"miou": test["miou"], "miou_objects": test["miou_objects"]},
        "test_iou_per_class": test["iou_per_class"],
        "standin": STANDIN,
        "standin_test": {"miou": standin["miou"], "miou_objects": standin["miou_objects"]},
        "standin_note": "the random Mask2Former stand-in predicts COCO panoptic labels, none of which is a scene "
                        "label: its pixels all count as background, so only its background IoU can be above 0; it was run at "
                        "64 px like the trained model (its own processor would enlarge scenes to 384 px)",
        "train_examples": len(train_scenes),
        "test_examples": len(test_scenes),
        "seed": train.SEED,
        "recipe": _recipe_sentence(),
    }, started=started, cpu_started=cpu_started, budget=budget, megabyte=10**6, digits=2)


def _recipe_sentence() -> str:
    if RECIPE["kind"] == "segformer":
        how = (f"SegFormer (3 stages, {RECIPE['width']}-{4 * RECIPE['width']} wide), pixel cross-entropy with "
               f"background weighted {RECIPE['background_weight']}")
    else:
        how = f"Mask2Former (tiny Swin, {RECIPE['width']} wide, 8 queries), its own mask-classification loss"
    return (f"{how}, from scratch on {TRAIN_SCENES} scenes, {RECIPE['epochs']} epochs, lr {RECIPE['learning_rate']}; "
            "SegFormer and Mask2Former compared on validation scenes from the train seed range "
            "(benchmarks/recipe_vision_scenes.py)")
