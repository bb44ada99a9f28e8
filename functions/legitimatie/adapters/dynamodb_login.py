"""The login's DynamoDB repositories now live in ``adapters.dynamodb.logins``; this name stays for the functions that
import it from here, until they import ``legitimatie.adapters.dynamodb`` instead."""

from .dynamodb.items import identification_item, result_item
from .dynamodb.logins import DynamoDbIdentifications, DynamoDbPendingLogins, DynamoDbResidentResults

__all__ = [
    "DynamoDbIdentifications",
    "DynamoDbPendingLogins",
    "DynamoDbResidentResults",
    "identification_item",
    "result_item",
]
