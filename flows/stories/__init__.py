"""A week's documents grouped into ranked stories, and where late arrivals go."""
