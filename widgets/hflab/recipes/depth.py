"""`scene-depth`: a small depth model trained here, from scratch, on the synthetic scenes.

Every pixel of a scene (`hflab.recipes.scenes`) has a depth in metres known by construction: the
floor recedes towards the wall, and objects stand on the floor where it is as far away as they are.
A small GLPN (a SegFormer-style encoder of four stages and a light decoder, 0.3 M weights) learns to
read that depth from the picture alone. The loss is the scale-invariant log loss GLPN was made with
(SiLog), plus a plain L1 on log depth so that the answer is in metres, not only in proportion.

GLPN against a small DPT (a ViT with DPT's reassemble-and-fuse neck) was decided on a held-out part
of the training seeds; `benchmarks/recipe_depth_caption.py` prints the compared settings.

The saved image processor is a DPT one resizing every picture to 64 x 64 (the size the model saw),
so `hflab.pipeline("depth-estimation", model="scene-depth")` answers in v4's format:
{"predicted_depth": tensor [H, W] in metres, "depth": a grey PIL image, brighter = farther}.
"""

from __future__ import annotations

import tempfile
import time

import numpy as np
import torch

from .. import train as course
from . import scenes

SIZE = 64  # pixels: scenes are made at this size and every input is resized to it
TRAIN_SCENES = 2400  # seeds 0 .. 2399
TEST_SCENES = 150  # seeds from scenes.TEST_SEED: never seen in training or in any choice
MAX_DEPTH_M = 12  # GLPN's sigmoid head answers in (0, MAX_DEPTH_M); the wall stands at 10 m
STANDIN = "dpt"
THREADS = 1
# The recipe (architecture, epochs, learning rate) chosen on train seeds only; see the benchmark.
# object pixels count 5x in the loss: chosen on held-out train seeds (AbsRel 0.105 vs 0.144 unweighted)
RECIPE = dict(kind="glpn", epochs=4, learning_rate=3e-3, batch_size=32, object_weight=5.0)


# ---------------------------------------------------------------------------------------------
# the two candidate models and the image processor they share
# ---------------------------------------------------------------------------------------------
def glpn_model():
    """A small GLPN: stages at 1/4, 1/8, 1/16, 1/32 of the picture (16, 8, 4, 2 px wide at 64 px)."""
    from transformers import GLPNConfig, GLPNForDepthEstimation

    config = GLPNConfig(
        num_encoder_blocks=4, depths=[1, 1, 1, 1], hidden_sizes=[16, 32, 64, 128],
        patch_sizes=[7, 3, 3, 3], strides=[4, 2, 2, 2], num_attention_heads=[1, 1, 2, 4],
        sr_ratios=[4, 2, 1, 1],  # keys/values pooled on the large stages: attention stays cheap
        mlp_ratios=[2, 2, 2, 2], decoder_hidden_size=16, max_depth=MAX_DEPTH_M, head_in_index=-1)
    return GLPNForDepthEstimation(config)


def dpt_model():
    """A small DPT: a 4-layer ViT on 8x8 patches, each layer's tokens reassembled into a feature map."""
    from transformers import DPTConfig, DPTForDepthEstimation

    config = DPTConfig(
        hidden_size=64, num_hidden_layers=4, num_attention_heads=4, intermediate_size=128, image_size=SIZE,
        patch_size=8, is_hybrid=False, backbone_out_indices=[0, 1, 2, 3], reassemble_factors=[4, 2, 1, 0.5],
        neck_hidden_sizes=[16, 24, 32, 48], fusion_hidden_size=32, use_auxiliary_head=False)
    return DPTForDepthEstimation(config)


MODELS = {"glpn": glpn_model, "dpt": dpt_model}


def image_processor():
    """Resize to 64 x 64 (whatever the input's size), scale pixels to [-1, 1]."""
    from transformers import DPTImageProcessor

    return DPTImageProcessor(size={"height": SIZE, "width": SIZE}, keep_aspect_ratio=False, do_pad=False,
                             resample=2, image_mean=[0.5] * 3, image_std=[0.5] * 3)


# ---------------------------------------------------------------------------------------------
# data and loss
# ---------------------------------------------------------------------------------------------
def depth_dataset(scene_list, processor, object_weight: float = 1.0) -> course.ExamplesDataset:
    """Each item: {"pixel_values" [3, 64, 64], "labels" [64, 64] depth in metres}; with an `object_weight`
    other than 1, "labels" is [2, 64, 64]: the depth, then each pixel's weight in the loss (objects'
    pixels count `object_weight` times: they are few beside the floor and the wall)."""
    pixels = processor(images=[s.image for s in scene_list], return_tensors="pt")["pixel_values"]
    return course.ExamplesDataset([{"pixel_values": p, "labels": _labels(s, object_weight)}
                                   for p, s in zip(pixels, scene_list, strict=True)])


