"""How good is a 135 M chat model at the generation tasks v5 dropped? smollm2 vs the random stand-ins.

    HF_HUB_OFFLINE=1 nice python benchmarks/seq2seq_smollm2.py [--only translation|summarization|qa]

Offline, `hflab.pipeline("summarization" | "translation" | "text2text-generation")` answers with
the real SmolLM2-135M-Instruct through its chat template (hflab.tasks.instructions). This script
scores it on inputs written for it here (no choice of prompt or setting was tuned on them):

- translation: 15 English sentences with reference French (8) and German (7) translations;
  corpus chrF (character 1-6-grams, beta 2, as sacrebleu's chrF, written out below), beside
  "copy the English" (a floor any translator must beat) and the T5 stand-in ('t5-small');
- summarization: 8 short paragraphs, each with its key fact as words; a summary keeps the fact
  when it holds one of them; shorter than its paragraph? Beside the first sentence of the
  paragraph (lead-1) and the DistilBART stand-in ('distilbart-cnn');
- abstractive QA (text2text, "question: ... context: ..."): 8 items; right when the answer holds
  the answer's key word; beside the T5 stand-in.

Greedy decoding, the pipelines' defaults. Times are per call, wall and CPU (process_time); the
machine is shared, so judge speed by CPU seconds. Results: benchmarks/results/seq2seq_smollm2[_ONLY].json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from collections import Counter
from pathlib import Path

TRANSLATIONS = [  # (English, target language, reference), written for this benchmark
    ("Hello.", "fr", "Bonjour."),
    ("Thank you very much.", "fr", "Merci beaucoup."),
    ("The cat is sleeping on the chair.", "fr", "Le chat dort sur la chaise."),
    ("I would like a cup of coffee, please.", "fr", "Je voudrais une tasse de café, s'il vous plaît."),
    ("The library opens at nine in the morning.", "fr", "La bibliothèque ouvre à neuf heures du matin."),
    ("My sister lives in a small village near the sea.", "fr", "Ma sœur habite dans un petit village près de la mer."),
    ("We are going to the market tomorrow.", "fr", "Nous allons au marché demain."),
    ("This book is very interesting.", "fr", "Ce livre est très intéressant."),
    ("Good morning.", "de", "Guten Morgen."),
    ("Where is the train station?", "de", "Wo ist der Bahnhof?"),
    ("The weather is nice today.", "de", "Das Wetter ist heute schön."),
    ("I have two brothers and one sister.", "de", "Ich habe zwei Brüder und eine Schwester."),
    ("The children are playing in the garden.", "de", "Die Kinder spielen im Garten."),
    ("Can you help me, please?", "de", "Können Sie mir bitte helfen?"),
    ("The water is cold.", "de", "Das Wasser ist kalt."),
]
LANGUAGE = {"fr": "French", "de": "German"}

SUMMARIES = [  # (paragraph, key words: the summary keeps the key fact when it holds one)
    ("The volcano on the island of Tarvik erupted on Monday morning. Ash covered the airport, so all flights "
     "were cancelled for two days. Nobody was hurt, and the three thousand people who live near the volcano "
     "were taken to the capital by boat.", ("volcano", "erupt")),
    ("After eleven years of work, the city of Lomberg opened its new underground railway on Saturday. The line "
     "has nine stations and links the old town with the airport. The mayor said the trains will carry forty "
     "thousand passengers a day.", ("railway", "underground", "metro", "subway", "train")),
    ("A farmer in the village of Oddby found a box of silver coins while ploughing his field. Experts from the "
     "national museum say the coins are about a thousand years old. The farmer will receive half of their value "
     "and the museum will show them next spring.", ("coin",)),
    ("The Riverside school has banned mobile phones during lessons from next week. Teachers say pupils were "
     "distracted and marks had fallen. Pupils may still use their phones during breaks, and parents can call "
     "the school office in an emergency.", ("phone",)),
    ("Heavy rain caused the river Sella to flood the town of Marnay on Tuesday night. Water reached the first "
     "floor of many houses, and two hundred people spent the night in the sports hall. The rain is expected to "
     "stop by Thursday.", ("flood",)),
    ("Scientists at the University of Kerro have trained a dog to smell a rare plant disease. The dog, a beagle "
     "called Pip, found infected trees with ninety per cent accuracy. The team hopes dogs can help forests "
     "stop the disease early.", ("dog", "beagle", "pip")),
    ("The bakery on Mill Street will close at the end of the month after sixty years. Its owner, Rosa Lind, is "
     "retiring and none of her children want to run the shop. Customers have written hundreds of letters to "
     "thank her.", ("bakery", "close", "retir")),
    ("A new bridge across the river Vell was opened for cyclists and walkers on Friday. Cars are not allowed on "
     "it. The bridge cuts the walk from the station to the hospital from forty minutes to ten.", ("bridge",)),
]

QUESTIONS = [  # (question, context, key words of a right answer)
    ("What colour is the door of the bakery?", "The bakery on Mill Street has a green door and sells rye bread.",
     ("green",)),
    ("How many stations does the new line have?", "The new underground line has nine stations and links the old "
     "town with the airport.", ("nine", "9")),
    ("Who found the coins?", "A farmer found a box of silver coins while ploughing his field near Oddby.",
     ("farmer",)),
    ("Why were the flights cancelled?", "Ash from the volcano covered the airport, so all flights were cancelled "
     "for two days.", ("ash", "volcano")),
    ("What is the name of the dog?", "The scientists trained a beagle called Pip to smell a rare plant disease.",
     ("pip",)),
    ("When does the museum open on Sundays?", "The museum opens at ten on weekdays and at noon on Sundays. It is "
     "closed on Mondays.", ("noon", "12")),
    ("Where do the three thousand people go?", "The three thousand people who live near the volcano were taken to "
     "the capital by boat.", ("capital",)),
    ("What does Rosa Lind plan to do?", "Rosa Lind, the owner of the bakery, is retiring at the end of the month "
     "after sixty years.", ("retir",)),
]


# --- chrF, as sacrebleu computes it (character n-grams 1..6, whitespace removed, beta 2, corpus level) ---------
def char_ngrams(text: str, n: int) -> Counter:
    chars = re.sub(r"\s+", "", text)
    return Counter(chars[i:i + n] for i in range(len(chars) - n + 1))


def chrf(hypotheses: list[str], references: list[str], max_n: int = 6, beta: float = 2.0) -> float:
    """Corpus chrF in 0..100: per order n, precision and recall from n-gram counts summed over the corpus,
    averaged over the orders, combined as an F-score that weighs recall beta times as much."""
    precisions, recalls = [], []
    for n in range(1, max_n + 1):
        matches = hyp_total = ref_total = 0
        for hyp, ref in zip(hypotheses, references, strict=True):
            h, r = char_ngrams(hyp, n), char_ngrams(ref, n)
            matches += sum((h & r).values())
            hyp_total += sum(h.values())
            ref_total += sum(r.values())
        precisions.append(matches / hyp_total if hyp_total else 0.0)
        recalls.append(matches / ref_total if ref_total else 0.0)
    p, r = sum(precisions) / max_n, sum(recalls) / max_n
    return 0.0 if p + r == 0 else 100 * (1 + beta**2) * p * r / (beta**2 * p + r)


def has_any(text: str, words) -> bool:
    return any(word in text.lower() for word in words)


# --- running the pipelines ---------------------------------------------------------------------
class Timed:
    """Calls a pipeline and keeps each call's wall and CPU seconds."""

    def __init__(self, pipe):
        self.pipe, self.wall, self.cpu = pipe, [], []

    def __call__(self, text, **kwargs) -> str:
        wall, cpu = time.perf_counter(), time.process_time()
        out = self.pipe(text, **kwargs)[0]
        self.wall.append(time.perf_counter() - wall)
        self.cpu.append(time.process_time() - cpu)
        return next(iter(out.values()))

    def times(self) -> str:
        n = len(self.wall)
        return f"{sum(self.wall) / n:.1f} s wall, {sum(self.cpu) / n:.1f} s CPU per call"


