"""Blueprint /phone: the browser practice phone and its call summaries."""
