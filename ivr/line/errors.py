"""The one exception type for configuration that cannot be served."""


class ConfigError(Exception):
    """Configuration that cannot be served; each problem names its file and node."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))