def _labels(scene, object_weight: float) -> torch.Tensor:
    depth = torch.from_numpy(scene.depth)
    if object_weight == 1.0:
        return depth
    on_objects = np.zeros(scene.depth.shape, dtype=bool)
    for obj in scene.objects:
        on_objects |= obj["mask"]
    weight = torch.from_numpy(np.where(on_objects, object_weight, 1.0).astype(np.float32))
    return torch.stack([depth, weight])


def depth_loss(outputs, labels, num_items_in_batch=None):
    """SiLog (GLPN's own loss: right in proportion) + L1 on log depth (right in metres).

    The logs are of depth + 10 cm: DPT's head ends in a ReLU, and at 0 a plain log would have an
    infinite slope (its first steps then push every pixel below 0, where no gradient flows again).
    """
    if labels.dim() == 4:  # [batch, 2, H, W]: depth and each pixel's weight
        return _weighted_depth_loss(outputs, labels[:, 0], labels[:, 1])
    predicted = _at_size(outputs["predicted_depth"], labels.shape[-2:])
    diff = torch.log(predicted + 0.1) - torch.log(labels + 0.1)  # [batch, H, W]
    silog = torch.sqrt((diff ** 2).mean() - 0.5 * diff.mean() ** 2 + 1e-8)
    return silog + diff.abs().mean()


def _weighted_depth_loss(outputs, depth, weight):
    """depth_loss with each pixel's terms weighted (weighted means instead of plain ones)."""
    predicted = _at_size(outputs["predicted_depth"], depth.shape[-2:])
    diff = torch.log(predicted + 0.1) - torch.log(depth + 0.1)  # [batch, H, W]
    weight = weight / weight.sum()
    silog = torch.sqrt((weight * diff ** 2).sum() - 0.5 * (weight * diff).sum() ** 2 + 1e-8)
    return silog + (weight * diff.abs()).sum()


def _at_size(depth: torch.Tensor, size) -> torch.Tensor:
    """[batch, h, w] -> [batch, H, W] (DPT answers at twice the input size)."""
    if tuple(depth.shape[-2:]) == tuple(size):
        return depth
    return torch.nn.functional.interpolate(depth[:, None], size=tuple(size), mode="bilinear",
                                           align_corners=False)[:, 0]


# ---------------------------------------------------------------------------------------------
# training and scoring
# ---------------------------------------------------------------------------------------------
def train_model(kind: str, train_scenes, *, epochs: int, learning_rate: float, batch_size: int,
                object_weight: float = 1.0, budget_s: float = course.BUILD_BUDGET_S):
    """A new `kind` model trained with `Trainer` on `train_scenes`: (model, processor, TimeBudget)."""
    from transformers import Trainer, set_seed

    set_seed(course.SEED)  # the same first weights every time
    model, processor = MODELS[kind](), image_processor()
    budget = course.TimeBudget(budget_s)
    with tempfile.TemporaryDirectory(prefix="hflab-depth-") as scratch:
        args = course.training_arguments(
            scratch, num_train_epochs=epochs, learning_rate=learning_rate, per_device_train_batch_size=batch_size,
            warmup_steps=0.05, weight_decay=0.01, lr_scheduler_type="cosine", disable_tqdm=True)
        trainer = Trainer(model=model, args=args, train_dataset=depth_dataset(train_scenes, processor, object_weight),
                          compute_loss_func=depth_loss, callbacks=[budget])
        trainer.train()
    return model.eval(), processor, budget


def predict_depths(model, processor, images, batch_size: int = 50) -> np.ndarray:
    """Depth in the model's units, float32 [n, 64, 64], resized to the scenes' size."""
    answers = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            pixels = processor(images=images[start:start + batch_size], return_tensors="pt")["pixel_values"]
            answers.append(_at_size(model(pixel_values=pixels).predicted_depth, (SIZE, SIZE)))
    return torch.cat(answers).numpy()


