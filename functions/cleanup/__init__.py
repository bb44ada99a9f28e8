"""Cleanup function (CleanupFunction): Voltooien (the official closes a session, identified or not, with its one
proof) and cancel; on a schedule, the sweep of expired records. The name is older than Voltooien (issue 12: rename)."""
