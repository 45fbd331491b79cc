"""Version of zjgis (single source, read by pyproject.toml)."""

__version__ = "0.2.0"
