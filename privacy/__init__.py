"""FairSynth privacy engine: plain functions over pandas objects."""
