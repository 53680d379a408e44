"""T5-style task text -> the chat messages an instruction-tuned LM (smollm2) answers.

transformers v5 points the summarization/translation/text2text tasks to instruction-tuned
language models. T5 told tasks apart by a prefix on the input; here the same prefix becomes
an instruction, so a learner's T5 call works unchanged on a chat model:

    "translate English to French: Hello."          -> system: "Translate this English text to French. ..."
                                                      user:   "Hello."
    "summarize: <text>" (or plain text, summarization) -> "Summarize this text in one sentence." + text
    "question: <q> context: <c>" (text2text)         -> "Answer the question using the context. ..."

The instruction goes in the system message and the text alone in the user message: a 135 M
model keeps to a task stated that way better than to one mixed into the text (the benchmark
benchmarks/seq2seq_smollm2.py measures how well).
"""

from __future__ import annotations

import re

from .errors import InputError

# "translate English to French: ..." (T5's wording); any language names are read
TRANSLATE = re.compile(r"^\s*translate\s+(?P<src>[A-Za-z][\w ]*?)\s+to\s+(?P<tgt>[A-Za-z][\w ]*?)\s*:\s*", re.I)
SUMMARIZE = re.compile(r"^\s*summarize\s*:\s*", re.I)
# "question: ... context: ..." or "context: ... question: ..." (T5's and many QA sets' wording)
QUESTION_CONTEXT = re.compile(r"^\s*question\s*:\s*(?P<question>.*?)\s*context\s*:\s*(?P<context>.*)$", re.I | re.S)
CONTEXT_QUESTION = re.compile(r"^\s*context\s*:\s*(?P<context>.*?)\s*question\s*:\s*(?P<question>.*)$", re.I | re.S)

SUMMARY_INSTRUCTION = "Summarize this text in one sentence. Answer with the summary only."
QA_INSTRUCTION = "Answer the question using the context. Answer briefly, in one sentence."


def chat_messages(task: str, text: str) -> list[dict]:
    """[{"role": "system", ...}, {"role": "user", ...}] for `text` (prefix included) and a task of the table.

    Raises InputError when the prefix leaves no text, or a translation names no languages.
    """
    instruction, body = instruction_and_text(task, text)
    if not body.strip():
        raise InputError(f"{task} got a task prefix but no text after it ({text.strip()!r}).",
                         "write the text after the prefix, e.g. 'translate English to French: Hello.'.")
    messages = [{"role": "system", "content": instruction}] if instruction else []
    return messages + [{"role": "user", "content": body.strip()}]


def instruction_and_text(task: str, text: str) -> tuple[str | None, str]:
    """(the instruction, the text it applies to); instruction None: the text is itself the request."""
    translate = TRANSLATE.match(text)
    if translate:
        src, tgt = translate["src"].strip().title(), translate["tgt"].strip().title()
        return translation_instruction(src, tgt), text[translate.end():]
    if task == "translation":
        raise InputError("translation needs to know the languages.",
                         "start the text with 'translate English to French: ', or build the pipeline as "
                         "pipeline('translation_en_to_fr') or with src_lang='en', tgt_lang='fr'.")
    summarize = SUMMARIZE.match(text)
    if summarize or task == "summarization":
        return SUMMARY_INSTRUCTION, text[summarize.end():] if summarize else text
    qa = QUESTION_CONTEXT.match(text) or CONTEXT_QUESTION.match(text)
    if qa:
        return QA_INSTRUCTION, f"Context: {qa['context'].strip()}\n\nQuestion: {qa['question'].strip()}"
    return None, text  # text2text with no prefix it knows: the text is the request itself


def translation_instruction(source: str, target: str) -> str:
    return f"Translate this {source} text to {target}. Answer with the translation only."
