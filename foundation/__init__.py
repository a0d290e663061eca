"""Foundation: errors, roles, the dataset pair, loading, labels, codes, windows and constants.

Imports no other FairSynth package (an import-linter contract says so).
"""