def pipelines(task: str, standin: str) -> dict[str, Timed]:
    from hflab import pipeline

    return {"smollm2": Timed(pipeline(task, model="smollm2")), standin: Timed(pipeline(task, model=standin))}


def translation() -> dict:
    runs = pipelines("translation", "t5-small")
    outputs = {name: [] for name in runs}
    for english, lang, reference in TRANSLATIONS:
        prompt = f"translate English to {LANGUAGE[lang]}: {english}"
        for name, run in runs.items():
            outputs[name].append(run(prompt, max_new_tokens=40))
        print(f"  {english!r} -> {lang}: smollm2 {outputs['smollm2'][-1]!r} (ref {reference!r})", flush=True)
    result = {"items": len(TRANSLATIONS)}
    for lang in ("fr", "de", None):
        idx = [i for i, (_, item_lang, _) in enumerate(TRANSLATIONS) if lang in (None, item_lang)]
        refs = [TRANSLATIONS[i][2] for i in idx]
        scores = {name: round(chrf([outs[i] for i in idx], refs), 1) for name, outs in outputs.items()}
        scores["copy the English"] = round(chrf([TRANSLATIONS[i][0] for i in idx], refs), 1)
        result[f"chrF {lang or 'all'}"] = scores
    result["exact (normalized)"] = sum(_norm(o) == _norm(ref) for o, (_, _, ref) in zip(outputs["smollm2"], TRANSLATIONS, strict=True))
    result["times"] = {name: run.times() for name, run in runs.items()}
    result["outputs"] = outputs
    return result


