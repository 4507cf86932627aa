"""The package version, stored in pickles to warn about mismatches on load."""

__version__ = "0.1.0"
