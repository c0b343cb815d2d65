"""The format of stored signatures, apart from the numpy that makes them: every run checks
the stored ones against it, and imports numpy only when some are of an older format."""

# The format of stored signatures and band keys (flows.dedupe.near): raised whenever SHINGLE,
# BINS, ROWS, BANDS, the hashing or the byte layout change, so that `digest migrate
# --rebuild-signatures` recomputes those stored in an older one (a text signed in two
# formats matches nothing).
# 2: bands of one bin, and the text's count of distinct shingles after the signature.
SIGNATURE_VERSION = 2
