"""actionbot: a Matrix bot for coordinating synchronized action windows across collectives."""

__version__ = "0.1.0"
