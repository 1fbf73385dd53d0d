"""The pure core: decisions from facts, no I/O."""
