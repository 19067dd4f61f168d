"""The coach: what the caller said (moves), rehearsal scenarios, the representative's side of the conversation,
the rubric and the report.

No Flask here: the voice routes and the pages call in with plain values.
"""
