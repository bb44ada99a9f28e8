"""The proofs' DynamoDB repository now lives in ``adapters.dynamodb.proofs``; this name stays for the functions that
import it from here, until they import ``legitimatie.adapters.dynamodb`` instead."""

from .dynamodb.proofs import PENDING_INDEX, DynamoDbProofRecords, proof_item

__all__ = ["PENDING_INDEX", "DynamoDbProofRecords", "proof_item"]
