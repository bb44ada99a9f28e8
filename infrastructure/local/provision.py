"""Create the template's resources in moto, the way CloudFormation would create them in AWS.

Only what the functions talk to is created (tables, keys, buckets, queues, the staff user pool); every other
resource (functions, the HTTP API, CloudFront, log groups, ...) gets a stable placeholder id and ARN, so that
``!Ref``/``!GetAtt`` to it still resolve. Physical names not given in the template are ``<logical-id>-local``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

from .template import Resolver, Template, TemplateError

__all__ = ["Official", "PhysicalResource", "Provisioner", "ResourceRegistry", "seed_official"]

ClientFactory = Callable[[str], Any]


@dataclass(frozen=True)
class PhysicalResource:
    """What a created (or placeholder) resource answers to ``!Ref`` and ``!GetAtt``."""

    logical_id: str
    resource_type: str
    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)
    emulated: bool = True  # False: a placeholder for a resource the local stack does not create


@dataclass(frozen=True)
class Naming:
    region: str
    account_id: str
    stack_name: str
    site_url: str

    @staticmethod
    def physical_name(logical_id: str) -> str:
        return f"{logical_id.lower()}-local"

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"


class ResourceRegistry:
    """Logical id → physical resource; answers the resolver's ``!Ref``/``!GetAtt`` (a ``ResourceLookup``)."""

    def __init__(self, template: Template, naming: Naming, emulated_types: frozenset[str]) -> None:
        self._template = template
        self._naming = naming
        self._emulated_types = emulated_types
        self._resources: dict[str, PhysicalResource] = {}

    def add(self, resource: PhysicalResource) -> None:
        self._resources[resource.logical_id] = resource

    def __getitem__(self, logical_id: str) -> PhysicalResource:
        return self._lookup(logical_id)

    def __iter__(self) -> Iterator[PhysicalResource]:
        return iter(list(self._resources.values()))

    def ref(self, logical_id: str) -> Any:
        return self._lookup(logical_id).ref

    def get_att(self, logical_id: str, attribute: str) -> Any:
        resource = self._lookup(logical_id)
        if attribute in resource.attributes:
            return resource.attributes[attribute]
        if not resource.emulated:
            return f"{self._naming.physical_name(logical_id)}-{attribute.lower()}"
        raise TemplateError(f"!GetAtt {logical_id}.{attribute}: the local stack does not know that attribute")

    def _lookup(self, logical_id: str) -> PhysicalResource:
        if logical_id in self._resources:
            return self._resources[logical_id]
        resource_type = str(self._template.resource(logical_id).get("Type", ""))
        if resource_type in self._emulated_types:
            raise TemplateError(f"{logical_id} is referenced before it was created (or its Condition is false)")
        placeholder = self._placeholder(logical_id, resource_type)
        self._resources[logical_id] = placeholder
        return placeholder

    def _placeholder(self, logical_id: str, resource_type: str) -> PhysicalResource:
        naming, name = self._naming, self._naming.physical_name(logical_id)
        service = resource_type.split("::")[1].lower() if resource_type.count("::") == 2 else "local"
        site_host = urlsplit(naming.site_url).netloc
        special: dict[str, tuple[Any, dict[str, Any]]] = {
            "AWS::Serverless::Function": (name, {"Arn": naming.arn("lambda", f"function:{name}")}),
            "AWS::Serverless::HttpApi": ("local", {"ApiEndpoint": naming.site_url}),
            "AWS::CloudFront::Distribution": ("LOCAL", {"DomainName": site_host, "Id": "LOCAL"}),
            "AWS::Logs::LogGroup": (name, {"Arn": naming.arn("logs", f"log-group:{name}:*")}),
        }
        ref, attributes = special.get(resource_type, (name, {"Arn": naming.arn(service, name), "Id": name}))
        return PhysicalResource(logical_id, resource_type, ref, attributes, emulated=False)


