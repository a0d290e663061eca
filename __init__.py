"""FairSynth: govern synthetic tabular data (one import package; see docs/architecture.md)."""

__version__ = "0.1.0"
