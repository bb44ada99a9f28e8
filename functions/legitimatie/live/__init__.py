"""The live status: ``model`` (tickets, connections, roles), ``ports`` (where they are kept, how a page is told)
and ``services`` (who may connect to which session; what a change pushes to whom). See docs/live-status.md."""
