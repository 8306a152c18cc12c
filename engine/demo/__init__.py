"""The demo province at work: simulated people running a year through the engine."""
