"""perfbot: holds pull requests to a performance engineering workflow."""

__version__ = "0.1.0"