def aligned(predicted: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Each picture's prediction mapped by the scale and shift that fit its true depth best (least squares):
    how models that know depth only up to scale and shift (DPT's checkpoints, MiDaS) are scored."""
    flat_p, flat_t = predicted.reshape(len(predicted), -1), truth.reshape(len(truth), -1)
    centred = flat_p - flat_p.mean(axis=1, keepdims=True)
    scale = (centred * (flat_t - flat_t.mean(axis=1, keepdims=True))).sum(axis=1) / np.maximum(
        (centred ** 2).sum(axis=1), 1e-12)
    shift = flat_t.mean(axis=1) - scale * flat_p.mean(axis=1)
    return predicted * scale[:, None, None] + shift[:, None, None]


def depth_errors(predicted: np.ndarray, truth: np.ndarray) -> dict:
    """AbsRel, RMSE (metres) and delta<1.25 (share of pixels within 25 %), averaged over pictures."""
    predicted = np.maximum(predicted, 1e-3)
    ratio = np.maximum(predicted / truth, truth / predicted)
    return {"absrel": float(np.mean(np.abs(predicted - truth) / truth)),
            "rmse": float(np.mean(np.sqrt(np.mean((predicted - truth) ** 2, axis=(1, 2))))),
            "delta1": float(np.mean(ratio < 1.25))}


def object_order_accuracy(predicted: np.ndarray, scene_list) -> float:
    """Share of object pairs whose nearer member is also nearer in the prediction (median over its mask)."""
    right = pairs = 0
    for depth, scene in zip(predicted, scene_list, strict=True):
        seen = [(obj["depth"], float(np.median(depth[obj["mask"]]))) for obj in scene.objects]
        for i in range(len(seen)):
            for j in range(i + 1, len(seen)):
                pairs += 1
                right += (seen[i][0] < seen[j][0]) == (seen[i][1] < seen[j][1])
    return right / max(pairs, 1)


def score(model, processor, scene_list) -> dict:
    """Every figure the report gives, on `scene_list`: raw (metres) and aligned, plus object order."""
    truth = np.stack([s.depth for s in scene_list])
    predicted = predict_depths(model, processor, [s.image for s in scene_list])
    raw = depth_errors(predicted, truth)
    fitted = depth_errors(aligned(predicted, truth), truth)
    return {**raw, **{f"{name}_aligned": value for name, value in fitted.items()},
            "object_order": object_order_accuracy(predicted, scene_list)}


# ---------------------------------------------------------------------------------------------
# the catalog's builder
# ---------------------------------------------------------------------------------------------
def build(out_dir, budget_s: float = course.BUILD_BUDGET_S) -> dict:
    """Make the scenes, train the chosen recipe, score test scenes (and the stand-in), save to `out_dir`."""
    from ..models import load

    started, cpu_started = time.monotonic(), time.process_time()
    train_scenes = scenes.make_scenes(TRAIN_SCENES, 0, SIZE)
    test_scenes = scenes.make_scenes(TEST_SCENES, scenes.TEST_SEED, SIZE)
    recipe = dict(RECIPE)
    # One thread: for models this small two threads wait on each other more than they help, and on a
    # shared machine their spinning costs ten times the CPU time (measured; see the benchmark).
    with course.cpu_threads(THREADS):
        model, processor, budget = train_model(recipe.pop("kind"), train_scenes, budget_s=budget_s, **recipe)
        test = score(model, processor, test_scenes)  # the test split's one and only use
        standin = load(STANDIN, offline=True, quiet=True)
        standin_test = score(standin.model, standin.image_processor, test_scenes)
    report = {
        "model": "scene-depth", "test": _rounded(test), "standin": STANDIN, "standin_test": _rounded(standin_test),
        "standin_note": "the stand-in is scored on its raw output and, in the *_aligned figures, after the "
                        "least-squares scale and shift that fit each picture's true depth (fair to a model that "
                        "knows depth only up to scale and shift, as DPT's checkpoints do); scene-depth gets both",
        "train_examples": len(train_scenes), "test_examples": len(test_scenes),
        "seed": course.SEED, "torch_threads": THREADS,
        "recipe": f"{RECIPE['kind'].upper()} from scratch on {len(train_scenes)} scenes (seeds 0-"
                  f"{len(train_scenes) - 1}), {RECIPE['epochs']} epochs, AdamW lr {RECIPE['learning_rate']} "
                  f"(cosine), batch {RECIPE['batch_size']}, loss SiLog + L1(log depth) with object pixels weighted "
                  f"{RECIPE['object_weight']:g}x; GLPN vs DPT and the "
                  "settings chosen on held-out train seeds (benchmarks/recipe_depth_caption.py)",
    }
    return course.finish_build(out_dir, model, processor, report, started=started, cpu_started=cpu_started,
                               budget=budget, digits=2)


def _rounded(figures: dict) -> dict:
    return {name: round(value, 4) for name, value in figures.items()}
