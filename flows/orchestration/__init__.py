"""Everything that imports Prefect: the flows, their runners, serve and deploy."""

from flows.redact import mask_log_records

# Whatever runs a flow (the command line, a worker, `digest serve`) imports this first:
# no URL password reaches a log line, nor Prefect's database through its log handler.
mask_log_records()
