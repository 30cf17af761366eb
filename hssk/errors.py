"""Errors that reach a user: a Vietnamese message plus the technical detail."""


class HsskError(Exception):
    """An error a user can act on. `message` is Vietnamese; `detail` is the technical reason."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message if not detail else f"{message} ({detail})")
        self.message = message
        self.detail = detail
