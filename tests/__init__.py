"""The test suite: unit tests of each step, flows end to end with real services."""
