"""Offline evaluation: test candidates, simulated candidates, the interview runner."""
