"""Helpers for a deployment, run from a developer's machine: ``publish_site`` (the pages and /config.json of a
deployed stack), ``zgw_catalogue`` (checks the municipality's ZGW catalogue), ``openapi`` (generates
functions/sessions/openapi.json). ``checkov.yaml`` and ``waf.yaml`` are the checkov skips and the WAF template."""
