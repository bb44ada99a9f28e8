"""`make bench`: what an identification costs in cold start, latency, AWS calls, bytes and money (issue 7)."""
