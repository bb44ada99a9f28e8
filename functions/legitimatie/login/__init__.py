"""The resident's DigiD login, apart from SAML: ``model`` (pending logins, results, case numbers), ``ports`` (their
stores' Protocols) and ``services`` (plan, register, find, finish a login per flow; the result page; flow A's
look-up). SAML itself is the DigiD function's (``digid/saml``)."""
