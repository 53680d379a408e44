"""The course's Korean-English glossary: one Korean word per idea, and the spellings to avoid.

`TERMS` is the single source of truth; `notebooks/GLOSSARY.md` is rendered from it
(`python -m hflab.glossary --write notebooks/GLOSSARY.md`) and a test keeps the two equal.

    python -m hflab.glossary --report notebooks/     # per notebook: avoided variants, with cell index

A variant is found in what a learner reads: markdown cells, and in code cells the comments and
string literals that contain Hangul. A variant matches only where a word starts (not right after
another Hangul syllable), so "로스" is not found inside "크로스" while "1에폭" still counts;
words listed in `NOT_VARIANTS` ("머리말", a file's header) are not read as the variant they begin with.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tokenize
import unicodedata
from pathlib import Path
from typing import NamedTuple


class Term(NamedTuple):
    korean: str  # the one word the course uses
    english: str  # shown in parentheses at first use
    definition: str  # one line, Korean
    chapter: str  # the notebook that teaches it: "02-2" is notebooks/02_*/02-2_*.ipynb
    avoid: tuple[str, ...] = ()  # variants seen in the course or the seed that the course no longer uses


# Speech level of the prose: 합니다체 statements (-ㅂ니다/-습니다, proposals -ㅂ시다); requests to the
# learner as -세요 and questions as -ㄹ까요? are kept (usual in Korean tutorials). Every other
# sentence ending in -요. or -요! (-어요, -아요, -예요, -해요, -봐요 ...) is a 해요체 statement to avoid.
SPEECH_LEVEL = "합니다체"
SPEECH_LEVEL_AVOID = re.compile(r"[가-힣]요[.!]")
_KEPT_POLITE_ENDINGS = ("세요", "까요")

TERMS: tuple[Term, ...] = (
    Term("BPE", "byte-pair encoding", "가장 자주 붙어 나오는 두 조각을 하나로 합치기를 되풀이해 어휘를 만드는 토큰화 방식", "01-3"),
    Term("CKA", "centered kernel alignment", "두 층의 표현(은닉 상태 행렬)이 얼마나 닮았는지 0~1로 재는 지표", "50-1"),
    Term("CTC 손실", "CTC loss", "정렬을 모르는 입력 프레임과 글자열 사이의 모든 정렬 확률을 더해 학습하는 손실", "10-1",
         ("연결성 시간 분류",)),
    Term("IoU", "intersection over union", "두 상자(또는 마스크)의 겹친 넓이를 합친 넓이로 나눈 값", "20-2"),
    Term("KV 캐시", "KV cache", "생성할 때 이전 토큰들의 키·값을 저장해 두고 다시 계산하지 않는 방법", "30-2",
         ("키-값 캐시", "kv 캐시")),
    Term("ONNX", "Open Neural Network Exchange", "연산 그래프와 가중치를 한 파일에 담아 PyTorch 없이 실행하게 하는 형식", "06-1"),
    Term("SentencePiece", "SentencePiece", "공백을 ▁ 기호로 바꿔 문장 전체를 한 줄의 글자로 보고 토큰화하는 라이브러리(BPE·유니그램)", "01-3",
         ("센텐스피스",)),
    Term("WordPiece", "WordPiece", "BERT 계열의 토큰화 방식: 단어 안쪽 조각에 ##을 붙여 어휘에서 가장 긴 조각부터 찾음", "01-3",
         ("워드피스",)),
    Term("가중치", "weight", "모델이 학습으로 정하는 수들: 행렬과 벡터로 저장됨", "01-1", ("웨이트",)),
    Term("가지치기", "pruning", "헤드의 가중치를 실제로 잘라내 모델을 작게 만드는 일", "05-1", ("프루닝",)),
    Term("감성 분석", "sentiment analysis", "문장이 긍정인지 부정인지 가리는 문장 분류", "02-1", ("감정 분석",)),
    Term("개체명 인식", "named entity recognition, NER", "토큰마다 사람·장소·기관 같은 개체 종류를 붙이는 작업", "30-1",
         ("개체명인식",)),
    Term("교차 엔트로피", "cross-entropy", "정답 클래스에 준 확률의 음의 로그: 분류의 손실", "20-1",
         ("크로스 엔트로피", "크로스엔트로피")),
    Term("기울기", "gradient", "손실을 각 가중치(또는 입력)로 미분한 값", "20-1", ("그래디언트", "그라디언트")),
    Term("깊이 추정", "depth estimation", "픽셀마다 카메라에서 얼마나 먼지 예측하는 작업", "20-2"),
    Term("다음 토큰 예측", "next-token prediction", "앞 토큰들만 보고 다음 토큰의 확률 분포를 내는 언어 모델의 목표", "30-2"),
    Term("다중 레이블 분류", "multi-label classification", "한 입력에 레이블 여러 개가 동시에 붙을 수 있는 분류: 소프트맥스 대신 시그모이드", "10-1",
         ("멀티 레이블", "멀티레이블")),
    Term("대조 학습", "contrastive learning", "진짜 짝은 가깝게, 가짜 짝은 멀게 만드는 학습 방식", "10-1"),
    Term("돌출 지도", "saliency map", "클래스 점수를 입력 픽셀로 미분한 기울기의 크기를 그린 지도", "50-2",
         ("돌출도", "살리언시", "세일리언시", "돌출 맵")),
    Term("디코더", "decoder", "앞 토큰만 보며(인과적 마스크) 출력을 한 토큰씩 만드는 트랜스포머 부분", "03-1"),
    Term("레이블", "label", "입력에 붙은 정답 클래스 이름(또는 번호)", "02-2", ("라벨",)),
    Term("로짓", "logit", "소프트맥스에 들어가기 전의 점수", "02-1"),
    Term("로짓 렌즈", "logit lens", "중간 층의 은닉 상태에 언어 모델 헤드를 대어 그 층의 다음 토큰 예측을 읽는 기법", "03-2",
         ("로짓렌즈",)),
    Term("롤아웃", "attention rollout", "층마다 어텐션에 항등 행렬을 더해 곱해 가며 정보가 입력 어디서 왔는지 추적하는 방법", "03-1"),
    Term("멀티모달", "multimodal", "이미지와 글처럼 두 가지 이상의 입력 종류를 함께 다루는 것", "40-1",
         ("다중 모달", "다중모달")),
    Term("멜 스펙트로그램", "log-mel spectrogram", "소리를 시간×주파수(멜 척도) 격자의 로그 에너지로 바꾼 그림", "10-1"),
    Term("문맥", "context", "질의응답에서 답을 찾는 지문, 또는 모델이 한 번에 보는 토큰들", "30-1"),
    Term("문맥 길이", "context length", "모델이 한 번에 볼 수 있는 최대 토큰 수", "01-3", ("컨텍스트 길이", "컨텍스트 창")),
    Term("문서 질의응답", "document question answering", "문서 이미지와 질문을 받아 답을 찾는 작업", "40-1", ("문서 질문 응답",)),
    Term("문장 임베딩", "sentence embedding", "문장 하나를 나타내는 벡터 하나(보통 토큰 은닉 상태의 평균)", "01-1"),
    Term("미등록 토큰", "unknown token, [UNK]", "어휘로 나타낼 수 없는 조각 대신 들어가는 [UNK]: 원래 글자 정보가 사라짐", "01-3",
         ("미지 토큰", "알 수 없는 토큰")),
    Term("미세 조정", "fine-tuning", "사전 학습된 모델을 작은 작업 데이터로 조금 더 학습시키는 일", "02-2",
         ("파인튜닝", "파인 튜닝", "미세조정")),
    Term("바이트 대체", "byte fallback", "어휘에 없는 글자를 UTF-8 바이트 토큰으로 쪼개 [UNK] 없이 나타내는 방법", "01-3"),
    Term("바이트 수준 BPE", "byte-level BPE", "글자 대신 UTF-8 바이트 256개에서 시작하는 BPE: 어떤 글자도 [UNK]가 되지 않음", "01-3",
         ("바이트 레벨",)),
    Term("배치", "batch", "한 번에 모델에 넣는 입력 묶음", "02-1"),
    Term("백본", "backbone", "작업별 헤드를 뺀 모델의 몸체(인코더 등)", "01-1", ("본체", "몸통")),
    Term("병목 블록", "bottleneck block", "채널을 줄였다가 되돌리는 합성곱 블록(ResNet); ConvNeXT는 거꾸로 넓혔다 줄이는 역병목", "20-1",
         ("보틀넥",)),
    Term("분류 헤드", "classification head", "백본의 출력을 클래스별 로짓으로 바꾸는 선형 층", "01-1", ("분류 머리",)),
    Term("사전 학습", "pre-training", "큰 데이터로 범용 표현을 먼저 학습하는 단계", "01-1", ("사전 훈련", "사전훈련", "사전학습")),
    Term("사전 토큰화", "pre-tokenization", "토큰화 전에 공백·구두점 기준으로 글을 단어 단위로 먼저 나누는 단계", "01-3"),
    Term("샘플링", "sampling", "확률 분포에서 다음 토큰을 무작위로 뽑아 생성하는 방법", "30-2"),
    Term("샘플링 레이트", "sampling rate", "소리를 1초에 몇 번 재었는지(Hz)", "10-1", ("샘플링레이트", "표본화율")),
    Term("서브워드", "subword", "단어보다 작은 토큰 조각", "01-3", ("하위 단어", "부분 단어", "서브 워드")),
    Term("선형 층", "linear layer", "입력에 행렬을 곱하고 편향을 더하는 층", "02-2", ("선형층", "선형 레이어")),
    Term("선형 프로브", "linear probe", "고정된 표현 위에 선형 분류기 하나만 학습해 그 표현에 든 정보를 재는 방법", "50-1",
         ("탐침",)),
    Term("설정", "configuration, config", "층 수·차원 같은 모델 구조를 담은 객체(config.json)", "01-1", ("컨피그",)),
    Term("셀프 어텐션", "self-attention", "한 시퀀스의 토큰들이 서로를 보는 어텐션", "03-1", ("자기 어텐션", "셀프어텐션")),
    Term("소프트맥스", "softmax", "점수들을 지수로 바꿔 합이 1인 확률로 만드는 함수", "03-1"),
    Term("손실", "loss", "예측이 정답에서 얼마나 먼지 나타내는 하나의 수: 학습은 이것을 줄임", "02-2", ("로스",)),
    Term("수용 영역", "receptive field", "출력 한 자리가 의존하는 입력 영역", "20-1", ("수용장",)),
    Term("스탠드인", "stand-in", "Hub 체크포인트와 구조는 같고 가중치는 무작위인, 여기서 만든 작은 대역 모델", "00-1"),
    Term("스텝", "step", "옵티마이저가 가중치를 한 번 갱신하는 단위(배치 하나)", "02-2", ("걸음",)),
    Term("시그모이드", "sigmoid", "점수 하나를 0~1 확률로 바꾸는 함수: 레이블마다 따로 판단", "10-1"),
    Term("시퀀스", "sequence", "모델에 들어가는 토큰(또는 프레임, 패치)의 나열", "01-3", ("순서열",)),
    Term("쿼리", "query", "어텐션에서 '무엇을 찾는지' 나타내는 벡터; 키와 내적해 점수를 냄", "03-1", ("질의 벡터",)),
    Term("어텐션", "attention", "토큰마다 다른 토큰들의 값을 가중 평균해 가져오는 연산", "01-2"),
    Term("어텐션 가중치", "attention weights", "소프트맥스를 거친 [쿼리, 키] 행렬: 행의 합이 1", "03-1"),
    Term("어텐션 마스크", "attention mask", "패딩처럼 보지 말아야 할 자리를 0으로 표시한 입력", "02-1"),
    Term("어휘", "vocabulary", "토크나이저가 아는 토큰과 번호의 목록", "01-1", ("단어장", "어휘집")),
    Term("언어 모델 헤드", "language modeling head", "은닉 상태를 어휘 크기의 로짓으로 바꾸는 선형 층", "03-1",
         ("언어 모델링 헤드",)),
    Term("에포크", "epoch", "학습 데이터를 처음부터 끝까지 한 번 도는 것", "02-2", ("에폭",)),
    Term("역전파", "backpropagation", "손실의 기울기를 출력에서 입력 쪽으로 거꾸로 계산하는 방법", "02-2"),
    Term("오프라인 모드", "offline mode", "Hub에 연결하지 않고 카탈로그의 모델만 쓰는 상태(HF_HUB_OFFLINE=1)", "00-1"),
    Term("옵티마이저", "optimizer", "기울기를 보고 가중치를 갱신하는 알고리즘(AdamW 등)", "02-2", ("최적화기",)),
    Term("온도", "temperature", "로짓을 나누는 수: 작으면 확률이 뾰족해지고 크면 평평해짐", "30-2", ("템퍼러처",)),
    Term("워밍업", "warmup", "학습 초반에 학습률을 0에서 천천히 올리는 구간", "02-2", ("웜업",)),
    Term("위치 임베딩", "position embedding", "토큰의 자리 번호마다 더해 주는 벡터", "03-2", ("포지션 임베딩", "위치 인코딩")),
    Term("위젯", "widget", "노트북 안에서 움직이는 작은 화면 도구(hflab.AttentionView 등)", "00-1"),
    Term("유니코드 정규화", "Unicode normalization (NFC/NFD)", "같은 글자를 한 가지 코드 포인트 표현으로 맞추는 일: NFD는 한글 음절을 자모로 나눔", "01-3"),
    Term("은닉 상태", "hidden state", "층마다 토큰 하나에 하나씩 나오는 벡터 [층+1, 토큰, 차원]", "03-1",
         ("히든 스테이트", "히든스테이트")),
    Term("음성 인식", "automatic speech recognition, ASR", "말소리를 글자로 받아 적는 작업", "10-1"),
    Term("음절", "syllable", "한글에서 글자 한 칸(예: '한'): 초성·중성·종성 자모로 이루어짐", "01-3"),
    Term("의미론적 분할", "semantic segmentation", "픽셀마다 클래스를 붙이는 분할(같은 클래스의 개체는 구분하지 않음)", "20-2",
         ("시맨틱 분할", "의미 분할", "시맨틱 세그멘테이션")),
    Term("이미지 분류", "image classification", "이미지 전체에 클래스 하나를 붙이는 작업", "20-1"),
    Term("이미지 캡셔닝", "image captioning", "이미지를 보고 설명하는 문장을 생성하는 작업", "40-1", ("캡션 생성",)),
    Term("이미지 프로세서", "image processor", "이미지를 크기 조정·정규화해 pixel_values로 만드는 전처리 클래스", "01-1",
         ("이미지 처리기",)),
    Term("인과적 마스크", "causal mask", "각 토큰이 자기와 앞 토큰만 보게 미래 자리를 가리는 마스크", "30-2", ("인과 마스크",)),
    Term("인과적 언어 모델", "causal language model", "앞 토큰만 보고 다음 토큰을 예측하는 언어 모델(GPT 계열)", "04-1",
         ("인과 언어 모델",)),
    Term("인스턴스 분할", "instance segmentation", "개체마다 따로 마스크를 만드는 분할", "20-2", ("인스턴스 세그멘테이션",)),
    Term("인코더", "encoder", "입력 전체를 양방향으로 보고 토큰마다 은닉 상태를 만드는 트랜스포머 부분", "01-2"),
    Term("인코더-디코더", "encoder-decoder", "인코더가 입력을 읽고 디코더가 크로스 어텐션으로 그것을 보며 출력을 만드는 구조", "30-2",
         ("인코더 디코더",)),
    Term("임베딩", "embedding", "토큰(또는 패치) 번호를 벡터로 바꾸는 표, 또는 그 벡터", "01-1"),
    Term("자기 지도 학습", "self-supervised learning", "레이블 없이 입력의 일부를 가리고 맞히게 하는 학습", "10-1", ("자기지도",)),
    Term("자모", "jamo", "한글의 낱소리 글자(ㅎ, ㅏ, ㄴ): 유니코드에 음절과 별도의 코드 포인트가 있음", "01-3"),
    Term("잔차 연결", "residual connection", "블록의 입력을 출력에 그대로 더하는 연결", "03-1", ("잔여 연결", "스킵 연결")),
    Term("장치", "device", "모델이 계산되는 곳(CPU, GPU)", "00-1", ("디바이스",)),
    Term("전처리 클래스", "preprocessing class, preprocessor", "입력을 모델이 받는 텐서로 바꾸는 클래스(토크나이저·이미지 프로세서·특징 추출기·프로세서)", "01-1",
         ("전처리기", "프리프로세서")),
    Term("정확도", "accuracy", "맞힌 예제의 비율", "02-2"),
    Term("제로샷 분류", "zero-shot classification", "그 레이블로 학습한 적 없는 모델로 레이블 후보 중에서 고르는 분류", "30-1",
         ("제로 샷",)),
    Term("질의응답", "question answering", "질문과 문맥을 받아 답을 내는 작업", "30-1", ("질문 응답", "질의 응답", "질문응답")),
    Term("체크포인트", "checkpoint", "Hub에 올라 있는 학습된 모델 하나(설정+가중치+전처리 파일)", "00-1"),
    Term("추출형 질의응답", "extractive question answering", "문맥 안에서 답이 되는 구간의 시작과 끝을 고르는 질의응답", "30-1",
         ("추출적 질의응답",)),
    Term("추출형 요약", "extractive summarization", "원문에서 중요한 문장을 골라 그대로 잇는 요약", "30-2", ("추출적 요약",)),
    Term("생성형 요약", "abstractive summarization", "원문에 없던 새 문장을 생성해 만드는 요약(추출형 요약은 원문 문장을 골라 옴)", "30-2",
         ("추상적 요약", "추상적 질의응답")),
    Term("층", "layer", "같은 구조가 반복되는 계산 단위(트랜스포머 블록 하나)", "01-1", ("레이어",)),
    Term("층 정규화", "layer normalization, LayerNorm", "토큰 벡터 하나를 평균 0·분산 1로 맞춘 뒤 배율과 이동을 곱하고 더함", "03-1",
         ("레이어 정규화",)),
    Term("카탈로그", "catalog", "hflab이 키와 Hub id마다 어디서 모델을 불러올지 정한 목록", "00-1"),
    Term("크로스 어텐션", "cross-attention", "디코더의 쿼리가 인코더 출력(키·값)을 보는 어텐션", "03-1", ("교차 어텐션", "크로스어텐션")),
    Term("탐욕 디코딩", "greedy decoding", "매 스텝 가장 확률이 높은 토큰 하나를 고르는 생성", "30-2", ("그리디 디코딩",)),
    Term("빔 서치", "beam search", "확률이 높은 후보 문장 여러 개(빔)를 함께 늘려 가며 가장 좋은 것을 고르는 생성", "30-2",
         ("빔 탐색", "빔서치")),
    Term("토큰", "token", "토크나이저가 자른 조각 하나: 모델은 그 번호를 입력으로 받음", "01-1"),
    Term("토큰화", "tokenization", "글을 토큰으로 자르고 번호로 바꾸는 일", "01-1", ("토크나이징",)),
    Term("토크나이저", "tokenizer", "토큰화를 하는 전처리 클래스", "01-1", ("토큰화기", "토크나이져")),
    Term("특성 맵", "feature map", "합성곱 층이 내는 [채널, 높이, 너비] 출력", "20-1", ("특징 맵", "피처 맵")),
    Term("특수 토큰", "special token", "[CLS], [SEP], [PAD]처럼 글이 아닌 역할을 나타내는 토큰", "01-1", ("스페셜 토큰", "특별 토큰")),
    Term("특징 인코더", "feature encoder", "Wav2Vec2에서 파형을 프레임 벡터로 바꾸는 합성곱 부분", "10-1", ("특성 인코더",)),
    Term("특징 추출기", "feature extractor", "소리를 입력 텐서(파형 정규화, 멜 스펙트로그램)로 바꾸는 전처리 클래스", "01-1",
         ("특성 추출기", "피처 추출기")),
    Term("파놉틱 분할", "panoptic segmentation", "의미론적 분할과 인스턴스 분할을 합쳐 모든 픽셀에 클래스와 개체 번호를 붙이는 분할", "20-2",
         ("파노픽", "파노프틱")),
    Term("파라미터", "parameter", "모델의 가중치와 편향 하나하나; 모델 크기는 그 개수로 셈", "00-1", ("매개변수", "패러미터")),
    Term("파이프라인", "pipeline", "전처리-모델-후처리를 한 줄로 묶은 작업 단위 호출", "02-1"),
    Term("파형", "waveform", "시간에 따른 소리 압력의 값 배열", "10-1", ("웨이브폼",)),
    Term("패딩", "padding", "길이가 다른 입력을 한 배치로 묶으려고 뒤에 채우는 [PAD] 토큰", "02-1"),
    Term("패치", "patch", "이미지를 자른 작은 정사각형(ViT는 16×16): 이미지의 토큰", "20-1"),
    Term("패치 임베딩", "patch embedding", "패치를 벡터로 바꾸는 층(보폭이 패치 크기인 합성곱)", "20-1"),
    Term("평균 풀링", "mean pooling", "패딩을 뺀 토큰들의 은닉 상태를 평균해 문장 벡터 하나를 만드는 방법", "01-1"),
    Term("품사 태깅", "part-of-speech tagging, POS tagging", "단어마다 명사·동사 같은 품사를 붙이는 토큰 분류", "30-1",
         ("품사 태그 달기",)),
    Term("학습", "training", "손실을 줄이도록 가중치를 바꾸는 과정", "02-2", ("훈련",)),
    Term("학습률", "learning rate", "한 스텝에 기울기 방향으로 얼마나 움직일지 정하는 수", "02-2", ("러닝 레이트",)),
    Term("합성곱", "convolution", "작은 필터를 이미지 위로 밀며 곱해 더하는 연산(CNN)", "20-1",
         ("컨볼루션", "콘볼루션", "컨볼루셔널")),
    Term("헤드", "attention head", "한 층 안에서 따로 어텐션을 계산하는 여러 갈래 중 하나; 작업별 출력 층도 헤드라 부름", "03-1",
         ("머리",)),
    Term("헤드 마스킹", "head masking", "헤드의 출력을 0으로 만들어 그 헤드 없이 계산해 보는 일", "05-1", ("헤드 가리기",)),
    Term("헤드 중요도", "head importance", "헤드를 가렸을 때 손실이 얼마나 변하는지로 잰 헤드의 중요도", "05-1"),
    Term("확률", "probability", "소프트맥스를 거쳐 0~1이고 합이 1인 값", "02-1"),
)

COURSE_ORDER_NOTE = "첫 등장 때는 영어를 괄호에 함께 씁니다: 은닉 상태(hidden state)."


def preferred_for(variant: str) -> str:
    """The course's word for an avoided variant ("에폭" -> "에포크")."""
    for term in TERMS:
        if variant in term.avoid:
            return term.korean
    raise KeyError(f"{variant!r} is not an avoided variant; see hflab.glossary.TERMS")


