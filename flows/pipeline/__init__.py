"""Plain Python that opens database sessions and runs the process pool around the steps."""
