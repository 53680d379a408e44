"""Exercises of chapter 10 (audio): CTC decoding and loss, frames of the feature encoder, resampling.

The predict-then-run questions (10.1-10.3) compute their answer in the checker, from the same
arithmetic the model runs (a stack of Conv1d, Whisper's feature extractor), never from a typed number.
"""

from __future__ import annotations

from . import _choice_letter, register

# Wav2Vec2's feature encoder (the defaults of Wav2Vec2Config, as in facebook/wav2vec2-base-960h)
W2V_KERNELS = (10, 3, 3, 3, 3, 2, 2)
W2V_STRIDES = (5, 2, 2, 2, 2, 2, 2)


def _is_int(value) -> bool:
    import numbers

    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def conv_frames(n_samples: int, kernels, strides) -> int:
    """Frames a stack of unpadded Conv1d layers makes from n_samples: run it, do not trust a formula."""
    import torch

    layers = [torch.nn.Conv1d(1, 1, k, stride=s, bias=False) for k, s in zip(kernels, strides, strict=True)]
    with torch.no_grad():
        out = torch.nn.Sequential(*layers)(torch.zeros(1, 1, n_samples))
    return int(out.shape[-1])


def ctc_collapse(frames: str, blank: str = "_") -> str:
    """CTC's greedy rule on a string of frame labels: merge repeats, then drop blanks."""
    out, previous = [], None
    for ch in frames:
        if ch != previous and ch != blank:
            out.append(ch)
        previous = ch
    return "".join(out)


CTC_CHOICES = {"A": "HELLO", "B": "HELO", "C": "HHEELLLLOO", "D": "HEL"}
CTC_FRAMES = "HHEELLLLOO"


@register(
    "10.1",
    "CTC 모델이 프레임마다 고른 글자가 빈칸(`_`) 하나 없이 `HHEELLLLOO`로 나왔습니다. CTC 탐욕 디코딩(반복 합치기 → "
    "빈칸 지우기)의 결과는 무엇일까요? 예측한 보기의 글자를 answer에 넣고, 다음 절의 코드를 실행해 규칙을 확인하세요.\n\n"
    + "\n".join(f"- **{k}.** `{v}`" for k, v in CTC_CHOICES.items()),
    "반복을 합치는 일이 먼저입니다. 두 L 사이를 갈라 줄 무엇이 이 프레임들에 있나요?",
    'answer = "B"\n',
    wrong=['answer = "A"\n', 'answer = "C"\n'],
    title="빈칸 없는 CTC 프레임",
    kind="predict",
    why="연속된 LLLL이 L 하나로 합쳐집니다. HELLO의 LL을 살리려면 두 L 사이에 빈칸 프레임이 있어야 해요.",
)
def _check_ctc_predict(answer):
    letter = _choice_letter(answer, list(CTC_CHOICES))
    right = next(k for k, v in CTC_CHOICES.items() if v == ctc_collapse(CTC_FRAMES))
    assert letter == right, {
        "A": "HELLO가 되려면 두 L 사이에 빈칸이 있어야 해요. 여기에는 빈칸이 없어요.",
        "C": "CTC는 프레임을 그대로 읽지 않아요. 반복을 합치고 빈칸을 지웁니다.",
    }.get(letter, f"{letter}가 아니에요. 반복을 합치면 무엇이 남는지 한 글자씩 따라가 보세요.")


