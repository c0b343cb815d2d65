"""The servers and helpers the tests start."""