def _norm(text: str) -> str:
    return re.sub(r"[^\w]+", " ", text.lower()).strip()


def summarization() -> dict:
    runs = pipelines("summarization", "distilbart-cnn")
    outputs = {name: [] for name in runs}
    for paragraph, _ in SUMMARIES:
        for name, run in runs.items():
            outputs[name].append(run(paragraph, max_new_tokens=60))
        print(f"  smollm2: {outputs['smollm2'][-1]!r}", flush=True)
    outputs["lead-1 (first sentence)"] = [re.split(r"(?<=[.!?])\s+", p)[0] for p, _ in SUMMARIES]
    result = {"items": len(SUMMARIES)}
    for name, outs in outputs.items():
        result[name] = {"keeps the key fact": sum(has_any(o, keys) for o, (_, keys) in zip(outs, SUMMARIES, strict=True)),
                        "shorter than the paragraph": sum(0 < len(o) < len(p) for o, (p, _) in zip(outs, SUMMARIES, strict=True)),
                        "mean length / paragraph length": round(
                            sum(len(o) / len(p) for o, (p, _) in zip(outs, SUMMARIES, strict=True)) / len(SUMMARIES), 2)}
    result["times"] = {name: run.times() for name, run in runs.items()}
    result["outputs"] = outputs
    return result


def qa() -> dict:
    runs = pipelines("text2text-generation", "t5-small")
    outputs = {name: [] for name in runs}
    for question, context, _ in QUESTIONS:
        for name, run in runs.items():
            outputs[name].append(run(f"question: {question} context: {context}", max_new_tokens=30))
        print(f"  {question} -> smollm2 {outputs['smollm2'][-1]!r}", flush=True)
    result = {"items": len(QUESTIONS)}
    for name, outs in outputs.items():
        result[name] = {"right (holds the key word)": sum(has_any(o, keys) for o, (_, _, keys) in zip(outs, QUESTIONS, strict=True))}
    result["times"] = {name: run.times() for name, run in runs.items()}
    result["outputs"] = outputs
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("translation", "summarization", "qa"))
    args = parser.parse_args(argv)
    import torch

    torch.manual_seed(0)
    report = {"load average at start": os.getloadavg()[0]}
    for name, run in (("translation", translation), ("summarization", summarization), ("qa", qa)):
        if args.only in (None, name):
            print(f"== {name}", flush=True)
            report[name] = run()
            print(json.dumps({k: v for k, v in report[name].items() if k != "outputs"}, ensure_ascii=False,
                             indent=1), flush=True)
    report["load average at end"] = os.getloadavg()[0]
    where = Path(__file__).parent / "results" / f"seq2seq_smollm2{'_' + args.only if args.only else ''}.json"
    where.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    print("written:", where)


if __name__ == "__main__":
    main()
