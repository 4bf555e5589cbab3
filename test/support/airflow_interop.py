"""Airflow's secrets backends, as their sources state them, over Debian's real clients.

The interop suite (test/integration/interop/) runs this with Debian's python3 against the
loopback emulators: hvac for HashiCorp Vault, boto3 for Secrets Manager and SSM Parameter
Store, azure-keyvault-secrets' SecretClient (with azure-identity's ClientSecretCredential)
for Azure Key Vault. Nothing here is Airlock's code or Airflow's code: it restates, in a few
lines each, what Airflow's backends do with what those clients return
(providers/hashicorp/.../secrets/vault.py and _internal_client/vault_client.py,
providers/amazon/.../secrets/secrets_manager.py and systems_manager.py,
providers/microsoft/azure/.../secrets/key_vault.py, and the core's
BaseSecretsBackend.build_path / deserialize_connection and Connection's URI and JSON
parsing; reference: /work/shared/reference/airflow-secrets.md §4, §6, §12).

stdin: one JSON request {"service", "config", "ops": [...]}; stdout: {"results": [...]}, one
result per op. Ops:
  {"op": "get_connection", "id"}  -> {"value": <get_conn_value text>, "connection": fields}
  {"op": "get_variable", "id"}    -> {"value": <get_variable text>}
  {"op": "call", "method", "kwargs"} -> {"response": ...} or {"error": {"code", "status", "message"}}
    a client method by dotted name (hvac: "secrets.kv.v2.list_secrets"; boto3: "get_parameter";
    Azure: "get_secret"), for the wire-level checks.
"""

import json
import re
import sys
from datetime import datetime
from urllib.parse import parse_qsl, unquote, urlsplit


# --------------------------------------------------------------------------------------
# Connection parsing: Connection(uri=...) and Connection.from_json, core behaviour with query
# values kept as strings (Airflow 2.3-2.11 and core 3.0-3.1.5; reference §4, §6).


def _normalize_conn_type(scheme):
    if scheme == "postgresql":
        return "postgres"
    return scheme.replace("-", "_")


def parse_uri(uri):
    if uri.count("://") > 2:
        raise ValueError(f"Invalid connection string: {uri}.")
    host_with_protocol = uri.count("://") == 2
    first = urlsplit(uri)
    conn_type = _normalize_conn_type(first.scheme)
    rest = uri.replace(f"{first.scheme}://", "" if host_with_protocol else "//")
    protocol = None
    if host_with_protocol:
        before = rest.split("://", 1)[0]
        if "@" in before or ":" in before:
            raise ValueError(f"Invalid connection string: {uri}.")
    parts = urlsplit(rest)
    if host_with_protocol:
        protocol = parts.scheme
    host = unquote(parts.hostname or "")
    if "/" in host:
        netloc = parts.netloc.rsplit("@", 1)[-1]
        host = unquote(netloc.split(":", 1)[0])
    if protocol and host:
        host = f"{protocol}://{host}"
    login = unquote(parts.username) if parts.username else parts.username
    password = unquote(parts.password) if parts.password else parts.password
    extra = None
    if parts.query:
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        extra = query["__extra__"] if "__extra__" in query else json.dumps(query)
    return {
        "conn_type": conn_type,
        "host": host,
        "schema": unquote(parts.path[1:]) if parts.path else "",
        "login": login,
        "password": password or None,  # the core's password setter keeps no empty value
        "port": parts.port,
        "extra": extra,
    }


def parse_json(text):
    data = json.loads(text)
    allowed = {"conn_type", "description", "host", "login", "password", "schema", "port", "extra", "uri"}
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"unexpected keyword argument {sorted(unknown)[0]!r}")
    if data.get("uri"):
        return parse_uri(data["uri"])
    extra = data.get("extra")
    if isinstance(extra, dict):
        extra = json.dumps(extra)
    port = data.get("port")
    conn_type = data.get("conn_type")
    return {
        "conn_type": _normalize_conn_type(conn_type) if conn_type else conn_type,
        "host": data.get("host"),
        "schema": data.get("schema"),
        "login": data.get("login"),
        "password": data.get("password") or None,
        "port": int(port) if port else None,
        "extra": extra,
    }


def deserialize_connection(value):
    """BaseSecretsBackend.deserialize_connection: JSON when it starts with '{', else a URI."""
    value = value.strip()
    fields = parse_json(value) if value[0] == "{" else parse_uri(value)
    if fields["extra"] is not None:
        fields["extra"] = json.loads(fields["extra"])
    return fields


