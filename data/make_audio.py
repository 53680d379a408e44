"""Synthesize the course's speech clips (English, and one Korean) with espeak-ng.

Run ``python data/make_audio.py`` (needs the Debian packages ``espeak-ng`` and
``sox``). The WAVs are committed, so the course itself never needs espeak.

espeak-ng writes 22,050 Hz mono; sox converts each clip to what speech models
expect (16 kHz mono, 16-bit). One clip is kept at 44.1 kHz stereo on purpose,
so the course can show resampling. transcripts.json records every clip's text.

espeak-ng has no emotions; the "happy", "sad" and "angry" clips only differ
in voice, pitch, speed and loudness. They are inputs to run an audio
classifier on, not ground truth for it.

The Korean clip is for multilingual Whisper. espeak-ng's Korean is robotic: whisper-base
transcribes it only roughly (a character error rate of about 0.3 with language="ko"), and
its language detection does not pick Korean on its own.
"""

import json
import subprocess
import tempfile
from pathlib import Path

AUDIO = Path(__file__).resolve().parent / "audio"

LONG_TEXT = (
    "Every spring, the small harbour town of Kelmore holds a festival for its fishing boats. "
    "Families paint the hulls in bright colours, and children tie ribbons to the masts. "
    "At dawn the oldest captain rings a bell, and the boats leave the harbour one by one. "
    "When the sun goes down, lanterns float on the water, "
    "and the whole town waits quietly until the last light drifts out to sea."
)

# name -> (text, espeak-ng voice, pitch 0-99, words per minute, amplitude 0-200, note)
CLIPS = {
    "speech_asr.wav": (
        "Welcome to the course. Today we will teach a computer to listen "
        "and to write down every word that it hears.",
        "en-us", 50, 160, 100, "clear neutral speech for speech recognition demos",
    ),
    "speech_weather.wav": (
        "The morning train to the city leaves at nine, so please bring an umbrella "
        "because it may rain later today.",
        "en-gb", 45, 165, 100, "second neutral sentence, British voice",
    ),
    "emotion_happy.wav": (
        "What wonderful news! We finally won the championship, and I cannot stop smiling!",
        "en-us+f3", 80, 190, 130, "female voice, high pitch, fast: meant to sound cheerful",
    ),
    "emotion_sad.wav": (
        "I waited by the window all evening, but nobody came to visit.",
        "en-us+m3", 20, 115, 70, "male voice, low pitch, slow and quiet: meant to sound sad",
    ),
    "emotion_angry.wav": (
        "Stop moving my things without asking me first! I have told you this three times!",
        "en-gb+m1", 40, 200, 160, "male voice, loud and fast: meant to sound angry",
    ),
    "long_story.wav": (
        LONG_TEXT,
        "en-us", 50, 170, 100, "about 22 seconds, several windows long: for chunked transcription",
    ),
    "stereo_44k.wav": (
        "This stereo clip must be resampled before a speech model can hear it.",
        "en-gb+f2", 55, 160, 100, "44.1 kHz stereo on purpose: shows resampling to 16 kHz mono",
    ),
    "speech_korean.wav": (
        "안녕하세요. 감사합니다. 좋은 하루 보내세요.",
        "ko", 50, 110, 100, "Korean, for multilingual Whisper (robotic voice: expect a rough transcript)",
    ),
}

# clip -> (sample rate, channels); everything else is 16 kHz mono
SPECIAL_FORMAT = {"stereo_44k.wav": (44_100, 2)}


def synthesize(text, voice, pitch, speed, amplitude, out: Path, rate: int, channels: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed),
             "-a", str(amplitude), "-w", str(raw), text],
            check=True,
        )
        # sox's rate and channels effects; -D turns dithering off so reruns are identical,
        # -G lowers the gain just enough that resampling never clips
        subprocess.run(
            ["sox", "-D", "-G", str(raw), "-b", "16", "-r", str(rate), "-c", str(channels), str(out)],
            check=True,
        )


def main() -> None:
    AUDIO.mkdir(parents=True, exist_ok=True)
    transcripts = {}
    for name, (text, voice, pitch, speed, amplitude, note) in CLIPS.items():
        rate, channels = SPECIAL_FORMAT.get(name, (16_000, 1))
        out = AUDIO / name
        synthesize(text, voice, pitch, speed, amplitude, out, rate, channels)
        frames = int(subprocess.run(["soxi", "-s", str(out)], capture_output=True,
                                    text=True, check=True).stdout)
        transcripts[name] = {
            "text": text,
            "voice": voice,
            "sampling_rate": rate,
            "channels": channels,
            "seconds": round(frames / rate, 2),
            "note": note,
        }
        print(f"{name}: {frames / rate:.1f} s, {rate} Hz, {channels} ch, "
              f"{out.stat().st_size // 1024} KB")
    (AUDIO / "transcripts.json").write_text(
        json.dumps(transcripts, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
