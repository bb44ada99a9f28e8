"""The resident's DigiD login, apart from SAML. What the Sessions function serves of it: ``model`` (the result page,
flow A's case numbers), ``ports`` (their stores' Protocols) and ``services`` (the result page; flow A's look-up).
What only the DigiD function loads: ``digid_model`` (pending logins, refusals) and ``digid_services`` (plan,
register, find, finish a login per flow). SAML itself is the DigiD function's (``digid/saml``)."""

from datetime import timedelta

__all__ = ["LOGIN_LIFETIME"]

# DigiD's rule for the SP's session: at most 15 minutes. Here, not in ``model``, so the cookies (set by every API
# function's runtime) know it without loading the login's model.
LOGIN_LIFETIME = timedelta(minutes=15)