def build_path(prefix, secret_id, sep="/"):
    return f"{prefix}{sep}{secret_id}"


# --------------------------------------------------------------------------------------
# Backends


class Vault:
    """VaultBackend (auth_type token) over hvac; KV v1 or v2."""

    def __init__(self, config):
        import hvac

        self.client = hvac.Client(url=config["url"], token=config["token"])
        self.mount_point = config.get("mount_point", "secret")
        self.kv_engine_version = config.get("kv_engine_version", 2)
        self.connections_path = _strip(config.get("connections_path", "connections"))
        self.variables_path = _strip(config.get("variables_path", "variables"))

    def _get_secret(self, base, key):
        from hvac.exceptions import InvalidPath

        if base is None:
            return None
        path = build_path(base, key) if base else key
        try:
            if self.kv_engine_version == 1:
                response = self.client.secrets.kv.v1.read_secret(path=path, mount_point=self.mount_point)
                return response["data"]
            response = self.client.secrets.kv.v2.read_secret_version(
                path=path, mount_point=self.mount_point, version=None
            )
            return response["data"]["data"]
        except InvalidPath:
            return None

    def get_conn_value(self, conn_id):
        response = self._get_secret(self.connections_path, conn_id)
        if response is None:
            return None
        uri = response.get("conn_uri")
        if uri:
            return uri
        return json.dumps(response)

    def get_variable(self, key):
        response = self._get_secret(self.variables_path, key)
        if not response:
            return None
        return response.get("value")


def _strip(path):
    return path.rstrip("/") if isinstance(path, str) else path


class _Aws:
    service = ""

    def __init__(self, config):
        import boto3

        session = boto3.session.Session(
            aws_access_key_id=config["access_key_id"],
            aws_secret_access_key=config["secret_access_key"],
            region_name=config["region"],
        )
        self.client = session.client(self.service, endpoint_url=config["url"])


class SecretsManager(_Aws):
    """SecretsManagerBackend: name prefix + sep + id; JSON secrets get their keys aliased."""

    service = "secretsmanager"
    words = {
        "login": ["login", "user", "username", "user_name"],
        "password": ["password", "pass", "key"],
        "host": ["host", "remote_host", "server"],
        "port": ["port"],
        "schema": ["database", "schema"],
        "conn_type": ["conn_type", "conn_id", "connection_type", "engine"],
        "extra": ["extra"],
    }

    def __init__(self, config):
        super().__init__(config)
        self.connections_prefix = config.get("connections_prefix", "airflow/connections")
        self.variables_prefix = config.get("variables_prefix", "airflow/variables")
        self.sep = config.get("sep", "/")

    def _get_secret(self, prefix, secret_id):
        name = build_path(prefix, secret_id, self.sep) if prefix else secret_id
        errors = self.client.exceptions
        try:
            return self.client.get_secret_value(SecretId=name).get("SecretString")
        except (
            errors.ResourceNotFoundException,
            errors.InvalidParameterException,
            errors.InvalidRequestException,
            errors.DecryptionFailure,
            errors.InternalServiceError,
        ):
            return None

    def get_conn_value(self, conn_id):
        if self.connections_prefix is None:
            return None
        secret = self._get_secret(self.connections_prefix, conn_id)
        if secret is not None and secret.strip().startswith("{"):
            data = json.loads(secret)
            # The first key in the secret's own order that names the field wins.
            return json.dumps(
                {
                    field: next((v for k, v in data.items() if k in words), None)
                    for field, words in self.words.items()
                }
            )
        return secret

    def get_variable(self, key):
        if self.variables_prefix is None:
            return None
        return self._get_secret(self.variables_prefix, key)


class ParameterStore(_Aws):
    """SystemsManagerParameterStoreBackend: prefix + '/' + id with a leading '/', decrypted."""

    service = "ssm"

    def __init__(self, config):
        super().__init__(config)
        self.connections_prefix = config.get("connections_prefix", "/airflow/connections")
        self.variables_prefix = config.get("variables_prefix", "/airflow/variables")

    def _get_secret(self, prefix, secret_id):
        name = build_path(prefix, secret_id)
        if not name.startswith("/"):
            name = "/" + name
        try:
            return self.client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        except self.client.exceptions.ParameterNotFound:
            return None

    def get_conn_value(self, conn_id):
        if self.connections_prefix is None:
            return None
        return self._get_secret(self.connections_prefix, conn_id)

    def get_variable(self, key):
        if self.variables_prefix is None:
            return None
        return self._get_secret(self.variables_prefix, key)


