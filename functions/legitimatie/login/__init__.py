"""The resident's DigiD login, apart from SAML. What the Sessions function serves of it: ``model`` (the result page,
flow A's case numbers), ``ports`` (their stores' Protocols) and ``services`` (the result page; flow A's look-up).
What only the DigiD function loads: ``digid_model`` (pending logins, refusals) and ``digid_services`` (plan,
register, find, finish a login per flow). SAML itself is the DigiD function's (``digid/saml``)."""
