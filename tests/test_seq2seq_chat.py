"""Summarization, translation and text2text answered offline by the real smollm2 through its chat
template, in v4's output format (the T5 prefix becomes the instruction).

Kept fast: a few new tokens per call. How good the answers are on more inputs:
benchmarks/seq2seq_smollm2.py.
"""

from __future__ import annotations

import pytest
from hflab import pipeline
from hflab.tasks import InputError
from hflab.tasks.instructions import chat_messages

_cache: dict = {}

PARAGRAPH = ("The volcano on the island of Tarvik erupted on Monday morning. Ash covered the airport, so "
             "all flights were cancelled for two days. Nobody was hurt, and the three thousand people who "
             "live near the volcano were taken to the capital by boat.")
CHAT_MARKUP = ("<|im_start|>", "<|im_end|>", "assistant\n", "system\n", "Translate this", "Summarize this")


def cached(task, model="smollm2"):
    if (task, model) not in _cache:
        _cache[task, model] = pipeline(task, model=model)
    return _cache[task, model]


def the_text(out, key):
    assert isinstance(out, list) and len(out) == 1 and set(out[0]) == {key}
    text = out[0][key]
    assert isinstance(text, str) and text == text.strip() and text
    assert not any(mark in text for mark in CHAT_MARKUP)
    return text


# --- prefix -> instruction (no model) ----------------------------------------------------------
def test_a_t5_prefix_becomes_the_instruction():
    system, user = chat_messages("translation", "translate English to French: Hello.")
    assert system == {"role": "system",
                      "content": "Translate this English text to French. Answer with the translation only."}
    assert user == {"role": "user", "content": "Hello."}
    system, user = chat_messages("summarization", "summarize: " + PARAGRAPH)
    assert system["content"].startswith("Summarize") and user["content"] == PARAGRAPH
    assert chat_messages("summarization", PARAGRAPH)[1]["content"] == PARAGRAPH  # no prefix: still a summary
    system, user = chat_messages("text2text-generation", "question: Who erupted? context: The volcano erupted.")
    assert system["content"].startswith("Answer the question using the context")
    assert user["content"] == "Context: The volcano erupted.\n\nQuestion: Who erupted?"
    # text2text with no prefix it knows: the text is the request itself
    assert chat_messages("text2text-generation", "Name a colour.") == [{"role": "user", "content": "Name a colour."}]


def test_a_prefix_without_text_or_a_translation_without_languages_says_what_to_write():
    with pytest.raises(InputError, match="no text after it"):
        chat_messages("translation", "translate English to French:   ")
    with pytest.raises(InputError, match="translation_en_to_fr"):
        chat_messages("translation", "Hello.")


# --- the real model ----------------------------------------------------------------------------
def test_defaults_offline_are_the_real_smollm2():
    for task in ("summarization", "translation", "text2text-generation"):
        pipe = pipeline(task)
        assert pipe.loaded.key == "smollm2" and not pipe.is_standin and pipe.is_chat
        assert type(pipe.model).__name__ == "LlamaForCausalLM"


def test_translation_hello_is_bonjour():
    translator = cached("translation")
    text = the_text(translator("translate English to French: Hello.", max_new_tokens=8), "translation_text")
    assert "bonjour" in text.lower()
    # the task name's languages give the same instruction as the prefix
    en_fr = cached("translation_en_to_fr")
    assert en_fr.prefix == "translate English to French: "
    assert en_fr("Hello.", max_new_tokens=8) == translator("translate English to French: Hello.", max_new_tokens=8)
    assert translator("Hello.", src_lang="en", tgt_lang="fr", max_new_tokens=8)[0]["translation_text"] == text


def test_summary_is_shorter_and_keeps_the_key_word():
    summarizer = cached("summarization")
    summary = the_text(summarizer(PARAGRAPH, max_new_tokens=30), "summary_text")
    assert len(summary) < len(PARAGRAPH)
    assert "volcano" in summary.lower() or "tarvik" in summary.lower()


def test_text2text_answers_a_question_from_its_context():
    generator = cached("text2text-generation")
    answer = the_text(generator("question: What colour is the door of the bakery? context: The bakery on Mill "
                                "Street has a green door and sells rye bread.", max_new_tokens=16),
                      "generated_text")
    assert "green" in answer.lower()


def test_a_list_gives_one_answer_per_text_and_max_new_tokens_is_kept():
    translator = cached("translation_en_to_de")
    texts = ["Good morning.", "The weather is nice today, and the children play in the garden."]
    out = translator(texts, max_new_tokens=3)
    assert len(out) == 2 and all(set(o) == {"translation_text"} for o in out)
    for o in out:  # three new tokens at most: a few words, and no chat markup
        assert len(translator.tokenizer(o["translation_text"], add_special_tokens=False)["input_ids"]) <= 3
    # v4's max_length counted the answer only (a decoder's tokens): still so on a decoder-only model
    assert translator(texts[1], max_length=3) == translator(texts[1], max_new_tokens=3)[0:1]


def test_empty_text_says_what_to_give():
    for task in ("summarization", "translation"):
        with pytest.raises(InputError, match="empty") as err:
            cached(task)("   ")
        assert "give at least one word" in str(err.value)


def test_a_causal_lm_without_a_chat_template_is_refused_clearly():
    import hflab

    gpt2 = hflab.models.load("gpt2", quiet=True)  # a decoder-only LM, no chat template
    with pytest.raises(InputError, match="chat template") as err:
        pipeline("summarization", model=gpt2)
    assert "smollm2" in str(err.value)