class KeyVault:
    """AzureKeyVaultBackend: prefix + sep + id with every '_' turned into sep; current
    providers skip, without a request, a name Key Vault cannot hold."""

    NAME = re.compile(r"[0-9a-zA-Z-]{1,127}")

    def __init__(self, config):
        from azure.identity import ClientSecretCredential
        from azure.keyvault.secrets import SecretClient

        credential = ClientSecretCredential(
            config["tenant_id"],
            config["client_id"],
            config["client_secret"],
            authority=config["authority_host"],
            connection_verify=config["ca_path"],
            **_instance_discovery_off(),
        )
        self.client = SecretClient(
            vault_url=config["vault_url"],
            credential=credential,
            verify_challenge_resource=False,
            connection_verify=config["ca_path"],
        )
        self.connections_prefix = config.get("connections_prefix", "airflow-connections")
        self.variables_prefix = config.get("variables_prefix", "airflow-variables")
        self.sep = config.get("sep", "-")

    def build_path(self, prefix, secret_id):
        path = f"{prefix}{self.sep}{secret_id}" if prefix else secret_id
        return path.replace("_", self.sep)

    def _get_secret(self, prefix, secret_id):
        from azure.core.exceptions import ResourceNotFoundError

        name = self.build_path(prefix, secret_id)
        if not self.NAME.fullmatch(name):
            return None
        try:
            return self.client.get_secret(name=name).value
        except ResourceNotFoundError:
            return None

    def get_conn_value(self, conn_id):
        if self.connections_prefix is None:
            return None
        return self._get_secret(self.connections_prefix, conn_id)

    def get_variable(self, key):
        if self.variables_prefix is None:
            return None
        return self._get_secret(self.variables_prefix, key)


def _instance_discovery_off():
    """azure-identity spells it `instance_discovery=False` in 1.13 betas and
    `disable_instance_discovery=True` from 1.13.0 on."""
    import inspect

    from azure.identity._internal import msal_credentials

    params = inspect.signature(msal_credentials.MsalCredential.__init__).parameters
    if "disable_instance_discovery" in params:
        return {"disable_instance_discovery": True}
    return {"instance_discovery": False}


BACKENDS = {"vault": Vault, "secretsmanager": SecretsManager, "ssm": ParameterStore, "azure": KeyVault}


# --------------------------------------------------------------------------------------


def _plain(value):
    """Client answers as JSON: datetimes as ISO text, SDK models as their fields."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "properties") and hasattr(value, "value"):  # KeyVaultSecret
        return {"name": value.name, "value": value.value, "version": value.properties.version}
    if hasattr(value, "name") and hasattr(value, "enabled"):  # SecretProperties
        return {"name": value.name, "enabled": value.enabled}
    return repr(value)


def _error(exc):
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:  # botocore ClientError
        return {
            "code": response["Error"].get("Code"),
            "status": response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
            "message": response["Error"].get("Message"),
        }
    status = getattr(exc, "status_code", None)
    if status is None and response is not None:
        status = getattr(response, "status_code", None)
    return {"code": type(exc).__name__, "status": status, "message": str(exc)}


def call(backend, method, kwargs):
    target = backend.client
    if method.startswith("paginate:"):
        pages = target.get_paginator(method.split(":", 1)[1]).paginate(**kwargs)
        return [_plain(p) for p in pages]
    for part in method.split("."):
        target = getattr(target, part)
    result = target(**kwargs)
    if hasattr(result, "__iter__") and not isinstance(result, (dict, list, str, bytes)):
        result = list(result)
    return _plain(result)


def run(request):
    backend = BACKENDS[request["service"]](request["config"])
    results = []
    for op in request["ops"]:
        try:
            if op["op"] == "get_connection":
                value = backend.get_conn_value(op["id"])
                conn = deserialize_connection(value) if value is not None else None
                results.append({"value": value, "connection": conn})
            elif op["op"] == "get_variable":
                results.append({"value": backend.get_variable(op["id"])})
            elif op["op"] == "call":
                results.append({"response": call(backend, op["method"], op.get("kwargs", {}))})
            else:
                raise ValueError(f"unknown op {op['op']}")
        except Exception as exc:  # every failure is an answer the test asserts on
            results.append({"error": _error(exc)})
    return {"results": results}


if __name__ == "__main__":
    json.dump(run(json.load(sys.stdin)), sys.stdout)
