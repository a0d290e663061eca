"""FairSynth fairness engine: plain functions over pandas objects."""
