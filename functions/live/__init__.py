"""Live function: the live status of a session, pushed to the official's and the resident's pages.

Routes: ``POST /api/sessions/{id}/live`` (HTTP API, staff: a ticket for the official's connection), the WebSocket
API's ``$connect`` (the official with a ticket, the resident with the result cookie) and the session table's
DynamoDB stream (a change of a session pushes to its connections).
"""