# Other words that begin with an avoided variant: "머리말" (a file's header) is not "머리" (a head).
NOT_VARIANTS = ("머리말",)


def _variant_pattern(variant: str) -> re.Pattern:
    # Korean attaches particles at the end of a word, so only the start needs a boundary:
    # not right after a Hangul syllable ("크로스" does not hold "로스"). The end is open, except
    # where the variant goes on into one of NOT_VARIANTS.
    longer = [re.escape(word[len(variant):]) for word in NOT_VARIANTS if word.startswith(variant) and word != variant]
    not_longer = f"(?!{'|'.join(longer)})" if longer else ""
    return re.compile(r"(?<![가-힣])" + re.escape(variant) + not_longer)


_PATTERNS = [(variant, term.korean, _variant_pattern(variant)) for term in TERMS for variant in term.avoid]


def avoided_in(text: str) -> list[tuple[str, str]]:
    """Every (variant, preferred word) occurrence in a text, in reading order.

    Where variants overlap ("레이어 정규화" holds "레이어") the longest one wins, so each spot
    is reported once, with the word that replaces it.
    """
    matches = sorted(((m.start(), m.end(), variant, preferred)
                      for variant, preferred, pattern in _PATTERNS for m in pattern.finditer(text)),
                     key=lambda m: (m[0], -(m[1] - m[0])))
    found, taken_until = [], -1
    for start, end, variant, preferred in matches:
        if start >= taken_until:
            found.append((variant, preferred))
            taken_until = end
    return found