@register(
    "10.2",
    "Wav2Vec2의 특징 인코더는 1차원 합성곱 7개(커널 10, 3, 3, 3, 3, 2, 2 / stride 5, 2, 2, 2, 2, 2, 2, padding 없음)입니다. "
    "16 kHz 음성 **1초**(16,000 샘플)를 넣으면 CTC 프레임이 몇 개 나올까요? 예측한 정수를 answer에 넣고, 다음 셀의 "
    "`trace` 결과(프레임 수)와 비교해 보세요.",
    "stride를 모두 곱하면 한 프레임이 몇 샘플씩 이동하는지 나옵니다. 그런데 padding이 없으면 각 합성곱이 가장자리에서 "
    "조금씩 잃어요: 출력 길이 = (입력 - 커널) // stride + 1.",
    """
import torch
layers = [torch.nn.Conv1d(1, 1, k, stride=s) for k, s in zip((10, 3, 3, 3, 3, 2, 2), (5, 2, 2, 2, 2, 2, 2))]
answer = int(torch.nn.Sequential(*layers)(torch.zeros(1, 1, 16000)).shape[-1])
""",
    wrong=["answer = 16000 // 320\n", "answer = 16000 // 5\n"],
    title="1초는 몇 프레임?",
    kind="predict",
    why="320 샘플(20 ms)마다 한 프레임이지만 가장자리에서 잃는 몫 때문에 16000 // 320 = 50이 아니라 49개입니다.",
)
def _check_frames_per_second(answer):
    assert _is_int(answer), "프레임 수를 정수로 적어요. 예: answer = 10"
    expected = conv_frames(16000, W2V_KERNELS, W2V_STRIDES)
    assert answer != 16000 // 320 or expected == 50, \
        "320 샘플마다 한 프레임인 건 맞지만, padding 없는 합성곱은 가장자리에서 조금씩 잃어요."
    assert answer == expected, f"{answer}개가 아니에요. 층마다 (입력 - 커널) // stride + 1을 따라가 보세요."


@register(
    "10.3",
    "Whisper의 특징 추출기는 소리를 30초 길이로 맞춘 뒤(짧으면 0을 채우고, 길면 자름) 10 ms마다 한 프레임씩 로그 멜 "
    "스펙트로그램을 만듭니다. **4초**짜리 클립을 넣으면 `input_features`의 마지막 축(시간 프레임)의 길이는 얼마일까요? "
    "예측한 정수를 answer에 넣고 다음 셀의 출력과 비교하세요.",
    "클립의 길이가 정말 중요할까요? 모델에 들어가기 전에 모든 클립이 같은 길이로 맞춰진다는 점을 떠올리세요.",
    """
import numpy as np
from transformers import WhisperFeatureExtractor
features = WhisperFeatureExtractor()(np.zeros(4 * 16000, dtype=np.float32), sampling_rate=16000, return_tensors="np")
answer = int(features["input_features"].shape[-1])
""",
    wrong=["answer = 400\n", "answer = 1500\n"],  # the clip alone; the encoder's output after its stride-2 conv
    title="Whisper 입력의 길이",
    kind="predict",
    why="Whisper는 언제나 30초 창(3,000 프레임)을 읽습니다. 4초 클립도 나머지 26초는 0으로 채워져요.",
)
def _check_whisper_frames(answer):
    import numpy as np
    from transformers import WhisperFeatureExtractor

    assert _is_int(answer), "프레임 수를 정수로 적어요. 예: answer = 100"
    clip = np.zeros(4 * 16000, dtype=np.float32)
    expected = int(WhisperFeatureExtractor()(clip, sampling_rate=16000, return_tensors="np")["input_features"].shape[-1])
    assert answer != 400, "4초 × 100 프레임/초 = 400은 클립만의 길이예요. Whisper는 입력을 늘 같은 길이로 맞춥니다."
    assert answer == expected, f"{answer}가 아니에요. 30초 창이 10 ms마다 몇 프레임인지 세어 보세요."


