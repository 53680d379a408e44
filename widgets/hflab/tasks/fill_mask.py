"""fill-mask answered by a causal LM (offline: smollm2) that scores candidate words — not a masked LM.

A masked LM (BERT, RoBERTa) reads the whole text and predicts the hidden word in one pass; that
path stays transformers' own FillMaskPipeline (`NativePipeline`). A causal LM reads left to
right, so here it answers in three steps, for each mask:

1. candidates: the LM's most likely next tokens after the text left of the mask, kept only when
   they start a word (`CANDIDATES` of them), plus the caller's `targets`. A mask at the very start
   has no left text; its candidates are the most likely first words of a document together with
   the LM's answers to "Fill in the blank with one word: ___ ..." through its chat template.
2. rerank: each candidate is put in place and the log-likelihood of the whole sentence is
   computed, one batched forward pass over all candidates (the left text runs once, its keys
   and values shared). When the rest of the sentence is long, the pass is cut in two: all
   candidates read its first `FIRST_CUT_TOKENS` tokens, the best `FINALISTS` read the rest.
3. scores: a softmax over the candidates' sentence log-likelihoods: the probability of each
   candidate AMONG THE CANDIDATES (those that reached the last pass), not over the vocabulary.

The output is transformers' fill-mask format: one mask -> a list of `top_k` dicts
{"score", "token", "token_str", "sequence"}; several masks -> one such list per mask. Several
masks are filled left to right: mask i is scored with the masks before it filled with their
best word and the text read up to the next mask; its "sequence" shows just that (the later
masks stay as written). Only single-token words can be proposed: a word the LM spells with two
tokens ("umbrella" may be " umb" + "rella") is never a candidate (a multi-token target is
scored by its first token, as transformers does, with a warning).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

from .._trace_inputs import max_tokens
from .base import TaskPipeline, unknown_options
from .errors import InputError
from .text import MASK_SPELLINGS, check_text, check_texts

CANDIDATES = 50  # next tokens after the left text that start a word (benchmarks/fill_mask_smollm2.py)
START_CANDIDATES = 50  # for a mask at the start: from the document-start distribution, and as many from the blank prompt
FIRST_CUT_TOKENS = 4  # tokens after the mask that every candidate reads
FINALISTS = 12  # candidates that read the rest of the sentence (at least top_k)
DEFAULT_TOP_K = 5
BLANK_PROMPT_EVERY_MASK = False  # also ask "fill in the blank" for masks that have left text
# what the LM reads for a mask at the start: the document separator it was pretrained with, if it has one
START_TOKENS = ("<|endoftext|>",)
BLANK = "___"
HOW = "a causal LM that scores candidate words by the likelihood of the whole sentence, not a masked LM"

_MASK = re.compile("|".join(re.escape(m) for m in MASK_SPELLINGS))
_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9'\-]*$")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")


def is_causal_lm(model) -> bool:
    """True for a decoder-only LM (GPT-2, Llama, SmolLM2): it predicts the next token, not a masked one."""
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    config = getattr(model, "config", None)
    if config is None or getattr(config, "is_encoder_decoder", False):
        return False
    name = type(model).__name__
    return name.endswith("ForCausalLM") or name in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.values()


@dataclass
class Blank:
    """One mask of a text: the text left of it (earlier masks filled) and right of it (up to the next mask)."""

    left: str
    right: str
    after: str  # the text after the mask as written (later masks kept), for "sequence"


class CausalFillMaskPipeline(TaskPipeline):
    """pipe(text or [texts], top_k=5, targets=None) -> transformers' fill-mask output, from a causal LM.

    preprocess finds the masks (`<mask>` or `[MASK]`); _forward fills them left to right, each by
    candidates + whole-sentence reranking (see the module docstring); postprocess writes the dicts.
    A masked LM given to `hflab.pipeline("fill-mask")` never gets here: `for_model` hands it to
    transformers' own pipeline.
    """

    @classmethod
    def for_model(cls, loaded):
        """The class that runs fill-mask for this model: this one for a causal LM, transformers' own otherwise."""
        if is_causal_lm(loaded.model):
            return cls
        from .native import NativePipeline

        return NativePipeline

    def _setup(self) -> None:
        if self.tokenizer is None or not is_causal_lm(self.model):
            raise InputError(f"fill-mask by candidate scoring needs a causal LM and its tokenizer; "
                             f"{self.loaded.name} is {type(self.model).__name__}.",
                             "use 'smollm2' (offline), or a masked LM such as 'distilbert/distilroberta-base'.")
        self._max_tokens = max_tokens(self.model, self.tokenizer)
        self._word_starts = _word_token_masks(self.tokenizer)
        self._start_id = next((self.tokenizer.convert_tokens_to_ids(t) for t in START_TOKENS
                               if t in self.tokenizer.get_vocab()),
                              self.tokenizer.bos_token_id if self.tokenizer.bos_token_id is not None
                              else self.tokenizer.eos_token_id)
        self._announce()

    def _announce(self) -> None:
        """One line: which model answers, and how. After a real-first line (a Hub id) that line said it."""
        if self.loaded.requested is not None:
            return
        kind = {"packaged": "the real ", "hub": "the real ", "trained": "the course's trained ",
                "tiny": "the random stand-in "}.get(self.source, "")
        print(f"[hflab] fill-mask: answering with {kind}{self.loaded.name!r}, {HOW} "
              f"(scores: probabilities among its candidates).")

    # --- inputs -------------------------------------------------------------------------------
    def _gather_inputs(self, inputs=None, *args, kwargs: dict):
        if inputs is None:
            inputs = kwargs.pop("inputs", kwargs.pop("text", kwargs.pop("text_inputs", None)))
        if args:
            raise InputError(f"{self.task_name} got {len(args)} extra positional arguments.",
                             "pass one text or a list of texts, then options by name (top_k=3, targets=[...]).")
        if inputs is None:
            raise InputError(f"{self.task_name} needs text.",
                             "call it with a string, e.g. pipe(\"Paris is the capital of <mask>.\").")
        texts = check_texts(inputs)
        return ([texts], False) if isinstance(texts, str) else (list(texts), True)

    def _sanitize_parameters(self, top_k=None, targets=None, **others):
        unknown_options(self.task_name, others, {"top_k", "targets"},
                        "call it as pipe(text, top_k=5, targets=['France', 'Spain'])")
        forward = {}
        if top_k is not None:
            if not isinstance(top_k, int) or top_k < 1:
                raise InputError(f"top_k must be a whole number of at least 1, not {top_k!r}.", "e.g. top_k=5.")
            forward["top_k"] = top_k
        if targets is not None:
            targets = [targets] if isinstance(targets, str) else list(targets)
            if not targets or not all(isinstance(t, str) and t.strip() for t in targets):
                raise InputError(f"targets must be words, got {targets!r}.", "e.g. targets=['France', 'Spain'].")
            forward["targets"] = targets
        return {}, forward, {}

    def preprocess(self, text: str):
        """{"text", "masks": [(start, end), ...]} after checking there is a mask and the text fits."""
        check_text(text)
        masks = [m.span() for m in _MASK.finditer(text)]
        if not masks:
            raise InputError(f"The text has no mask token (<mask> or [MASK]): {text[:60]!r}.",
                             "write <mask> where the missing word goes, e.g. \"Paris is the capital of <mask>.\"")
        length = len(self.tokenizer(_MASK.sub(BLANK, text), add_special_tokens=False)["input_ids"]) + 2
        if self._max_tokens is not None and length > self._max_tokens:
            raise InputError(f"The text is too long for {self.loaded.name}: about {length} tokens, "
                             f"it reads at most {self._max_tokens}.",
                             "keep only the sentences around the mask.")
        return {"text": text, "masks": masks}

    # --- the model ----------------------------------------------------------------------------
    def _forward(self, item: dict, top_k: int = DEFAULT_TOP_K, targets=None) -> dict:
        """{"answers": one list of (token id, token string, score, sequence) per mask, best first}."""
        text, masks = item["text"], item["masks"]
        answers, filled = [], []  # filled: the best word of each earlier mask
        for i, (start, end) in enumerate(masks):
            next_start = masks[i + 1][0] if i + 1 < len(masks) else len(text)
            blank = Blank(left=_fill(text[:start], masks[:i], filled),
                          right=_sentence_rest(text[end:next_start]), after=text[end:])
            context, _ = _context(blank.left)
            ranked = self._rank(blank, text, top_k, targets)
            answers.append([(token, word, score, context + word + blank.after) for token, word, score in ranked])
            filled.append(ranked[0][1] if ranked else "")
        return {"answers": answers}

    def _rank(self, blank: Blank, text: str, top_k: int, targets) -> list[tuple[int, str, float]]:
        """[(token id, token string, probability among the candidates)], the best `top_k` (targets: theirs only)."""
        import torch

        tokenizer = self.tokenizer
        context, spaced = _context(blank.left)
        prefix = [self._start_id] + tokenizer(context, add_special_tokens=False)["input_ids"]
        right = tokenizer(blank.right, add_special_tokens=False)["input_ids"] if blank.right else []
        with torch.no_grad():
            out = self.model(input_ids=torch.tensor([prefix]), use_cache=True)
            first = out.logits[0, -1].float().log_softmax(-1)  # [vocabulary]: the word in the mask's place
            allowed = self._word_starts[1 if spaced else 0]
            pool = first.masked_fill(~allowed, float("-inf"))
            candidates = pool.topk(CANDIDATES).indices.tolist()
            if not context:  # a mask at the start: the first words of a document, and the LM's answers to the blank
                candidates = pool.topk(START_CANDIDATES).indices.tolist() + self._blank_answers(text, allowed)
            elif BLANK_PROMPT_EVERY_MASK:
                candidates += self._blank_answers(text, allowed)
            wanted = self._target_ids(targets, spaced)
            candidates = list(dict.fromkeys(candidates + wanted))
            scores = _sentence_scores(self.model, out, first, candidates, right, always=wanted,
                                      finalists=max(FINALISTS, top_k))
        ids = torch.tensor([c for c, _ in scores])
        probabilities = torch.tensor([s for _, s in scores]).softmax(-1)
        ranked = [(int(ids[i]), tokenizer.decode([int(ids[i])]), float(probabilities[i]))
                  for i in probabilities.argsort(descending=True).tolist()]
        if wanted:
            ranked = [r for r in ranked if r[0] in wanted]
        return ranked[:top_k]

    def _blank_answers(self, text: str, allowed) -> list[int]:
        """Word tokens the LM answers first to 'Fill in the blank with one word: ___ ...' (needs a chat template)."""
        import torch

        if not getattr(self.tokenizer, "chat_template", None):
            return []
        question = f"Fill in the blank with one word: {_MASK.sub(BLANK, text).strip()}"
        encoded = self.tokenizer.apply_chat_template([{"role": "user", "content": question}], add_generation_prompt=True,
                                                     return_tensors="pt", return_dict=True)
        with torch.no_grad():
            logits = self.model(**encoded).logits[0, -1].float()
        return logits.masked_fill(~allowed, float("-inf")).topk(START_CANDIDATES).indices.tolist()

    def _target_ids(self, targets, spaced: bool) -> list[int]:
        """Token ids of the caller's target words, spelled as they would stand in the text (first token of each)."""
        ids = []
        for target in targets or []:
            word = target.strip()
            pieces = self.tokenizer((" " if spaced else "") + word, add_special_tokens=False)["input_ids"]
            if len(pieces) > 1:
                warnings.warn(f"The target {word!r} is {len(pieces)} tokens for {self.loaded.name}; only its first "
                              f"token {self.tokenizer.decode(pieces[:1])!r} is scored.", UserWarning, stacklevel=6)
            ids.append(pieces[0])
        return list(dict.fromkeys(ids))

    # --- the answer ---------------------------------------------------------------------------
    def postprocess(self, outputs: dict):
        lists = [[{"score": score, "token": token, "token_str": word, "sequence": sequence}
                  for token, word, score, sequence in answers] for answers in outputs["answers"]]
        return lists[0] if len(lists) == 1 else lists


