"""sumbench: summarization evaluation harness (package imported as ``eval``).

Importing the package is cheap: torch and transformers load only when a model runs.
"""

__version__ = "0.1.0"
