"""The proof of authentication: ``model`` (request, record, delivery states), ``ports`` (queue, records, PDF store,
case system) and ``services`` (the snapshot of an ended session, delivery, the official's view, the sweep's resend)."""