def _ints(values: dict[str, Any], *keys: str) -> dict[str, Any]:
    """CloudFormation accepts "12" where the API wants 12 (a parameter reference is always a string)."""
    return {key: (int(value) if key in keys and isinstance(value, str) else value) for key, value in values.items()}


def _bool(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _pick(properties: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: properties[key] for key in keys if key in properties}


def _references(value: Any) -> Iterator[str]:
    """Names that ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub`` mention anywhere inside a value."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                yield item
            elif key == "Fn::GetAtt":
                yield (item.split(".", 1)[0] if isinstance(item, str) else str(item[0]))
            elif key == "Fn::Sub":
                text = item if isinstance(item, str) else item[0]
                yield from (name.split(".", 1)[0] for name in re.findall(r"\$\{([^!}][^}]*)\}", str(text)))
            yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


class Provisioner:
    """Creates every emulated resource of the template in dependency order and records it in the registry."""

    _CREATORS: ClassVar[dict[str, str]] = {
        "AWS::DynamoDB::Table": "_table",
        "AWS::KMS::Key": "_kms_key",
        "AWS::KMS::Alias": "_kms_alias",
        "AWS::S3::Bucket": "_bucket",
        "AWS::SQS::Queue": "_queue",
        "AWS::Cognito::UserPool": "_user_pool",
        "AWS::Cognito::UserPoolClient": "_user_pool_client",
        "AWS::Cognito::UserPoolGroup": "_user_pool_group",
    }
    EMULATED_TYPES: ClassVar[frozenset[str]] = frozenset(_CREATORS)

    def __init__(
        self, template: Template, resolver: Resolver, registry: ResourceRegistry, naming: Naming, client: ClientFactory
    ) -> None:
        self._template = template
        self._resolver = resolver
        self._registry = registry
        self._naming = naming
        self._client = client

    def provision(self) -> None:
        for logical_id in self._creation_order():
            resource = self._template.resource(logical_id)
            properties = self._resolver.resolve(resource.get("Properties") or {})
            try:
                created = getattr(self, self._CREATORS[resource["Type"]])(logical_id, properties)
            except TemplateError:
                raise
            except Exception as exc:  # boto3 errors: name the resource, keep the cause
                raise TemplateError(f"Creating {logical_id} ({resource['Type']}) locally failed: {exc}") from exc
            self._registry.add(created)

    def _creation_order(self) -> list[str]:
        """Emulated, active resources, each after the emulated resources it references (template order otherwise)."""
        pending = {
            logical_id: resource
            for logical_id, resource in self._template.resources.items()
            if resource.get("Type") in self.EMULATED_TYPES and self._resolver.is_active(logical_id)
        }
        needs = {
            logical_id: {
                name
                for name in [*_references(resource.get("Properties")), *self._depends_on(resource)]
                if name in pending and name != logical_id
            }
            for logical_id, resource in pending.items()
        }
        order: list[str] = []
        while needs:
            ready = [logical_id for logical_id, required in needs.items() if not required - set(order)]
            if not ready:
                raise TemplateError(f"Circular references between {sorted(needs)}")
            order.extend(ready)
            for logical_id in ready:
                del needs[logical_id]
        return order

    @staticmethod
    def _depends_on(resource: dict[str, Any]) -> list[str]:
        depends = resource.get("DependsOn") or []
        return [depends] if isinstance(depends, str) else list(depends)

    # ------------------------------------------------------------------ DynamoDB

    def _table(self, logical_id: str, p: dict[str, Any]) -> PhysicalResource:
        dynamodb = self._client("dynamodb")
        name = p.get("TableName") or self._naming.physical_name(logical_id)
        request: dict[str, Any] = {
            "TableName": name,
            "KeySchema": p["KeySchema"],
            "AttributeDefinitions": p["AttributeDefinitions"],
            "BillingMode": p.get("BillingMode", "PROVISIONED"),
            **_pick(p, "LocalSecondaryIndexes", "DeletionProtectionEnabled"),
        }
        if "StreamSpecification" in p:  # CloudFormation names only the view type; the API needs StreamEnabled too
            request["StreamSpecification"] = {"StreamEnabled": True, **p["StreamSpecification"]}
        if "ProvisionedThroughput" in p:
            request["ProvisionedThroughput"] = _ints(
                p["ProvisionedThroughput"], "ReadCapacityUnits", "WriteCapacityUnits"
            )
        if "GlobalSecondaryIndexes" in p:
            request["GlobalSecondaryIndexes"] = [
                {
                    **index,
                    **(
                        {
                            "ProvisionedThroughput": _ints(
                                index["ProvisionedThroughput"], "ReadCapacityUnits", "WriteCapacityUnits"
                            )
                        }
                        if "ProvisionedThroughput" in index
                        else {}
                    ),
                }
                for index in p["GlobalSecondaryIndexes"]
            ]
        if "SSESpecification" in p:
            sse = p["SSESpecification"]
            request["SSESpecification"] = {
                "Enabled": _bool(sse.get("SSEEnabled")),
                **_pick(sse, "SSEType", "KMSMasterKeyId"),
            }
        if p.get("Tags"):
            request["Tags"] = p["Tags"]
        table = dynamodb.create_table(**request)["TableDescription"]
        ttl = p.get("TimeToLiveSpecification")
        if ttl and _bool(ttl.get("Enabled")):
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
            )
        pitr = p.get("PointInTimeRecoverySpecification")
        if pitr and _bool(pitr.get("PointInTimeRecoveryEnabled")):
            dynamodb.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
            )
        attributes = {"Arn": table["TableArn"]}
        if "LatestStreamArn" in table:
            attributes["StreamArn"] = table["LatestStreamArn"]
        return PhysicalResource(logical_id, "AWS::DynamoDB::Table", name, attributes)

    # ------------------------------------------------------------------ KMS

    def _kms_key(self, logical_id: str, p: dict[str, Any]) -> PhysicalResource:
        kms = self._client("kms")
        request = {
            "KeySpec": p.get("KeySpec", "SYMMETRIC_DEFAULT"),
            "KeyUsage": p.get("KeyUsage", "ENCRYPT_DECRYPT"),
            "Description": p.get("Description", ""),
            "Tags": [{"TagKey": tag["Key"], "TagValue": tag["Value"]} for tag in p.get("Tags", [])],
        }
        metadata = kms.create_key(**request)["KeyMetadata"]
        if _bool(p.get("EnableKeyRotation")) and request["KeySpec"] == "SYMMETRIC_DEFAULT":
            kms.enable_key_rotation(KeyId=metadata["KeyId"])
        return PhysicalResource(
            logical_id, "AWS::KMS::Key", metadata["KeyId"], {"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]}
        )

    def _kms_alias(self, logical_id: str, p: dict[str, Any]) -> PhysicalResource:
        self._client("kms").create_alias(AliasName=p["AliasName"], TargetKeyId=p["TargetKeyId"])
        return PhysicalResource(logical_id, "AWS::KMS::Alias", p["AliasName"])

    # ------------------------------------------------------------------ S3

    def _bucket(self, logical_id: str, p: dict[str, Any]) -> PhysicalResource:
        s3 = self._client("s3")
        name = p.get("BucketName") or self._naming.physical_name(logical_id)
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": self._naming.region})
        if "BucketEncryption" in p:
            rules = [
                {
                    **_pick(rule, "BucketKeyEnabled"),
                    "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                }
                for rule in p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if "PublicAccessBlockConfiguration" in p:
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={k: _bool(v) for k, v in p["PublicAccessBlockConfiguration"].items()},
            )
        if "OwnershipControls" in p:
            s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=p["OwnershipControls"])
        if "VersioningConfiguration" in p:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=p["VersioningConfiguration"])
        if "LifecycleConfiguration" in p:
            rules = [_lifecycle_rule(rule) for rule in p["LifecycleConfiguration"]["Rules"]]
            s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
        region = self._naming.region
        return PhysicalResource(
            logical_id,
            "AWS::S3::Bucket",
            name,
            {
                "Arn": f"arn:aws:s3:::{name}",
                "DomainName": f"{name}.s3.amazonaws.com",
                "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
                "WebsiteURL": f"http://{name}.s3-website.{region}.amazonaws.com",
            },
        )

    # ------------------------------------------------------------------ SQS

    def _queue(self, logical_id: str, p: dict[str, Any]) -> PhysicalResource:
        fifo = _bool(p.get("FifoQueue"))
        name = p.get("QueueName") or self._naming.physical_name(logical_id) + (".fifo" if fifo else "")
        attributes = {
            key: (
                json.dumps(value)
                if isinstance(value, dict)
                else str(value).lower()
                if isinstance(value, bool)
                else str(value)
            )
            for key, value in p.items()
            if key
            in {
                "DelaySeconds",
                "MaximumMessageSize",
                "MessageRetentionPeriod",
                "ReceiveMessageWaitTimeSeconds",
                "VisibilityTimeout",
                "KmsMasterKeyId",
                "RedrivePolicy",
                "FifoQueue",
                "ContentBasedDeduplication",
                "SqsManagedSseEnabled",
            }
        }
        url = self._client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        return PhysicalResource(
            logical_id,
            "AWS::SQS::Queue",
            url,
            {
                "Arn": self._naming.arn("sqs", name),
                "QueueName": name,
                "QueueUrl": url,
            },
        )

    # ------------------------------------------------------------------ Cognito

    def _user_pool(self, logical_id: str, p: dict[str, Any]) -> PhysicalResource:
        cognito = self._client("cognito-idp")
        request = _pick(
            p,
            "AutoVerifiedAttributes",
            "AliasAttributes",
            "UsernameAttributes",
            "UsernameConfiguration",
            "AdminCreateUserConfig",
            "Schema",
            "MfaConfiguration",
            "AccountRecoverySetting",
            "DeviceConfiguration",
            "EmailConfiguration",
            "VerificationMessageTemplate",
            "UserAttributeUpdateSettings",
            "DeletionProtection",
            "UserPoolTags",
            "UserPoolAddOns",
            "EmailVerificationMessage",
            "EmailVerificationSubject",
        )
        if "Policies" in p:
            policies = dict(p["Policies"])
            if "PasswordPolicy" in policies:
                policies["PasswordPolicy"] = _ints(
                    policies["PasswordPolicy"], "MinimumLength", "TemporaryPasswordValidityDays", "PasswordHistorySize"
                )
            request["Policies"] = policies
        pool = cognito.create_user_pool(
            PoolName=p.get("UserPoolName") or self._naming.physical_name(logical_id), **request
        )["UserPool"]
        if "SOFTWARE_TOKEN_MFA" in p.get("EnabledMfas", []):
            cognito.set_user_pool_mfa_config(
                UserPoolId=pool["Id"],
                SoftwareTokenMfaConfiguration={"Enabled": True},
                MfaConfiguration=p.get("MfaConfiguration", "OFF"),
            )
        issuer_path = f"cognito-idp.{self._naming.region}.amazonaws.com/{pool['Id']}"
        return PhysicalResource(
            logical_id,
            "AWS::Cognito::UserPool",
            pool["Id"],
            {
                "Arn": pool["Arn"],
                "UserPoolId": pool["Id"],
                "ProviderName": issuer_path,
                "ProviderURL": f"https://{issuer_path}",
            },
        )

    def _user_pool_client(self, logical_id: str, p: dict[str, Any]) -> PhysicalResource:
        cognito = self._client("cognito-idp")
        request = _pick(
            p,
            "GenerateSecret",
            "RefreshTokenValidity",
            "AccessTokenValidity",
            "IdTokenValidity",
            "TokenValidityUnits",
            "ReadAttributes",
            "WriteAttributes",
            "ExplicitAuthFlows",
            "SupportedIdentityProviders",
            "CallbackURLs",
            "LogoutURLs",
            "DefaultRedirectURI",
            "AllowedOAuthFlows",
            "AllowedOAuthScopes",
            "AllowedOAuthFlowsUserPoolClient",
            "PreventUserExistenceErrors",
            "EnableTokenRevocation",
            "AuthSessionValidity",
        )
        request = _ints(
            request, "RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity", "AuthSessionValidity"
        )
        if "ReadAttributes" not in request:
            # Cognito: no ReadAttributes = every attribute readable (name and email reach the id token). moto reads
            # an absent list as "none", so the local stack spells out Cognito's default.
            request["ReadAttributes"] = self._all_attributes(p["UserPoolId"])
        client = cognito.create_user_pool_client(
            UserPoolId=p["UserPoolId"],
            ClientName=p.get("ClientName") or self._naming.physical_name(logical_id),
            **request,
        )["UserPoolClient"]
        attributes = {"ClientId": client["ClientId"], "Name": client["ClientName"]}
        if client.get("ClientSecret"):
            attributes["ClientSecret"] = client["ClientSecret"]
        return PhysicalResource(logical_id, "AWS::Cognito::UserPoolClient", client["ClientId"], attributes)

    def _all_attributes(self, user_pool_id: str) -> list[str]:
        pool = self._client("cognito-idp").describe_user_pool(UserPoolId=user_pool_id)["UserPool"]
        names = [attribute["Name"] for attribute in pool.get("SchemaAttributes", [])]
        if "email" in names and "email_verified" not in names:
            names.append("email_verified")
        return names

    def _user_pool_group(self, logical_id: str, p: dict[str, Any]) -> PhysicalResource:
        name = p.get("GroupName") or self._naming.physical_name(logical_id)
        request = _ints(_pick(p, "Description", "Precedence"), "Precedence")
        self._client("cognito-idp").create_group(UserPoolId=p["UserPoolId"], GroupName=name, **request)
        return PhysicalResource(logical_id, "AWS::Cognito::UserPoolGroup", name)


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the shape of the S3 API (the two differ)."""
    result: dict[str, Any] = {
        "ID": rule.get("Id", "rule"),
        "Status": rule.get("Status", "Enabled"),
        "Filter": {"Prefix": rule["Prefix"]} if "Prefix" in rule else {},
    }
    expiration: dict[str, Any] = {}
    if "ExpirationInDays" in rule:
        expiration["Days"] = int(rule["ExpirationInDays"])
    if "ExpiredObjectDeleteMarker" in rule:
        expiration["ExpiredObjectDeleteMarker"] = _bool(rule["ExpiredObjectDeleteMarker"])
    if expiration:
        result["Expiration"] = expiration
    if "NoncurrentVersionExpiration" in rule:
        result["NoncurrentVersionExpiration"] = _ints(
            rule["NoncurrentVersionExpiration"], "NoncurrentDays", "NewerNoncurrentVersions"
        )
    if "AbortIncompleteMultipartUpload" in rule:
        result["AbortIncompleteMultipartUpload"] = _ints(rule["AbortIncompleteMultipartUpload"], "DaysAfterInitiation")
    return result


@dataclass(frozen=True)
class Official:
    """A staff account in the local user pool (the seeded test official, or one a test adds)."""

    username: str
    password: str
    name: str
    groups: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"username": self.username, "password": self.password, "name": self.name, "groups": list(self.groups)}


def seed_official(cognito: Any, user_pool_id: str, official: Official) -> None:
    """Create a confirmed account with a permanent password, member of its groups (created when missing)."""
    email = official.username if "@" in official.username else f"{official.username}@example.invalid"
    cognito.admin_create_user(
        UserPoolId=user_pool_id,
        Username=official.username,
        UserAttributes=[
            {"Name": "name", "Value": official.name},
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=user_pool_id, Username=official.username, Password=official.password, Permanent=True
    )
    existing = {group["GroupName"] for group in cognito.list_groups(UserPoolId=user_pool_id)["Groups"]}
    for group in official.groups:
        if group not in existing:
            cognito.create_group(UserPoolId=user_pool_id, GroupName=group)
        cognito.admin_add_user_to_group(UserPoolId=user_pool_id, Username=official.username, GroupName=group)
