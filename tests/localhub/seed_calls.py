"""The seed's pipeline calls, one per task, and what their output must look like.

The test Hub serves stand-in weights, so only the *shape* of each answer is checked (keys and
types, as the seed prints them), not its content.
"""

from __future__ import annotations


def _data(*parts: str) -> str:
    import hflab

    return str(hflab.data_path(*parts))


def _scores(out) -> bool:
    return isinstance(out, list) and bool(out) and all(
        isinstance(p["score"], float) and isinstance(p["label"], str) for p in out)


SEED_QA = {"question": "What is the name of the repository?",
           "context": "The name of the repository is huggingface/transformers"}
TEXT = "Hugging Face is a community-based open-source platform for machine learning."

SEED_CALLS = {  # task -> (model as the seed names it, the call, does the output look like the seed's)
    "audio-classification": ("superb/hubert-base-superb-er",
                             lambda p: p(_data("audio", "emotion_happy.wav")), _scores),
    "automatic-speech-recognition": ("openai/whisper-small", lambda p: p(_data("audio", "speech_asr.wav")),
                                     lambda o: isinstance(o["text"], str)),
    "image-classification": (None, lambda p: p(_data("images", "cat.jpg")), _scores),
    "object-detection": (None, lambda p: p(_data("images", "cat.jpg"), threshold=0.0),
                         lambda o: bool(o) and all(set(d["box"]) == {"xmin", "ymin", "xmax", "ymax"} for d in o)),
    "image-segmentation": (None, lambda p: p(_data("images", "cat.jpg"), threshold=0.0, mask_threshold=0.0,
                                             overlap_mask_area_threshold=0.0),
                           lambda o: bool(o) and all({"score", "label", "mask"} <= set(s) for s in o)),
    "depth-estimation": (None, lambda p: p(_data("images", "cat.jpg")),
                         lambda o: {"depth", "predicted_depth"} <= set(o)),
    "sentiment-analysis": (None, lambda p: p("Hugging Face is the best thing since sliced bread!"),
                           lambda o: _scores(o) and o[0]["label"] in {"POSITIVE", "NEGATIVE"}),
    "ner": (None, lambda p: p("Hugging Face is a French company based in New York City."),
            lambda o: isinstance(o, list)),
    "question-answering": (None, lambda p: p(**SEED_QA),
                           lambda o: {"score", "start", "end", "answer"} <= set(o)),
    "summarization": (None, lambda p: p(TEXT, max_new_tokens=8), lambda o: isinstance(o[0]["summary_text"], str)),
    "translation": ("google-t5/t5-small", lambda p: p("translate English to French: Hello.", max_new_tokens=6),
                    lambda o: isinstance(o[0]["translation_text"], str)),
    "text-generation": (None, lambda p: p("Hugging Face is", max_new_tokens=5),
                        lambda o: o[0]["generated_text"].startswith("Hugging Face is")),
    "fill-mask": (None, lambda p: p(TEXT.replace("platform", "<mask>"), top_k=2),
                  lambda o: len(o) == 2 and all({"score", "token", "token_str", "sequence"} <= set(x) for x in o)),
    "document-question-answering": ("magorshunov/layoutlm-invoices",
                                    lambda p: p(question="What is the total amount?",
                                                image=_data("documents", "invoice.png")),
                                    lambda o: bool(o) and set(o[0]) == {"score", "answer", "start", "end"}),
    "image-to-text": (None, lambda p: p(_data("images", "cat.jpg"), max_new_tokens=5),
                      lambda o: isinstance(o[0]["generated_text"], str)),
    "feature-extraction": (None, lambda p: p("Hello world"), lambda o: len(o[0]) >= 3),
}
