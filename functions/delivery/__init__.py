"""Delivery function (DeliveryFunction): makes each queued proof of authentication as PDF/A (``pdf``), stores it and
delivers it to the ZGW case system; it also serves GET /api/proofs/{document_id} to officials."""
