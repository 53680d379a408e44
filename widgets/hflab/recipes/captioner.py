"""`scene-captioner`: a small image captioner trained here, from scratch, on the synthetic scenes.

A `VisionEncoderDecoderModel`, the architecture of TrOCR and of many captioners: a small ViT reads
the picture as 8x8-pixel patches, and a small BERT decoder writes the caption one word at a time,
looking at the patches through cross-attention. Its vocabulary is the words of the training
captions ("a", "red", "circle", "left", "of", ...), one token per word, built here as a BERT
WordPiece vocabulary holding whole words only: a 30,000-piece vocabulary would make the output
layer 1,000 times larger for nothing. The image processor and tokenizer are saved together as a
`TrOCRProcessor` (the processor transformers pairs with VisionEncoderDecoder), so

    >>> captioner = hflab.pipeline("image-to-text", model="scene-captioner")
    >>> captioner(scenes.make_scene(2_000_000).image)
    [{'generated_text': 'a yellow two left of a purple seven'}]

The sizes, epochs and learning rate were chosen on a held-out part of the training seeds
(`benchmarks/recipe_depth_caption.py`); the test scenes are scored once, at the end of `build()`.
"""

from __future__ import annotations

import re
import tempfile
import time

import numpy as np
import torch

from .. import train as course
from . import scenes

SIZE = 64  # pixels: scenes are made at this size and every input is resized to it
TRAIN_SCENES = 4000  # seeds 0 .. 3999
TEST_SCENES = 200  # seeds from scenes.TEST_SEED: never seen in training or in any choice
MAX_TOKENS = 20  # the longest caption (three objects) is 17 words and commas, plus [SEP]
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")  # [CLS] starts a caption, [SEP] ends it
STANDIN = "blip-captioning"
THREADS = 1
# The recipe chosen on train seeds only; see the benchmark.
RECIPE = dict(width=64, encoder_layers=3, decoder_layers=2, epochs=12, learning_rate=2e-3, batch_size=32)


# ---------------------------------------------------------------------------------------------
# the word-level tokenizer
# ---------------------------------------------------------------------------------------------
def caption_words(caption: str) -> list[str]:
    """The words and commas of a caption, as BERT's pre-tokenizer splits them."""
    return re.findall(r"\w+|[^\w\s]", caption.lower())


def word_tokenizer(captions):
    """A BertTokenizer whose vocabulary is the special tokens and every word of `captions` (whole words)."""
    from transformers import BertTokenizer

    words = sorted({word for caption in captions for word in caption_words(caption)})
    vocab = {token: i for i, token in enumerate([*SPECIAL_TOKENS, *words])}
    return BertTokenizer(vocab=vocab, do_lower_case=True, model_max_length=MAX_TOKENS)


def image_processor():
    """Resize to 64 x 64 (whatever the input's size), scale pixels to [-1, 1]."""
    from transformers import ViTImageProcessor

    return ViTImageProcessor(size={"height": SIZE, "width": SIZE}, resample=2, image_mean=[0.5] * 3,
                             image_std=[0.5] * 3)


def caption_processor(captions):
    """Image processor + word tokenizer as one `TrOCRProcessor` (AutoProcessor loads it back)."""
    from transformers import TrOCRProcessor

    return TrOCRProcessor(image_processor=image_processor(), tokenizer=word_tokenizer(captions))


