"""The coach: what the caller said, as moves, and how the rehearsal went (no Flask)."""
