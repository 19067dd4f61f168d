"""The menu map: as text, as a Graphviz picture, and the /map page that links every node to a call."""
