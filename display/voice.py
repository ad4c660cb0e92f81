"""Spoken call announcements for the hall screens: espeak-ng Mandarin and a chime.

The server renders each call's text from the hall's template ("请 A023 号 到
15 号窗口 办理"); screens fetch it as WAV and play it after the chime. Audio is
made once per text and kept in memory and on disk, so the many screens of a
hall asking for the same call at the same moment cost one synthesis.
"""
from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import math
import os
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import wave
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

MAX_TEXT = 60
SPEED_WPM = 150
# Mandarin voice names in order of preference. Some espeak-ng builds read
# Chinese characters through their pinyin with English letter sounds under
# "cmn"/"zh"; "cmn-latn-pinyin" reads them as Mandarin there. Each candidate
# is checked once (see `_reads_mandarin`) and the first that works is used.
VOICE_CANDIDATES = ("cmn-latn-pinyin", "cmn", "zh")
SYNTH_TIMEOUT = 15.0
MEMORY_ENTRIES = 64
DISK_ENTRIES = 2000

_ALLOWED = re.compile(
    r"[\u4e00-\u9fff\u3400-\u4dbfA-Za-z0-9 \u3000"
    r"，。、：；！？“”‘’（）《》·\-,.:;!?()]+"
)
_DIGITS = "零一二三四五六七八九"
# A ticket number (A023, GJ105) is read digit by digit: "A 零二三", not "A 二十三".
_TICKET = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,3})(\d{2,5})(?![0-9])")


class VoiceUnavailable(Exception):
    """No speech synthesiser on this server: screens fall back to their own voice or text."""


class BadAnnouncement(ValueError):
    """Text that is not a call announcement (too long, empty, or odd characters)."""


