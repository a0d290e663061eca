"""FairSynth generation engine: plain functions over pandas objects."""
