"""Proofs function (ProofsFunction): everything about the proof of authentication after the hand-over - serves
``GET /api/proofs/{document_id}`` to officials, and makes each queued proof as PDF/A (``pdf``, worded by ``labels``),
stores it and delivers it to the ZGW case system."""