# ---------------------------------------------------------------------------------------------
# the model
# ---------------------------------------------------------------------------------------------
def new_model(tokenizer, *, width: int, encoder_layers: int, decoder_layers: int):
    """ViT encoder (64 patches of 8x8 px) + BERT decoder with cross-attention, random weights."""
    from transformers import (
        BertConfig,
        GenerationConfig,
        VisionEncoderDecoderConfig,
        VisionEncoderDecoderModel,
        ViTConfig,
    )

    heads = max(1, width // 32)
    encoder = ViTConfig(image_size=SIZE, patch_size=8, hidden_size=width, num_hidden_layers=encoder_layers,
                        num_attention_heads=heads, intermediate_size=2 * width, hidden_dropout_prob=0.0,
                        attention_probs_dropout_prob=0.0)
    decoder = BertConfig(vocab_size=len(tokenizer), hidden_size=width, num_hidden_layers=decoder_layers,
                         num_attention_heads=heads, intermediate_size=2 * width, max_position_embeddings=32,
                         hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                         is_decoder=True, add_cross_attention=True, pad_token_id=tokenizer.pad_token_id)
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    start, end, pad = tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id
    config.decoder_start_token_id, config.eos_token_id, config.pad_token_id = start, end, pad
    model = VisionEncoderDecoderModel(config=config)
    model.generation_config = GenerationConfig(decoder_start_token_id=start, bos_token_id=start, eos_token_id=end,
                                               pad_token_id=pad, max_new_tokens=MAX_TOKENS, num_beams=1,
                                               do_sample=False)
    return model


# ---------------------------------------------------------------------------------------------
# data, training, scoring
# ---------------------------------------------------------------------------------------------
def caption_dataset(scene_list, processor) -> course.ExamplesDataset:
    """Each item: {"pixel_values" [3, 64, 64], "labels" [MAX_TOKENS]: the caption's word ids, [SEP],
    then -100 (no loss on padding)}. The model shifts labels right behind [CLS] to make its decoder input."""
    tokenizer = processor.tokenizer
    pixels = processor.image_processor(images=[s.image for s in scene_list], return_tensors="pt")["pixel_values"]
    items = []
    for pixel_values, scene in zip(pixels, scene_list, strict=True):
        ids = tokenizer(scene.caption, add_special_tokens=False)["input_ids"] + [tokenizer.sep_token_id]
        labels = (ids + [-100] * MAX_TOKENS)[:MAX_TOKENS]
        items.append({"pixel_values": pixel_values, "labels": torch.tensor(labels)})
    return course.ExamplesDataset(items)


def train_model(train_scenes, *, width: int, encoder_layers: int, decoder_layers: int, epochs: int,
                learning_rate: float, batch_size: int, budget_s: float = course.BUILD_BUDGET_S):
    """A new captioner trained with `Trainer` on `train_scenes`: (model, processor, TimeBudget)."""
    from transformers import Trainer, set_seed

    set_seed(course.SEED)  # the same first weights every time
    processor = caption_processor([s.caption for s in train_scenes])
    model = new_model(processor.tokenizer, width=width, encoder_layers=encoder_layers,
                      decoder_layers=decoder_layers)
    budget = course.TimeBudget(budget_s)
    with tempfile.TemporaryDirectory(prefix="hflab-captioner-") as scratch:
        args = course.training_arguments(
            scratch, num_train_epochs=epochs, learning_rate=learning_rate, per_device_train_batch_size=batch_size,
            warmup_steps=0.05, weight_decay=0.01, lr_scheduler_type="cosine", disable_tqdm=True)
        trainer = Trainer(model=model, args=args, train_dataset=caption_dataset(train_scenes, processor),
                          callbacks=[budget])
        trainer.train()
    return model.eval(), processor, budget


def generate_captions(model, processor, images, batch_size: int = 100) -> list[str]:
    """Greedy captions for a list of PIL images (what the pipeline answers, batched for speed)."""
    captions = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            pixels = processor(images=images[start:start + batch_size], return_tensors="pt")["pixel_values"]
            ids = model.generate(pixel_values=pixels, max_new_tokens=MAX_TOKENS, do_sample=False, num_beams=1)
            captions += [text.strip() for text in processor.batch_decode(ids, skip_special_tokens=True)]
    return captions


def object_named(caption: str, obj: dict) -> bool:
    """True when `caption` names this object with its colour and shape ("red circle")."""
    return re.search(rf"\b{obj['color']} {obj['label']}\b", caption) is not None


def caption_scores(captions: list[str], scene_list) -> dict:
    """exact_match: whole caption right; object_accuracy: share of objects named with the right colour and
    shape; count_accuracy: share of captions naming as many objects as the scene has."""
    exact = [caption == scene.caption for caption, scene in zip(captions, scene_list, strict=True)]
    named = [object_named(caption, obj) for caption, scene in zip(captions, scene_list, strict=True)
             for obj in scene.objects]
    counted = [caption.count(" a ") + caption.startswith("a ") == len(scene.objects)
               for caption, scene in zip(captions, scene_list, strict=True)]
    return {"exact_match": float(np.mean(exact)), "object_accuracy": float(np.mean(named)),
            "count_accuracy": float(np.mean(counted))}


def score(model, processor, scene_list) -> dict:
    return caption_scores(generate_captions(model, processor, [s.image for s in scene_list]), scene_list)


# ---------------------------------------------------------------------------------------------
# the catalog's builder
# ---------------------------------------------------------------------------------------------
def build(out_dir, budget_s: float = course.BUILD_BUDGET_S) -> dict:
    """Make the scenes, train the chosen recipe, score test scenes (and the stand-in), save to `out_dir`."""
    from ..models import load

    started, cpu_started = time.monotonic(), time.process_time()
    train_scenes = scenes.make_scenes(TRAIN_SCENES, 0, SIZE)
    test_scenes = scenes.make_scenes(TEST_SCENES, scenes.TEST_SEED, SIZE)
    # One thread: for a model this small two threads wait on each other more than they help (see depth.py).
    with course.cpu_threads(THREADS):
        model, processor, budget = train_model(train_scenes, budget_s=budget_s, **RECIPE)
        test = score(model, processor, test_scenes)  # the test split's one and only use
        standin = load(STANDIN, offline=True, quiet=True)
        standin_test = score(standin.model, standin.processor, test_scenes)
    report = {
        "model": "scene-captioner", "test": _rounded(test), "standin": STANDIN,
        "standin_test": _rounded(standin_test),
        "standin_note": "the stand-in has BLIP's 30,522-word vocabulary and random weights: it writes random "
                        "words, so it names no object",
        "train_examples": len(train_scenes), "test_examples": len(test_scenes),
        "vocabulary": len(processor.tokenizer), "seed": course.SEED, "torch_threads": THREADS,
        "recipe": f"ViT encoder ({RECIPE['encoder_layers']} layers) + BERT decoder ({RECIPE['decoder_layers']} "
                  f"layers, cross-attention), width {RECIPE['width']}, from scratch on {len(train_scenes)} scenes "
                  f"(seeds 0-{len(train_scenes) - 1}), {RECIPE['epochs']} epochs, AdamW lr "
                  f"{RECIPE['learning_rate']} (cosine), batch {RECIPE['batch_size']}, word-level vocabulary of "
                  "the training captions; settings chosen on held-out train seeds "
                  "(benchmarks/recipe_depth_caption.py)",
    }
    return course.finish_build(out_dir, model, processor, report, started=started, cpu_started=cpu_started,
                               budget=budget, digits=2)


def _rounded(figures: dict) -> dict:
    return {name: round(value, 4) for name, value in figures.items()}
