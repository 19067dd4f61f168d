"""Is this really audio? Parse MP3 frames or a WAV header, and say how long it plays."""

from __future__ import annotations

import struct
from dataclasses import dataclass

# Shorter than this is not a prompt: an empty answer, a stray header, a truncated file.
MIN_SECONDS = 0.1

# MPEG Layer III bitrates (kbit/s) by bitrate index, for MPEG-1 and for MPEG-2/2.5.
_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
# Sample rates by version bits (3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5) and rate index.
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
# WAV format tags accepted: PCM, IEEE float, A-law, mu-law, extensible.
_WAV_FORMATS = {1: "pcm", 3: "float", 6: "a-law", 7: "mu-law", 0xFFFE: "extensible"}
_ID3V1 = 128


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds: its format, content type and how long it plays."""

    kind: str  # "mp3" or "wav"
    mimetype: str
    seconds: float
    sample_rate: int
    channels: int
    encoding: str  # "mpeg-layer-3", "pcm", "mu-law", ...


def probe(data: bytes) -> AudioInfo | None:
    """AudioInfo if `data` is a complete MP3 or WAV of at least MIN_SECONDS, else None."""
    if data[:4] == b"RIFF":
        info = _probe_wav(data)
    else:
        info = _probe_mp3(data)
    return info if info is not None and info.seconds >= MIN_SECONDS else None


def _probe_mp3(data: bytes) -> AudioInfo | None:
    pos = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = (data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | (data[9] & 0x7F)
        pos = 10 + size + (10 if data[5] & 0x10 else 0)
    end = len(data)
    if end - pos > _ID3V1 and data[end - _ID3V1:end - _ID3V1 + 3] == b"TAG":
        end -= _ID3V1
    frames = samples = 0
    rate = channels = 0
    # Frames must run end to end: a cut-off last frame or anything else means a damaged file.
    while pos < end:
        frame = _mp3_frame(data, pos)
        if frame is None or pos + frame[0] > end:
            return None
        length, frame_samples, rate, channels = frame
        pos += length
        frames += 1
        samples += frame_samples
    if frames < 2:
        return None
    return AudioInfo("mp3", "audio/mpeg", samples / rate, rate, channels, "mpeg-layer-3")


def _mp3_frame(data: bytes, pos: int) -> tuple[int, int, int, int] | None:
    """(frame length, samples, sample rate, channels) of the Layer III frame at `pos`, or None."""
    if pos + 4 > len(data):
        return None
    b0, b1, b2, b3 = data[pos:pos + 4]
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    if b0 != 0xFF or (b1 & 0xE0) != 0xE0 or version == 1 or layer != 1:
        return None
    bitrate_index, rate_index, padding = b2 >> 4, (b2 >> 2) & 3, (b2 >> 1) & 1
    if bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bitrate = _BITRATES[1 if mpeg1 else 2][bitrate_index] * 1000
    rate = _RATES[version][rate_index]
    length = (144 if mpeg1 else 72) * bitrate // rate + padding
    return length, (1152 if mpeg1 else 576), rate, (1 if (b3 >> 6) == 3 else 2)


def _probe_wav(data: bytes) -> AudioInfo | None:
    if len(data) < 12 or data[8:12] != b"WAVE":
        return None
    pos, fmt = 12, None
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        body = pos + 8
        if chunk == b"fmt " and size >= 16:
            if body + 16 > len(data):
                return None  # cut off inside the format chunk
            fmt = struct.unpack_from("<HHIIHH", data, body)
        elif chunk == b"data":
            # A size past the end of the bytes is a truncated file (or a header written to a pipe).
            if fmt is None or body + size > len(data) or size == 0:
                return None
            tag, channels, rate, byte_rate, _, _ = fmt
            if tag not in _WAV_FORMATS or not channels or not rate or not byte_rate:
                return None
            return AudioInfo("wav", "audio/wav", size / byte_rate, rate, channels, _WAV_FORMATS[tag])
        pos = body + size + (size & 1)  # chunks are padded to an even length
    return None