def check_text(text: str) -> str:
    """The announcement text, trimmed; raises BadAnnouncement for anything a call would not say."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise BadAnnouncement("text is empty")
    if len(cleaned) > MAX_TEXT:
        raise BadAnnouncement(f"text is longer than {MAX_TEXT} characters")
    if not _ALLOWED.fullmatch(cleaned):
        odd = sorted({c for c in cleaned if not _ALLOWED.fullmatch(c)})
        raise BadAnnouncement("text has characters an announcement does not use: " + " ".join(repr(c) for c in odd))
    return cleaned


def spoken_form(text: str) -> str:
    """What the synthesiser is given: ticket numbers spelled digit by digit in Chinese."""
    return _TICKET.sub(lambda m: m.group(1).upper() + " " + "".join(_DIGITS[int(d)] for d in m.group(2)), text)


@lru_cache(maxsize=1)
def chime_wav() -> bytes:
    """A two-tone 叮咚 (B5 then G5) with a soft bell decay, 16-bit mono WAV."""
    rate = 22050
    samples: list[int] = []
    for freq, seconds in ((987.77, 0.38), (783.99, 0.62)):
        count = int(rate * seconds)
        for i in range(count):
            t = i / rate
            attack = min(1.0, t / 0.008)
            envelope = attack * math.exp(-4.5 * t / seconds)
            value = (math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t)) / 1.3
            samples.append(int(32767 * 0.55 * envelope * value))
    samples.extend([0] * int(rate * 0.12))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return out.getvalue()


def default_cache_dir() -> Path:
    configured = os.environ.get("HALLQ_VOICE_CACHE")
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / f"hallq-voice-{os.getuid() if hasattr(os, 'getuid') else 'user'}"


def _reads_mandarin(program: str, voice: str) -> bool:
    """Whether `voice` exists and speaks 请号 with Mandarin phonemes (no switch to English)."""
    try:
        done = subprocess.run([program, "-v", voice, "-b", "1", "-q", "-x", "请号"], capture_output=True,
                              timeout=SYNTH_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    phonemes = done.stdout.decode("utf-8", "replace")
    return done.returncode == 0 and bool(phonemes.strip()) and "(en)" not in phonemes


class Voice:
    """Announcement audio by text: memory, then disk, then one espeak-ng run."""

    def __init__(self, cache_dir: Path | None = None, program: str | None = None,
                 speed: int = SPEED_WPM, voice: str | None = None) -> None:
        self.cache_dir = cache_dir or default_cache_dir()
        self.program = program if program is not None else (shutil.which("espeak-ng") or shutil.which("espeak"))
        self.speed = speed
        self._voice = voice
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._pending: dict[str, asyncio.Task[bytes]] = {}
        self._slots = threading.BoundedSemaphore(2)  # espeak-ng runs at once, across event loops
        self._written = 0
        self.syntheses = 0  # espeak-ng runs, for tests and diagnostics

    @property
    def available(self) -> bool:
        return self.program is not None and self.program != "" and Path(self.program).exists()

    def voice_name(self) -> str:
        if self._voice is None:
            if not self.available:
                raise VoiceUnavailable("espeak-ng is not installed on the server")
            assert self.program is not None
            self._voice = next((v for v in VOICE_CANDIDATES if _reads_mandarin(self.program, v)),
                               VOICE_CANDIDATES[1])
            log.info("announcements use espeak-ng voice %s", self._voice)
        return self._voice

    def _key(self, voice: str, text: str) -> str:
        return hashlib.sha256(f"{voice}\0{self.speed}\0{text}".encode()).hexdigest()[:32]

    async def wav(self, text: str) -> bytes:
        """WAV audio of the announcement; raises BadAnnouncement or VoiceUnavailable."""
        text = check_text(text)
        if not self.available:
            raise VoiceUnavailable("espeak-ng is not installed on the server")
        voice = self._voice
        if voice is None:
            voice = await asyncio.to_thread(self.voice_name)
        key = self._key(voice, text)
        cached = self._remember(key)
        if cached is not None:
            return cached
        # One synthesis per text however many screens ask at once; it runs as its
        # own task, so a screen that gives up does not cancel it for the others.
        loop = asyncio.get_running_loop()
        task = self._pending.get(key)
        if task is None or task.get_loop() is not loop:
            task = loop.create_task(self._load_or_make(key, voice, text))
            self._pending[key] = task
            task.add_done_callback(lambda done: self._settle(key, done))
        return await asyncio.shield(task)

    def _settle(self, key: str, task: asyncio.Task[bytes]) -> None:
        if self._pending.get(key) is task:
            del self._pending[key]
        if not task.cancelled() and task.exception() is None:
            self._keep(key, task.result())

    def _remember(self, key: str) -> bytes | None:
        data = self._memory.get(key)
        if data is not None:
            self._memory.move_to_end(key)
        return data

    def _keep(self, key: str, data: bytes) -> None:
        self._memory[key] = data
        self._memory.move_to_end(key)
        while len(self._memory) > MEMORY_ENTRIES:
            self._memory.popitem(last=False)

    async def _load_or_make(self, key: str, voice: str, text: str) -> bytes:
        path = self.cache_dir / f"{key}.wav"
        try:
            return await asyncio.to_thread(path.read_bytes)
        except OSError:
            pass
        data = await asyncio.to_thread(self._synthesise, voice, text)
        await asyncio.to_thread(self._store, path, data)
        return data

    def _synthesise(self, voice: str, text: str) -> bytes:
        """One espeak-ng run; the text goes in on stdin, so it can never be read as an option."""
        assert self.program is not None
        with self._slots:
            self.syntheses += 1
            with tempfile.TemporaryDirectory(prefix="hallq-voice-") as folder:
                out = Path(folder) / "out.wav"
                try:
                    done = subprocess.run(
                        [self.program, "-v", voice, "-s", str(self.speed), "-b", "1", "-w", str(out)],
                        input=spoken_form(text).encode("utf-8"), capture_output=True, timeout=SYNTH_TIMEOUT,
                        check=False,
                    )
                except (OSError, subprocess.TimeoutExpired) as exc:
                    raise VoiceUnavailable(f"espeak-ng failed: {exc}") from exc
                if done.returncode != 0 or not out.exists():
                    raise VoiceUnavailable("espeak-ng failed: " + done.stderr.decode("utf-8", "replace").strip())
                return out.read_bytes()

    def _store(self, path: Path, data: bytes) -> None:
        """Write atomically (other server processes share the folder) and prune now and then."""
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.cache_dir, suffix=".part", delete=False) as part:
                part.write(data)
            os.replace(part.name, path)
        except OSError as exc:
            log.warning("could not cache announcement audio in %s: %s", self.cache_dir, exc)
            return
        self._written += 1
        if self._written % 100 == 0:
            self._prune()

    def _prune(self) -> None:
        try:
            files = sorted(self.cache_dir.glob("*.wav"), key=lambda p: p.stat().st_mtime)
        except OSError:
            return
        for old in files[:max(0, len(files) - DISK_ENTRIES)]:
            old.unlink(missing_ok=True)