@register(
    "10.4",
    "CTC 손실을 직접 구현합니다. 함수 `answer(log_probs, target, blank)`를 만드세요. `log_probs`는 프레임별 로그 확률 "
    "`[T, C]` 텐서(각 행에 log_softmax를 한 것), `target`은 빈칸이 없는 정답 id 리스트, `blank`는 빈칸의 id입니다. "
    "돌려줄 값은 **정답으로 접히는(반복 합치기 → 빈칸 지우기) 모든 프레임 경로의 확률을 더한 것의 음의 로그**(float)로, "
    "`torch.nn.CTCLoss(blank=blank, reduction=\"sum\")`이 이 한 문장에 주는 값과 같아야 합니다.\n\n"
    "작은 예: T = 2, target = [h]이면 `h` 로 접히는 경로는 `h_`, `_h`, `hh` 세 개이고, 손실은 "
    "-log(P(h_) + P(_h) + P(hh))입니다. 경로는 T가 길어지면 폭발적으로 많아지니, 경로를 다 세지 말고 표(동적 계획법)로 푸세요.",
    "정답 사이사이와 양 끝에 빈칸을 끼운 '확장 레이블'(h, i라면 _ h _ i _)을 만들고, α[t, s] = 't번째 프레임까지 보고 "
    "확장 레이블의 s번째 칸에 와 있을 확률'의 표를 채워 보세요. 한 프레임에 제자리, 한 칸, 그리고 어떤 경우에만 두 칸을 "
    "갈 수 있어요. 어떤 경우일지는 같은 글자가 두 번 이어지는 정답(예: l, l)을 떠올리면 보입니다. 곱 대신 로그의 합, "
    "합 대신 logsumexp를 쓰면 값이 0으로 사라지지 않아요.",
    """
import torch

def answer(log_probs, target, blank):
    ext = [blank]
    for label in target:
        ext += [label, blank]                      # _ t1 _ t2 _ ... : 확장 레이블
    alpha = torch.full((len(ext),), float("-inf"), dtype=log_probs.dtype)
    alpha[0] = log_probs[0, ext[0]]                # 첫 빈칸에서 시작하거나 ...
    if len(ext) > 1:
        alpha[1] = log_probs[0, ext[1]]            # ... 첫 글자에서 시작
    for t in range(1, log_probs.shape[0]):
        new = torch.full_like(alpha, float("-inf"))
        for s in range(len(ext)):
            ways = [alpha[s]]
            if s >= 1:
                ways.append(alpha[s - 1])
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                ways.append(alpha[s - 2])          # 서로 다른 글자 사이에서만 빈칸을 건너뜀
            new[s] = torch.logsumexp(torch.stack(ways), 0) + log_probs[t, ext[s]]
        alpha = new
    return float(-torch.logsumexp(alpha[-2:], 0))  # 마지막 글자나 마지막 빈칸에서 끝남
""",
    wrong=[
        # forgets the blank entirely: paths may only walk over the labels themselves
        """
import torch

def answer(log_probs, target, blank):
    alpha = torch.full((len(target),), float("-inf"), dtype=log_probs.dtype)
    alpha[0] = log_probs[0, target[0]]
    for t in range(1, log_probs.shape[0]):
        new = torch.full_like(alpha, float("-inf"))
        for s in range(len(target)):
            ways = [alpha[s]] + ([alpha[s - 1]] if s >= 1 else [])
            new[s] = torch.logsumexp(torch.stack(ways), 0) + log_probs[t, target[s]]
        alpha = new
    return float(-alpha[-1])
""",
        # always allows skipping the blank, even between two equal labels (l, l would merge into one l)
        """
import torch

def answer(log_probs, target, blank):
    ext = [blank]
    for label in target:
        ext += [label, blank]
    alpha = torch.full((len(ext),), float("-inf"), dtype=log_probs.dtype)
    alpha[0], alpha[1] = log_probs[0, ext[0]], log_probs[0, ext[1]]
    for t in range(1, log_probs.shape[0]):
        new = torch.full_like(alpha, float("-inf"))
        for s in range(len(ext)):
            ways = [alpha[s]] + ([alpha[s - 1]] if s >= 1 else [])
            if s >= 2 and ext[s] != blank:
                ways.append(alpha[s - 2])
            new[s] = torch.logsumexp(torch.stack(ways), 0) + log_probs[t, ext[s]]
        alpha = new
    return float(-torch.logsumexp(alpha[-2:], 0))
""",
        # ends only on the final blank: paths that finish on the last label are lost
        """
import torch

def answer(log_probs, target, blank):
    ext = [blank]
    for label in target:
        ext += [label, blank]
    alpha = torch.full((len(ext),), float("-inf"), dtype=log_probs.dtype)
    alpha[0], alpha[1] = log_probs[0, ext[0]], log_probs[0, ext[1]]
    for t in range(1, log_probs.shape[0]):
        new = torch.full_like(alpha, float("-inf"))
        for s in range(len(ext)):
            ways = [alpha[s]] + ([alpha[s - 1]] if s >= 1 else [])
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                ways.append(alpha[s - 2])
            new[s] = torch.logsumexp(torch.stack(ways), 0) + log_probs[t, ext[s]]
        alpha = new
    return float(-alpha[-1])
""",
    ],
    title="CTC 손실을 표로 계산하기",
)
def _check_ctc_loss(answer):
    import math

    import torch

    assert callable(answer), "함수를 답으로 주세요: answer(log_probs, target, blank)"
    generator = torch.Generator().manual_seed(10)
    cases = [  # (frames, classes, target, blank, what it tests)
        (2, 3, [1], 0, "T = 2, 정답 [h]: 경로 h_, _h, hh"),
        (6, 5, [1, 2], 0, "서로 다른 두 글자"),
        (8, 5, [3, 3], 0, "같은 글자가 이어지는 정답(LL처럼)"),
        (10, 6, [1, 2, 2, 4], 0, "반복이 섞인 정답"),
        (7, 5, [0, 2, 1], 4, "빈칸이 0번이 아닌 사전(blank = 4)"),
        (12, 4, [1, 2, 1, 2], 0, "긴 프레임"),
    ]
    ctc = {}
    for frames, classes, target, blank, name in cases:
        log_probs = torch.randn(frames, classes, generator=generator).log_softmax(-1)
        loss = ctc.setdefault(blank, torch.nn.CTCLoss(blank=blank, reduction="sum"))
        expected = float(loss(log_probs[:, None, :], torch.tensor([target]), torch.tensor([frames]),
                              torch.tensor([len(target)])))
        got = answer(log_probs.clone(), list(target), blank)
        assert isinstance(got, (int, float)) or hasattr(got, "__float__"), f"[{name}] 손실은 숫자 하나여야 해요."
        assert math.isclose(float(got), expected, rel_tol=1e-4, abs_tol=1e-4), \
            f"[{name}] CTCLoss는 {expected:.4f}인데 {float(got):.4f}가 나왔어요."


