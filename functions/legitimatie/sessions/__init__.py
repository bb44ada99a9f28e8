"""Identification sessions: ``model`` (the status machine), ``control_code`` (the code both sides compare),
``ports`` (the session store's Protocols) and ``services`` (create, read, check, close, cancel, sweep; each step
records its audit event and metrics)."""