def _sentence_scores(model, out, first, candidates: list[int], right: list[int], *, always=(),
                     finalists: int = FINALISTS) -> list[tuple[int, float]]:
    """[(candidate, log P(candidate + the rest of the sentence | left text))], one batched pass (two when long).

    The left text's own log-likelihood is the same for every candidate, so this ranks whole
    sentences. `out` holds the left text's keys and values: they are repeated, not recomputed.
    When the rest is longer than FIRST_CUT_TOKENS, the best `finalists` and those in `always`
    (the caller's targets) read it; the others drop out.
    """
    import torch

    cache = out.cache
    cache.batch_repeat_interleave(len(candidates))
    ids = torch.tensor(candidates)
    total = first[ids].clone()  # [candidates]
    head = right[:FIRST_CUT_TOKENS]
    steps = torch.cat([ids[:, None], torch.tensor(head, dtype=torch.long).expand(len(ids), -1)], 1)
    logits = model(input_ids=steps, cache=cache, use_cache=True).logits.float()  # [candidates, 1 + head, vocab]
    total += _log_likelihood(logits, steps, head)
    rest = right[FIRST_CUT_TOKENS:]
    if rest:  # a long rest of the sentence: only the best candidates read it
        best = set(total.topk(min(finalists, len(ids))).indices.tolist())
        keep = torch.tensor(sorted(best | {i for i, c in enumerate(candidates) if c in always}))
        cache.batch_select_indices(keep)
        ids, total = ids[keep], total[keep] + logits[keep, -1].log_softmax(-1)[:, rest[0]]
        steps = torch.tensor(rest, dtype=torch.long).expand(len(ids), -1)
        if len(rest) > 1:
            logits = model(input_ids=steps[:, :-1], cache=cache, use_cache=False).logits.float()
            total += _log_likelihood(logits, steps, rest[1:])
    return list(zip(ids.tolist(), total.tolist(), strict=True))