def sort_key(korean: str) -> tuple:
    """가나다순 with Latin names (BPE, CTC ...) first, as Korean dictionaries list them."""
    return (bool(re.match(r"[가-힣]", korean)), unicodedata.normalize("NFC", korean).lower())


def learner_text(cell: dict, strings: bool = True) -> str:
    """What a learner reads in a cell: all of a markdown cell; in code, comments and Korean strings.

    With `strings=False` a code cell gives its comments only: the prose of a code cell, as opposed
    to the example sentences its strings often hold ("정말 재미있었어요." is data, not narration).
    """
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    if cell["cell_type"] == "markdown":
        return source
    if cell["cell_type"] != "code":
        return ""
    # IPython magics and shell lines are not Python; blank them so tokenize reads the rest.
    python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    korean_string_types = (tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)) if strings else ()
    pieces = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(python).readline):
            if tok.type == tokenize.COMMENT or (tok.type in korean_string_types and re.search(r"[가-힣]", tok.string)):
                pieces.append(tok.string)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pieces = re.findall(r"#.*", source)  # a cell that is not valid Python: comments only
    return "\n".join(pieces)


def notebook_findings(path: Path) -> list[tuple[int, str, str]]:
    """(cell index, variant, preferred word) for each avoided variant in a notebook, cell by cell."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    return [(index, variant, preferred)
            for index, cell in enumerate(cells)
            for variant, preferred in avoided_in(learner_text(cell))]


def speech_level_findings(path: Path) -> list[tuple[int, str]]:
    """(cell index, sentence ending) for each 해요체 statement in a notebook's markdown and code comments."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    return [(index, match.group(0))
            for index, cell in enumerate(cells)
            for match in SPEECH_LEVEL_AVOID.finditer(learner_text(cell, strings=False))
            if not match.group(0).startswith(_KEPT_POLITE_ENDINGS)]


