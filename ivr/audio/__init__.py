"""The prompt library: rendering (gTTS, espeak-ng), the content-hash cache, and /audio."""
