class DomainError(Exception):
    """A business rule refused the operation; `message` is translated and safe to show."""

    def __init__(self, message, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code
