"""The buyer's language: words and cues."""
