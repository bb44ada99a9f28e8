"""Outcome function (OutcomeFunction): Voltooien (the official closes a session, identified or not, with its one
proof) and cancel; on a schedule, the sweep of expired records and of proofs whose queue message was lost (sweep.py)."""
