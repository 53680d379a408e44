"""Exercises of chapter 10 (audio)."""

from __future__ import annotations

from . import register


@register(
    "10.1",
    "프레임별 예측 id의 리스트와 빈칸 id를 받아 CTC 탐욕 디코딩 결과(id 리스트)를 돌려주는 함수 "
    "answer(frame_ids, blank_id)를 만드세요. 연속 반복을 하나로 합치고, 빈칸을 지웁니다.",
    "바로 앞 프레임의 id를 기억해 두고, 앞과 다르고 빈칸도 아닐 때만 결과에 붙이세요. 빈칸은 '앞 id'를 끊어 줍니다.",
    """
def answer(frame_ids, blank_id):
    out, previous = [], None
    for i in frame_ids:
        if i != previous and i != blank_id:
            out.append(i)
        previous = i
    return out
""",
)
def _check_ctc(answer):
    assert callable(answer), "함수를 답으로 주세요: answer(frame_ids, blank_id)"
    h, e, ell, o, blank = 1, 2, 3, 4, 0
    frames = [h, h, blank, e, e, blank, ell, ell, blank, ell, o, o, blank]
    assert list(answer(frames, blank)) == [h, e, ell, ell, o], "HH_EE_LL_LOO_ 는 HELLO(1,2,3,3,4)가 돼야 해요."
    assert list(answer([blank, blank], blank)) == [], "빈칸만 있으면 결과는 빈 리스트예요."
    assert list(answer([5, 5, 5], blank)) == [5], "같은 id가 이어지면 하나로 합쳐요."


@register(
    "10.2",
    "오디오 배열 samples([샘플 수] 또는 [샘플 수, 채널 수])와 샘플링 레이트 rate를 받아, 16 kHz 모노 배열을 돌려주는 함수 "
    "answer(samples, rate)를 만드세요.",
    "채널 축(axis=1)으로 평균을 내 모노로 만들고, scipy.signal.resample_poly(mono, 16000//g, rate//g)를 쓰세요(g = gcd).",
    """
from math import gcd
from scipy.signal import resample_poly
def answer(samples, rate):
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    g = gcd(16000, rate)
    return resample_poly(mono, 16000 // g, rate // g)
""",
)
def _check_resample(answer):
    import numpy as np

    assert callable(answer), "함수를 답으로 주세요: answer(samples, rate)"
    t = np.arange(44100) / 44100
    tone = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    stereo = np.stack([tone, tone], axis=1)
    out = np.asarray(answer(stereo, 44100))
    assert out.ndim == 1, "결과는 1차원(모노) 배열이어야 해요."
    assert abs(len(out) - 16000) <= 2, f"1초 분량이면 16000개 샘플이어야 하는데 {len(out)}개예요."
    spectrum = np.abs(np.fft.rfft(out))
    peak_hz = np.argmax(spectrum) * 16000 / len(out)
    assert abs(peak_hz - 440) < 5, f"440 Hz 음이 {peak_hz:.0f} Hz로 바뀌었어요: 비율을 확인하세요."
    out22 = np.asarray(answer(tone[::2].copy(), 22050))
    assert abs(len(out22) - 16000) <= 2, "22050 Hz 모노 입력도 16 kHz로 바꿔야 해요."


@register(
    "10.3",
    "Wav2Vec2의 특징 인코더에서 한 프레임이 파형 위에서 몇 샘플씩 이동하는지(모든 합성곱 stride의 곱)를 정수로 answer에 넣으세요.",
    "model.config.conv_stride의 원소를 모두 곱하세요. 16 kHz에서 20 ms에 해당합니다.",
    """
import numpy as np
import hflab
answer = int(np.prod(hflab.models.load("wav2vec2-960h", quiet=True).model.config.conv_stride))
""",
)
def _check_hop(answer):
    assert isinstance(answer, int) and not isinstance(answer, bool), "정수를 주세요."
    assert answer == 320, f"5·2·2·2·2·2·2 = 320 이어야 하는데 {answer} 이에요."