@register(
    "10.5",
    "오디오 배열 `samples`(`[샘플 수]` 또는 `[샘플 수, 채널 수]`)와 샘플링 레이트 `rate`를 받아, 음성 모델이 기대하는 "
    "16 kHz 모노 1차원 배열을 돌려주는 함수 `answer(samples, rate)`를 만드세요. 채널마다 다른 소리가 들어 있을 수 있고, "
    "소리의 높이(주파수)와 길이(초)는 그대로여야 합니다.",
    "두 가지를 따로 하세요. 채널을 하나로 합치는 일(어느 축이 채널인가요?), 그리고 샘플 수를 16000/rate 배로 바꾸는 일. "
    "샘플을 그냥 건너뛰면 비율이 정수가 아닐 때 맞지 않아요. scipy.signal에 정수 비율로 리샘플링하는 함수가 있습니다.",
    """
from math import gcd
from scipy.signal import resample_poly

def answer(samples, rate):
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples   # [샘플, 채널] -> [샘플]
    g = gcd(16000, rate)
    return resample_poly(mono, 16000 // g, rate // g)
""",
    wrong=[
        # keeps only the left channel
        """
from math import gcd
from scipy.signal import resample_poly

def answer(samples, rate):
    mono = samples[:, 0] if samples.ndim == 2 else samples
    g = gcd(16000, rate)
    return resample_poly(mono, 16000 // g, rate // g)
""",
        # the ratio upside down
        """
from math import gcd
from scipy.signal import resample_poly

def answer(samples, rate):
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    g = gcd(16000, rate)
    return resample_poly(mono, rate // g, 16000 // g)
""",
        # drops samples with a whole-number step (44100 / 16000 is not a whole number)
        """
def answer(samples, rate):
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    return mono[::round(rate / 16000)]
""",
    ],
    title="16 kHz 모노로 맞추기",
)
def _check_resample(answer):
    import numpy as np

    assert callable(answer), "함수를 답으로 주세요: answer(samples, rate)"
    t = np.arange(44100) / 44100
    left = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    right = 0.5 * np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    out = np.asarray(answer(np.stack([left, right], axis=1), 44100))
    assert out.ndim == 1, f"결과는 1차원(모노) 배열이어야 하는데 모양이 {out.shape}예요."
    assert abs(len(out) - 16000) <= 2, f"1초 분량이면 16000개 샘플이어야 하는데 {len(out)}개예요."
    spectrum = np.abs(np.fft.rfft(out))
    hz = np.fft.rfftfreq(len(out), 1 / 16000)
    for tone, side in ((440, "왼쪽"), (1000, "오른쪽")):
        near = spectrum[(hz > tone - 10) & (hz < tone + 10)].max()
        assert near > 0.1 * spectrum.max(), f"{side} 채널의 {tone} Hz 소리가 사라졌어요. 두 채널을 모두 써야 해요."
    peak_hz = hz[np.argmax(spectrum)]
    assert abs(peak_hz - 440) < 5, f"440 Hz 음이 {peak_hz:.0f} Hz로 바뀌었어요: 비율을 확인하세요."
    out22 = np.asarray(answer(left[::2].copy(), 22050))
    assert abs(len(out22) - 16000) <= 2, "22050 Hz 모노 입력도 1초 = 16000 샘플로 바꿔야 해요."


