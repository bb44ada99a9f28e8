"""``ProofRecords`` on the sessions' table: ``proof#<document id>``, expiring with the proof itself.

A pending record also carries ``outbox = "pending"``, the key of the sparse index ``PendingProofs`` (with
``created_at``): the sweep finds the few proofs whose queue message may have been lost without scanning the table,
and the first step that moves a record on removes the attribute, so the index holds the pending ones only."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from botocore.exceptions import BotoCoreError, ClientError

from ..clock import from_epoch, to_epoch
from ..errors import ConcurrentUpdate, ProofNotFound
from ..flow import Flow
from ..proofs.model import ProofRecord, ProofRequest, ProofStatus
from .aws_errors import error_code, unavailable
from .sqs import proof_request

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

__all__ = ["PENDING_INDEX", "DynamoDbProofRecords", "proof_item"]

Item = dict[str, Any]
_URLS = ("sha256", "zaak_url", "rol_url", "document_url", "relation_url")
PENDING_INDEX = "PendingProofs"  # template.yaml: SessionTable's sparse index on (outbox, created_at)
_PENDING = {"S": ProofStatus.PENDING.value}


def _key(document_id: UUID) -> Item:
    return {"pk": {"S": f"proof#{document_id}"}}


def proof_item(record: ProofRecord) -> Item:
    """The stored form of a proof record (the outbox entry), with its TTL."""
    item: Item = {
        **_key(record.document_id),
        "kind": {"S": "proof"},
        "reference": {"S": record.reference},
        "flow": {"S": record.flow},
        "status": {"S": record.status.value},
        "s3_key": {"S": record.s3_key},
        "created_at": {"N": str(to_epoch(record.created_at))},
        "expires_at": {"N": str(to_epoch(record.expires_at))},
        "ttl": {"N": str(to_epoch(record.expires_at))},
        "identified": {"BOOL": record.identified},
    }
    if record.status is ProofStatus.PENDING:
        item["outbox"] = _PENDING
    if record.owner_id:
        item["owner_id"] = {"S": record.owner_id}
    if record.message:
        item["message"] = {"S": record.message}
    for name in _URLS:
        if getattr(record, name):
            item[name] = {"S": getattr(record, name)}
    return item


class DynamoDbProofRecords:
    """Progress is written with ``if_not_exists``: a step's recorded result is never replaced by a retry."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, record: ProofRecord) -> None:
        item = proof_item(record)
        try:
            self._client.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise ConcurrentUpdate("This proof exists already.") from exc
            raise unavailable("DynamoDB", exc) from exc
        except BotoCoreError as exc:
            raise unavailable("DynamoDB", exc) from exc

    def get(self, document_id: UUID) -> ProofRecord | None:
        try:
            answer = self._client.get_item(TableName=self._table, Key=_key(document_id), ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise unavailable("DynamoDB", exc) from exc
        item = answer.get("Item")
        return _record(document_id, item) if item else None

    def record_progress(self, document_id: UUID, status: ProofStatus | None = None, **urls: str) -> ProofRecord:
        unknown = set(urls) - set(_URLS)
        if unknown:
            raise ValueError(f"not a proof step: {sorted(unknown)}")
        sets, names, values = [], {}, {}
        for index, (name, value) in enumerate(sorted(urls.items())):
            sets.append(f"#a{index} = if_not_exists(#a{index}, :v{index})")
            names[f"#a{index}"] = name
            values[f":v{index}"] = {"S": value}
        condition = "attribute_exists(pk)"
        if status is not None:
            sets.append("#status = :status")
            names["#status"] = "status"
            values[":status"] = {"S": status.value}
            values[":delivered"] = {"S": ProofStatus.DELIVERED.value}
            # A delivered proof stays delivered, whatever a late duplicate attempt reports.
            condition += " AND #status <> :delivered"
        # Moved on from pending: out of the sparse index, so the sweep no longer sends it again.
        remove = " REMOVE outbox" if status not in (None, ProofStatus.PENDING) else ""
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key=_key(document_id),
                UpdateExpression="SET " + ", ".join(sets) + remove,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                current = self.get(document_id)
                if current is None:
                    raise ProofNotFound("There is no proof with this id.") from exc
                return current
            raise unavailable("DynamoDB", exc) from exc
        except BotoCoreError as exc:
            raise unavailable("DynamoDB", exc) from exc
        return _record(document_id, answer["Attributes"])

    def pending(self, *, created_before: datetime, now: datetime, limit: int) -> list[ProofRequest]:
        """The committed requests still pending that were handed over before ``created_before``, oldest first, at
        most ``limit``: a Query on the sparse index (eventually consistent; a record delivered meanwhile is sent
        once more, which delivery ignores)."""
        args: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": PENDING_INDEX,
            "KeyConditionExpression": "#outbox = :pending AND #created <= :before",
            "FilterExpression": "#expires > :now AND attribute_exists(#message)",
            "ExpressionAttributeNames": {
                "#outbox": "outbox",
                "#created": "created_at",
                "#expires": "expires_at",
                "#message": "message",
            },
            "ExpressionAttributeValues": {
                ":pending": _PENDING,
                ":before": {"N": str(to_epoch(created_before))},
                ":now": {"N": str(to_epoch(now))},
            },
            "ProjectionExpression": "#message",
            "Limit": limit,
        }
        found: list[ProofRequest] = []
        try:
            while len(found) < limit:
                page = self._client.query(**args)
                found.extend(proof_request(item["message"]["S"]) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                args["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise unavailable("DynamoDB", exc) from exc
        return found[:limit]


def _record(document_id: UUID, item: Item) -> ProofRecord:
    def text(name: str) -> str | None:
        return item[name]["S"] if name in item else None

    return ProofRecord(
        document_id=document_id,
        reference=item["reference"]["S"],
        flow=Flow(item["flow"]["S"]),
        status=ProofStatus(item["status"]["S"]),
        s3_key=item["s3_key"]["S"],
        created_at=from_epoch(int(item["created_at"]["N"])),
        expires_at=from_epoch(int(item["expires_at"]["N"])),
        owner_id=text("owner_id"),
        sha256=text("sha256"),
        zaak_url=text("zaak_url"),
        rol_url=text("rol_url"),
        document_url=text("document_url"),
        relation_url=text("relation_url"),
        identified=item.get("identified", {}).get("BOOL", True),
        message=text("message"),
    )
