"""The default rules and gazetteer, shipped as data files beside this module."""

from pathlib import Path

RULES_DIR = Path(__file__).parent
DEFAULT_CLASSIFY = RULES_DIR / "classify.toml"
DEFAULT_GAZETTEER = RULES_DIR / "gazetteer.toml"
