"""tracker: the AI industry's deals and the regulators who watch them."""

__version__ = "0.1.0"
