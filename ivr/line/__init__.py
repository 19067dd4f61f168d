"""The menu as data and the pure engine that runs it: no Flask below this folder."""

from .practice_line import PracticeLine, Step, load_line
from .errors import ConfigError

__all__ = ["ConfigError", "PracticeLine", "Step", "load_line"]
