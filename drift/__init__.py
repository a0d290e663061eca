"""FairSynth drift engine: plain functions over pandas objects."""
