"""The official Databricks SDK for Python against `brickform emulator`, unchanged.

Usage: python check_emulator.py BASE_URL

Creates credentials, a storage configuration, a network and a workspace, waits for RUNNING
with the SDK's own waiter, checks that a duplicate credentials name and the delete of a
network in use are refused, and deletes everything. Exits non-zero on the first surprise.
"""

import sys
import time
from datetime import timedelta

from databricks.sdk import AccountClient
from databricks.sdk.errors import DatabricksError, NotFound, ResourceConflict
from databricks.sdk.service import provisioning

ACCOUNT_ID = "00000000-0000-0000-0000-000000000001"
CLIENT_ID = "brickform-local"
CLIENT_SECRET = "brickform-local-secret"


def step(message: str) -> None:
    print(message, flush=True)


def expect_refusal(action, error_code: str, what: str) -> None:
    try:
        action()
    except DatabricksError as error:
        if error.error_code != error_code:
            raise AssertionError(f"{what}: expected {error_code}, got {error.error_code}: {error}")
        step(f"refused as expected: {what}: {type(error).__name__} {error.error_code}: {error}")
        return
    raise AssertionError(f"{what} was accepted")


def delete_when_free(delete, what: str, timeout_seconds: float = 30.0) -> None:
    """Deletes an object, retrying while a deleted workspace still holds it (409), as the SDK's
    own integration tests do."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            delete()
            step(f"deleted {what}")
            return
        except ResourceConflict:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def main() -> int:
    host = sys.argv[1]
    account = AccountClient(
        host=host,
        account_id=ACCOUNT_ID,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    step(f"auth type: {account.config.auth_type}")

    credentials = account.credentials.create(
        credentials_name="sdk-credentials",
        aws_credentials=provisioning.CreateCredentialAwsCredentials(
            sts_role=provisioning.CreateCredentialStsRole(
                role_arn="arn:aws:iam::123456789012:role/sdk-check"
            )
        ),
    )
    step(f"created credentials {credentials.credentials_id}")

    storage = account.storage.create(
        storage_configuration_name="sdk-storage",
        root_bucket_info=provisioning.RootBucketInfo(bucket_name="sdk-check-root"),
    )
    step(f"created storage configuration {storage.storage_configuration_id}")

    network = account.networks.create(
        network_name="sdk-network",
        vpc_id="vpc-0sdkcheck",
        subnet_ids=["subnet-0sdka", "subnet-0sdkb"],
        security_group_ids=["sg-0sdk"],
    )
    step(f"created network {network.network_id} ({network.vpc_status.value})")

    waiter = account.workspaces.create(
        workspace_name="sdk-workspace",
        aws_region="us-west-2",
        credentials_id=credentials.credentials_id,
        storage_configuration_id=storage.storage_configuration_id,
        network_id=network.network_id,
        custom_tags={"Env": "sdk-check"},
    )
    step(f"created workspace {waiter.workspace_id} ({waiter.response.workspace_status.value})")
    workspace = waiter.result(timeout=timedelta(minutes=2))
    assert workspace.workspace_status == provisioning.WorkspaceStatus.RUNNING, workspace
    step(f"workspace {workspace.workspace_id} is {workspace.workspace_status.value}: {workspace.deployment_name}")

    attached = account.networks.get(network.network_id)
    assert attached.vpc_status == provisioning.VpcStatus.VALID, attached
    assert attached.workspace_id == workspace.workspace_id, attached
    step(f"network {attached.network_id} is {attached.vpc_status.value} for workspace {attached.workspace_id}")

    listed = [item.workspace_id for item in account.workspaces.list()]
    assert listed == [workspace.workspace_id], listed

    expect_refusal(
        lambda: account.credentials.create(
            credentials_name="sdk-credentials",
            aws_credentials=provisioning.CreateCredentialAwsCredentials(
                sts_role=provisioning.CreateCredentialStsRole(
                    role_arn="arn:aws:iam::123456789012:role/sdk-check"
                )
            ),
        ),
        "RESOURCE_ALREADY_EXISTS",
        "a duplicate credentials name",
    )
    expect_refusal(
        lambda: account.networks.delete(network.network_id),
        "INVALID_STATE",
        "deleting a network in use",
    )

    deleted = account.workspaces.delete(workspace.workspace_id)
    step(f"deleted workspace {deleted.workspace_id} ({deleted.workspace_status.value})")
    deadline = time.monotonic() + 30
    while True:
        try:
            account.workspaces.get(workspace.workspace_id)
        except NotFound:
            step(f"workspace {workspace.workspace_id} is gone")
            break
        if time.monotonic() > deadline:
            raise AssertionError("the deleted workspace never disappeared")
        time.sleep(0.5)
    delete_when_free(lambda: account.networks.delete(network.network_id), f"network {network.network_id}")
    delete_when_free(
        lambda: account.storage.delete(storage.storage_configuration_id),
        f"storage configuration {storage.storage_configuration_id}",
    )
    delete_when_free(
        lambda: account.credentials.delete(credentials.credentials_id),
        f"credentials {credentials.credentials_id}",
    )
    remaining = {
        "credentials": list(account.credentials.list()),
        "storage": list(account.storage.list()),
        "networks": list(account.networks.list()),
        "workspaces": list(account.workspaces.list()),
    }
    assert all(not items for items in remaining.values()), remaining
    step("the Databricks SDK for Python works against the emulator")
    step("sdk: 1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
