"""DigiD function (DigidFunction): the login redirect, the assertion consumer service (artifact and POST) and the
SP metadata. ``digid.saml`` is the SAML service provider itself, a library without AWS; ``sp_config`` reads its
configuration from SSM and Secrets Manager; ``wiring`` builds the adapters; ``views`` holds the pages and redirects
the resident sees. What a login means is decided in ``legitimatie.login.services``."""