def _log_likelihood(logits, steps, following: list[int]):
    """Sum over positions of log P(the next token in `following`) for each row: [rows]."""
    import torch

    if not following:
        return torch.zeros(len(steps))
    chosen = logits[:, :len(following)].log_softmax(-1)  # position j predicts following[j]
    return chosen.gather(2, torch.tensor(following)[None, :, None].expand(len(steps), -1, 1))[..., 0].sum(1)


def _word_token_masks(tokenizer):
    """(bare, spaced): bool [vocabulary] tensors of the tokens that are a word's start, without and with a leading space."""
    import torch

    words = [tokenizer.decode([i]) for i in range(len(tokenizer))]
    bare = torch.tensor([bool(_WORD.match(w)) for w in words])
    spaced = torch.tensor([w.startswith(" ") and bool(_WORD.match(w[1:])) for w in words])
    return bare, spaced


def _sentence_rest(after: str) -> str:
    """The text right of a mask up to the end of its sentence (its . ! or ? included)."""
    end = _SENTENCE_END.search(after)
    return after[:end.end()] if end else after.rstrip()


def _fill(text: str, masks, words) -> str:
    """`text` with the given masks replaced by the given words (left to right)."""
    for (start, end), word in sorted(zip(masks, words, strict=True), reverse=True):
        text = text[:start] + _glue(text[:start], word) + text[end:]
    return text


def _glue(left: str, word: str) -> str:
    """A spaced token (" France") after a space reads as "France": the text's own space stays."""
    return word[1:] if word.startswith(" ") and left[-1:] in (" ", "\t") else word


def _context(left: str) -> tuple[str, bool]:
    """(the left text the LM reads, whether the word comes after a space).

    After a space the word is a spaced token (" France") and the space is the token's own; after a
    newline or inside a word it is a bare one; blank left text is the start of the text.
    """
    if not left.strip():
        return "", False
    spaced = left[-1] in " \t"
    return (left.rstrip(" \t") if spaced else left), spaced
