"""The release, read by pyproject (``[tool.setuptools.dynamic]``) and shown by ``payfold --version``."""

__version__ = "0.1.0"
