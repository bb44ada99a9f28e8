"""DigiD function (DigidFunction): the login redirect, the assertion consumer service (artifact and POST) and the
SP metadata. ``digid.saml`` is the SAML service provider itself, a library without AWS, whose ``consume`` is the
one place a DigiD answer is validated; ``sp_config`` reads its configuration from SSM and Secrets Manager;
``wiring`` builds the adapters; ``service`` holds the function's two steps (start a login, take an answer: SAML
joined to ``legitimatie.login.digid_services``, where what a login means is decided); ``views`` holds the pages and
redirects the resident sees and the metadata document."""