def render_markdown() -> str:
    """The glossary page, notebooks/GLOSSARY.md, from TERMS."""
    lines = [
        "# 용어집 (Korean–English glossary)",
        "",
        "이 과정은 한 개념에 한 단어만 씁니다. 아래 표의 **용어**가 과정에서 쓰는 말이고, "
        "**쓰지 않는 표기**는 예전 노트북이나 원 자료에 섞여 있던 다른 표기입니다. "
        + COURSE_ORDER_NOTE,
        "",
        f"- 문체: 설명은 **{SPEECH_LEVEL}**(-ㅂ니다/-습니다, 권유는 -ㅂ시다)로 씁니다. 학습자에게 하는 부탁은 "
        "'-세요', 질문은 '-ㄹ까요?'를 씁니다. '-어요/-예요' 같은 해요체 서술은 쓰지 않습니다.",
        "- 순서: 가나다순이며, 영어 약자와 고유 이름(BPE, CTC ...)이 맨 앞에 옵니다.",
        "- 장: 그 용어를 가르치는 노트북 번호입니다(예: 02-2는 `02_pipeline_trainer/02-2_trainer_finetune.ipynb`).",
        "- 이 표는 `widgets/hflab/glossary.py`의 `TERMS`에서 만들어집니다. 고칠 때는 그 파일을 고치고 "
        "`python -m hflab.glossary --write notebooks/GLOSSARY.md`를 실행하세요. "
        "노트북에 남은 쓰지 않는 표기는 `python -m hflab.glossary --report notebooks/`로 찾습니다.",
        "",
        "| 용어 | English | 뜻 | 장 | 쓰지 않는 표기 |",
        "|---|---|---|---|---|",
    ]
    for term in sorted(TERMS, key=lambda t: sort_key(t.korean)):
        avoid = ", ".join(term.avoid) if term.avoid else ""
        cells = [term.korean, term.english, term.definition, term.chapter, avoid]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _notebook_paths(root: Path) -> list[Path]:
    root = Path(root)
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def report(root: Path, out=None) -> int:
    """Print, per notebook, each avoided variant with its cell index; return how many were found."""
    out = out or sys.stdout
    total = 0
    for path in _notebook_paths(root):
        findings = notebook_findings(path)
        endings = speech_level_findings(path)
        total += len(findings)
        print(f"{path}: {len(findings)} avoided variant(s), {len(endings)} 해요체 ending(s)", file=out)
        for index, variant, preferred in findings:
            print(f"  cell {index}: {variant} -> {preferred}", file=out)
        for index, ending in endings:
            print(f"  cell {index}: 해요체 '{ending}' -> {SPEECH_LEVEL}", file=out)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hflab.glossary",
                                     description="The course glossary: report avoided variants or write GLOSSARY.md.")
    parser.add_argument("--report", metavar="PATH", help="a notebook or a folder of notebooks to scan")
    parser.add_argument("--write", metavar="FILE", help="write the glossary page (notebooks/GLOSSARY.md)")
    args = parser.parse_args(argv)
    if not args.report and not args.write:
        parser.print_help()
        return 2
    if args.write:
        Path(args.write).write_text(render_markdown(), encoding="utf-8")
        print(f"wrote {args.write} ({len(TERMS)} terms)")
    if args.report:
        if not Path(args.report).exists():
            print(f"{args.report}: no such file or folder; pass a notebook or the notebooks/ folder", file=sys.stderr)
            return 2
        report(Path(args.report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
