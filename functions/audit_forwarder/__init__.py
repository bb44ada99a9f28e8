"""Audit forwarder function (AuditForwarderFunction): copies the functions' audit lines from their log groups into
the dedicated audit log group."""
