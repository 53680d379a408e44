"""Tiny random models of 28 transformer architectures, built offline from configs in well under a second.

    from tiny_architectures import ARCHITECTURES, build
    model, inputs = build("GPT-NeoX")     # GPTNeoXForCausalLM, eager attention, eval mode
    out = model(**inputs)                 # inputs: input_ids + attention_mask [1, 8] (+ decoder_input_ids)

Every model has its usual head: masked LM for encoders, causal LM for decoders, seq2seq LM for
encoder-decoders. All share one shape where their configs allow it: 2 layers (2 + 2 for
encoder-decoders), hidden size 32, 4 attention heads of 8 dimensions, vocabulary 128 (ids 0-3 are
pad/bos/eos/spare). Decoders with grouped-query attention keep 2 key/value heads for the 4 query heads.

Weights are redrawn from N(0, 0.2) (seeded): at the configs' own ~0.02 init every head is nearly
silent, and tests that switch one head off should see the output move.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import transformers

VOCAB, HIDDEN, HEADS, HEAD_DIM, LAYERS, FFN = 128, 32, 4, 8, 2, 64
PAD, BOS, EOS = 0, 1, 2
FIRST_ORDINARY_ID = 4
SEQUENCE = 8


@dataclass(frozen=True)
class Tiny:
    """How to build one architecture: its config class, head class and config arguments."""

    config: str
    head: str
    kind: str  # "encoder", "decoder" or "encoder-decoder"
    kwargs: dict = field(default_factory=dict)


_BERT_LIKE = dict(hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS, intermediate_size=FFN,
                  max_position_embeddings=64)
_LLAMA_LIKE = dict(hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS, num_key_value_heads=2,
                   intermediate_size=FFN, max_position_embeddings=64)
_BART_LIKE = dict(d_model=HIDDEN, encoder_layers=LAYERS, decoder_layers=LAYERS, encoder_attention_heads=HEADS,
                  decoder_attention_heads=HEADS, encoder_ffn_dim=FFN, decoder_ffn_dim=FFN, max_position_embeddings=64)

SPECS: dict[str, Tiny] = {
    # encoders (masked LM)
    "BERT": Tiny("BertConfig", "BertForMaskedLM", "encoder", _BERT_LIKE),
    "RoBERTa": Tiny("RobertaConfig", "RobertaForMaskedLM", "encoder", _BERT_LIKE),
    "DistilBERT": Tiny("DistilBertConfig", "DistilBertForMaskedLM", "encoder",
                       dict(dim=HIDDEN, n_layers=LAYERS, n_heads=HEADS, hidden_dim=FFN, max_position_embeddings=64)),
    "ALBERT": Tiny("AlbertConfig", "AlbertForMaskedLM", "encoder", dict(_BERT_LIKE, embedding_size=16)),
    "ELECTRA": Tiny("ElectraConfig", "ElectraForMaskedLM", "encoder", dict(_BERT_LIKE, embedding_size=16)),
    "DeBERTa-v2": Tiny("DebertaV2Config", "DebertaV2ForMaskedLM", "encoder",
                       dict(_BERT_LIKE, relative_attention=True, position_buckets=16, pos_att_type=["p2c", "c2p"])),
    "XLM-R": Tiny("XLMRobertaConfig", "XLMRobertaForMaskedLM", "encoder", _BERT_LIKE),
    "ModernBERT": Tiny("ModernBertConfig", "ModernBertForMaskedLM", "encoder",
                       dict(_BERT_LIKE, local_attention=4, cls_token_id=BOS, sep_token_id=EOS)),
    # decoders (causal LM)
    "GPT-2": Tiny("GPT2Config", "GPT2LMHeadModel", "decoder", dict(n_embd=HIDDEN, n_layer=LAYERS, n_head=HEADS,
                                                                   n_positions=64)),
    "GPT-NeoX": Tiny("GPTNeoXConfig", "GPTNeoXForCausalLM", "decoder",
                     dict(hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                          intermediate_size=FFN, max_position_embeddings=64)),
    "Llama": Tiny("LlamaConfig", "LlamaForCausalLM", "decoder", _LLAMA_LIKE),
    "Mistral": Tiny("MistralConfig", "MistralForCausalLM", "decoder", dict(_LLAMA_LIKE, head_dim=HEAD_DIM)),
    "Qwen2": Tiny("Qwen2Config", "Qwen2ForCausalLM", "decoder", _LLAMA_LIKE),
    "Qwen3": Tiny("Qwen3Config", "Qwen3ForCausalLM", "decoder", dict(_LLAMA_LIKE, head_dim=HEAD_DIM)),
    "Gemma": Tiny("GemmaConfig", "GemmaForCausalLM", "decoder", dict(_LLAMA_LIKE, head_dim=HEAD_DIM)),
    "Gemma2": Tiny("Gemma2Config", "Gemma2ForCausalLM", "decoder",
                   dict(_LLAMA_LIKE, head_dim=HEAD_DIM, query_pre_attn_scalar=HEAD_DIM, sliding_window=4)),
    "Phi": Tiny("PhiConfig", "PhiForCausalLM", "decoder", dict(_LLAMA_LIKE, num_key_value_heads=HEADS)),
    "Phi-3": Tiny("Phi3Config", "Phi3ForCausalLM", "decoder", _LLAMA_LIKE),
    "OLMo": Tiny("OlmoConfig", "OlmoForCausalLM", "decoder", _LLAMA_LIKE),
    "Falcon": Tiny("FalconConfig", "FalconForCausalLM", "decoder",
                   dict(hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS)),
    "OPT": Tiny("OPTConfig", "OPTForCausalLM", "decoder",
                dict(hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS, ffn_dim=FFN,
                     word_embed_proj_dim=HIDDEN, max_position_embeddings=64)),
    "BLOOM": Tiny("BloomConfig", "BloomForCausalLM", "decoder",
                  dict(hidden_size=HIDDEN, n_layer=LAYERS, n_head=HEADS)),
    "GPT-J": Tiny("GPTJConfig", "GPTJForCausalLM", "decoder",
                  dict(n_embd=HIDDEN, n_layer=LAYERS, n_head=HEADS, rotary_dim=4, n_inner=FFN, n_positions=64)),
    # encoder-decoders (seq2seq LM)
    "T5": Tiny("T5Config", "T5ForConditionalGeneration", "encoder-decoder",
               dict(d_model=HIDDEN, d_kv=HEAD_DIM, d_ff=FFN, num_layers=LAYERS, num_decoder_layers=LAYERS,
                    num_heads=HEADS, relative_attention_num_buckets=8, decoder_start_token_id=PAD)),
    "BART": Tiny("BartConfig", "BartForConditionalGeneration", "encoder-decoder",
                 dict(_BART_LIKE, decoder_start_token_id=EOS)),
    "mBART": Tiny("MBartConfig", "MBartForConditionalGeneration", "encoder-decoder",
                  dict(_BART_LIKE, decoder_start_token_id=EOS)),
    "Pegasus": Tiny("PegasusConfig", "PegasusForConditionalGeneration", "encoder-decoder",
                    dict(_BART_LIKE, decoder_start_token_id=PAD)),
    "Marian": Tiny("MarianConfig", "MarianMTModel", "encoder-decoder",
                   dict(_BART_LIKE, decoder_vocab_size=VOCAB, decoder_start_token_id=PAD)),
}
ARCHITECTURES: list[str] = list(SPECS)


def config(name: str) -> transformers.PretrainedConfig:
    """The tiny config of architecture `name` (one of ARCHITECTURES), eager attention."""
    if name not in SPECS:
        raise KeyError(f"unknown architecture {name!r}; choose one of {', '.join(ARCHITECTURES)}")
    spec = SPECS[name]
    config_class = getattr(transformers, spec.config)
    return config_class(vocab_size=VOCAB, pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS,
                        attn_implementation="eager", **spec.kwargs)


def kind(name: str) -> str:
    """"encoder", "decoder" or "encoder-decoder"."""
    return SPECS[name].kind


def inputs_for(name: str, seed: int = 0, length: int = SEQUENCE) -> dict[str, torch.Tensor]:
    """Random ordinary token ids (no pad/bos/eos) for one sequence: input_ids, attention_mask [1, length];
    encoder-decoders also get decoder_input_ids [1, length // 2] starting with the decoder start id."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(FIRST_ORDINARY_ID, VOCAB, (1, length), generator=generator)
    inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    if SPECS[name].kind == "encoder-decoder":
        start = config(name).decoder_start_token_id
        decoder = torch.randint(FIRST_ORDINARY_ID, VOCAB, (1, length // 2), generator=generator)
        decoder[0, 0] = start
        inputs["decoder_input_ids"] = decoder
    return inputs


def build(name: str, seed: int = 0) -> tuple[torch.nn.Module, dict[str, torch.Tensor]]:
    """A fresh tiny random model of architecture `name` in eval mode, and inputs to feed it."""
    cfg = config(name)
    torch.manual_seed(seed)
    model = getattr(transformers, SPECS[name].head)(cfg)
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.dim() > 1:
                parameter.normal_(0.0, 0.2)
    return model.eval(), inputs_for(name, seed)
