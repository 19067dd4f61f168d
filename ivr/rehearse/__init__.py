"""Blueprint /rehearse: the escalation scenarios, a saved coach's report, and progress over attempts."""