@register(
    "10.6",
    "padding 없는 1차원 합성곱 층들(커널 `kernels`, stride `strides`, 같은 길이의 리스트)이 샘플 `n_samples`개에서 "
    "만드는 프레임 수를 돌려주는 함수 `answer(n_samples, kernels, strides)`를 만드세요. Wav2Vec2라면 "
    "`answer(16000, [10, 3, 3, 3, 3, 2, 2], [5, 2, 2, 2, 2, 2, 2])`가 이 노트북의 1초 프레임 수와 같아야 합니다.",
    "한 층의 출력 길이를 먼저 적고(커널이 입력 위를 몇 번 놓일 수 있나요?), 그 결과를 다음 층의 입력으로 넘기세요. "
    "stride를 모두 곱해 한 번에 나누면 가장자리에서 잃는 몫이 빠집니다.",
    """
def answer(n_samples, kernels, strides):
    length = n_samples
    for kernel, stride in zip(kernels, strides):
        length = (length - kernel) // stride + 1
    return length
""",
    wrong=[
        # one division by the total stride: forgets what each layer loses at the edge
        """
import math

def answer(n_samples, kernels, strides):
    return n_samples // math.prod(strides)
""",
        # an off-by-one: forgets the +1 (the first position of the kernel)
        """
def answer(n_samples, kernels, strides):
    length = n_samples
    for kernel, stride in zip(kernels, strides):
        length = (length - kernel) // stride
    return length
""",
    ],
    title="특징 인코더의 프레임 수",
)
def _check_conv_frames(answer):
    assert callable(answer), "함수를 답으로 주세요: answer(n_samples, kernels, strides)"
    cases = [
        (16000, W2V_KERNELS, W2V_STRIDES, "Wav2Vec2, 1초"),
        (48000, W2V_KERNELS, W2V_STRIDES, "Wav2Vec2, 3초"),
        (16400, W2V_KERNELS, W2V_STRIDES, "Wav2Vec2, 1.025초"),
        (100, (4,), (4,), "커널 = stride 한 층"),
        (101, (5, 3), (2, 1), "stride 1인 층이 섞인 경우"),
        (1000, (7, 7, 7), (3, 3, 3), "세 층"),
    ]
    for n, kernels, strides, name in cases:
        got = answer(n, list(kernels), list(strides))
        expected = conv_frames(n, kernels, strides)
        assert _is_int(got), f"[{name}] 프레임 수는 정수여야 해요 ({type(got).__name__}이 나왔어요)."
        assert got == expected, f"[{name}] 합성곱을 실제로 돌리면 {expected}개인데 {got}개가 나왔어요."
