//! SQLite state: every object, workspace lifecycle timestamps, references and issued tokens.
//!
//! One connection behind a mutex serves every request, and every state change is one
//! `BEGIN IMMEDIATE` transaction, so concurrent requests neither lose writes nor slip a
//! duplicate name past a check. Calls run on tokio's blocking pool: SQLite work never stalls
//! the reactor.
//!
//! Objects are stored as their wire JSON (what a GET answers) next to the few columns that are
//! looked up or constrained: names, deployment names, the network a workspace uses, subnets and
//! security groups, and a `refs` table from every object to whoever uses it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use api_types::{Collection, Network, Workspace};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::StateLocation;
use crate::error::{ApiError, Error};
use crate::lifecycle::{Failure, Lifecycle};

const SCHEMA_VERSION: &str = "1";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (collection, id)
);
CREATE INDEX IF NOT EXISTS objects_by_collection ON objects (collection, seq);
CREATE UNIQUE INDEX IF NOT EXISTS credentials_names ON objects (name)
    WHERE collection = 'credentials';
CREATE TABLE IF NOT EXISTS network_resources (
    kind TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    network_id TEXT NOT NULL,
    PRIMARY KEY (kind, resource_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS network_resources_by_network ON network_resources (network_id);
CREATE TABLE IF NOT EXISTS workspaces (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL UNIQUE,
    deployment_name TEXT NOT NULL UNIQUE,
    network_id TEXT UNIQUE,
    body TEXT NOT NULL,
    ready_at INTEGER NOT NULL,
    failure TEXT,
    was_running INTEGER NOT NULL DEFAULT 0,
    deleted_at INTEGER,
    gone_at INTEGER
);
CREATE INDEX IF NOT EXISTS workspaces_by_gone_at ON workspaces (gone_at)
    WHERE gone_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS refs (
    object_id TEXT NOT NULL,
    owner_kind TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    PRIMARY KEY (object_id, owner_kind, owner_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS refs_by_owner ON refs (owner_kind, owner_id);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
";

/// The emulator's database.
#[derive(Clone)]
pub(crate) struct Store {
    connection: Arc<Mutex<Connection>>,
}

impl Store {
    pub(crate) fn open(location: &StateLocation, account_id: &str) -> Result<Store, Error> {
        let path = match location {
            StateLocation::Memory => PathBuf::from(":memory:"),
            StateLocation::File(path) => path.clone(),
        };
        let connection = match location {
            StateLocation::Memory => Connection::open_in_memory(),
            StateLocation::File(path) => Connection::open(path),
        }
        .map_err(|source| Error::OpenState {
            path: path.clone(),
            source,
        })?;
        prepare(&connection, &path, account_id)?;
        Ok(Store {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// Runs `work` in one write transaction, after removing workspaces whose teardown ended by
    /// `now_ms`. An `Err` rolls everything back.
    pub(crate) async fn write<T, F>(&self, now_ms: i64, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let connection = Arc::clone(&self.connection);
        run_blocking(move || {
            let mut guard = lock(&connection);
            let transaction = guard.transaction_with_behavior(TransactionBehavior::Immediate)?;
            purge_torn_down_workspaces(&transaction, now_ms)?;
            let res = work(&transaction)?;
            transaction.commit()?;
            Ok(res)
        })
        .await
    }

    /// Runs `work` in one read transaction: a consistent view of every table.
    pub(crate) async fn read<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let connection = Arc::clone(&self.connection);
        run_blocking(move || {
            let mut guard = lock(&connection);
            let transaction = guard.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let res = work(&transaction)?;
            transaction.commit()?;
            Ok(res)
        })
        .await
    }

    /// The same as [`Store::write`] for callers outside the runtime (start-up).
    pub(crate) fn write_now<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, rusqlite::Error>,
    ) -> Result<T, rusqlite::Error> {
        let mut guard = lock(&self.connection);
        let transaction = guard.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let res = work(&transaction)?;
        transaction.commit()?;
        Ok(res)
    }
}

fn lock(connection: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock rolled its transaction back when the transaction dropped;
    // the connection itself is still sound.
    connection
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(res) => res,
        Err(join_error) => Err(ApiError::internal(&join_error)),
    }
}

fn prepare(connection: &Connection, path: &Path, account_id: &str) -> Result<(), Error> {
    let prepare_error = |source| Error::PrepareState {
        path: path.to_path_buf(),
        source,
    };
    // WAL keeps readers and the writer out of each other's way in a file; NORMAL sync is
    // durable across process crashes, which is all an emulator needs.
    connection
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;",
        )
        .map_err(prepare_error)?;
    connection.execute_batch(SCHEMA).map_err(prepare_error)?;
    let meta = |key: &str| -> Result<Option<String>, Error> {
        connection
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
            .map_err(prepare_error)
    };
    match meta("schema_version")? {
        Some(found) if found != SCHEMA_VERSION => {
            return Err(Error::StateVersion {
                path: path.to_path_buf(),
                found,
                expected: SCHEMA_VERSION.to_owned(),
            });
        }
        _ => {}
    }
    match meta("account_id")? {
        Some(found) if found != account_id => {
            return Err(Error::ForeignState {
                path: path.to_path_buf(),
                found,
                expected: account_id.to_owned(),
            });
        }
        _ => {}
    }
    connection
        .execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?1), ('account_id', ?2)",
            params![SCHEMA_VERSION, account_id],
        )
        .map_err(prepare_error)?;
    Ok(())
}

fn purge_torn_down_workspaces(db: &Connection, now_ms: i64) -> Result<(), rusqlite::Error> {
    db.execute(
        "DELETE FROM refs WHERE owner_kind = 'workspace' AND owner_id IN
            (SELECT CAST(workspace_id AS TEXT) FROM workspaces
             WHERE gone_at IS NOT NULL AND gone_at <= ?1)",
        [now_ms],
    )?;
    db.execute(
        "DELETE FROM workspaces WHERE gone_at IS NOT NULL AND gone_at <= ?1",
        [now_ms],
    )?;
    Ok(())
}

/// Removes every object, reference and workspace; issued tokens stay valid.
pub(crate) fn clear(db: &Connection) -> Result<(), ApiError> {
    db.execute_batch(
        "DELETE FROM objects; DELETE FROM network_resources; DELETE FROM workspaces; DELETE FROM refs;",
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Configuration objects (every collection but workspaces).

pub(crate) fn insert_object<T: Serialize>(
    db: &Connection,
    collection: Collection,
    id: &str,
    name: &str,
    object: &T,
) -> Result<(), ApiError> {
    db.execute(
        "INSERT INTO objects (collection, id, name, body) VALUES (?1, ?2, ?3, ?4)",
        params![
            collection.path_segment(),
            id,
            name,
            serde_json::to_string(object)?
        ],
    )?;
    Ok(())
}

pub(crate) fn update_object<T: Serialize>(
    db: &Connection,
    collection: Collection,
    id: &str,
    name: &str,
    object: &T,
) -> Result<(), ApiError> {
    db.execute(
        "UPDATE objects SET name = ?3, body = ?4 WHERE collection = ?1 AND id = ?2",
        params![
            collection.path_segment(),
            id,
            name,
            serde_json::to_string(object)?
        ],
    )?;
    Ok(())
}

pub(crate) fn get_object<T: DeserializeOwned>(
    db: &Connection,
    collection: Collection,
    id: &str,
) -> Result<Option<T>, ApiError> {
    let body: Option<String> = db
        .prepare_cached("SELECT body FROM objects WHERE collection = ?1 AND id = ?2")?
        .query_row(params![collection.path_segment(), id], |row| row.get(0))
        .optional()?;
    Ok(match body {
        Some(body) => Some(serde_json::from_str(&body)?),
        None => None,
    })
}

/// The stored JSON of every object of a collection, oldest first: exactly what a list answers.
pub(crate) fn list_object_bodies(
    db: &Connection,
    collection: Collection,
) -> Result<Vec<String>, ApiError> {
    let mut statement =
        db.prepare_cached("SELECT body FROM objects WHERE collection = ?1 ORDER BY seq")?;
    let bodies = statement
        .query_map([collection.path_segment()], |row| row.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(bodies)
}

pub(crate) fn delete_object(
    db: &Connection,
    collection: Collection,
    id: &str,
) -> Result<(), ApiError> {
    db.execute(
        "DELETE FROM objects WHERE collection = ?1 AND id = ?2",
        params![collection.path_segment(), id],
    )?;
    Ok(())
}

pub(crate) fn credentials_name_exists(db: &Connection, name: &str) -> Result<bool, ApiError> {
    Ok(db
        .prepare_cached("SELECT 1 FROM objects WHERE collection = 'credentials' AND name = ?1")?
        .exists([name])?)
}

// ---------------------------------------------------------------------------------------------
// Subnets and security groups: each belongs to at most one network.

#[derive(Debug, Clone, Copy)]
pub(crate) enum NetworkResource {
    Subnet,
    SecurityGroup,
}

impl NetworkResource {
    fn kind(self) -> &'static str {
        match self {
            NetworkResource::Subnet => "subnet",
            NetworkResource::SecurityGroup => "security_group",
        }
    }
}

/// The network already using a subnet or security group.
pub(crate) fn network_resource_owner(
    db: &Connection,
    resource: NetworkResource,
    resource_id: &str,
) -> Result<Option<String>, ApiError> {
    Ok(db
        .prepare_cached(
            "SELECT network_id FROM network_resources WHERE kind = ?1 AND resource_id = ?2",
        )?
        .query_row(params![resource.kind(), resource_id], |row| row.get(0))
        .optional()?)
}

pub(crate) fn claim_network_resource(
    db: &Connection,
    resource: NetworkResource,
    resource_id: &str,
    network_id: &str,
) -> Result<(), ApiError> {
    db.execute(
        "INSERT INTO network_resources (kind, resource_id, network_id) VALUES (?1, ?2, ?3)",
        params![resource.kind(), resource_id, network_id],
    )?;
    Ok(())
}

pub(crate) fn release_network_resources(db: &Connection, network_id: &str) -> Result<(), ApiError> {
    db.execute(
        "DELETE FROM network_resources WHERE network_id = ?1",
        [network_id],
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// References: who uses an object. Deleting a used object is refused.

/// An object that references others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owner {
    Workspace(i64),
    Network(String),
    PrivateAccessSettings(String),
}

impl Owner {
    fn kind_and_id(&self) -> (&'static str, String) {
        match self {
            Owner::Workspace(id) => ("workspace", id.to_string()),
            Owner::Network(id) => ("network", id.clone()),
            Owner::PrivateAccessSettings(id) => ("private_access_settings", id.clone()),
        }
    }
}

/// Records that `owner` uses every object in `object_ids`.
pub(crate) fn add_refs<'a>(
    db: &Connection,
    owner: &Owner,
    object_ids: impl IntoIterator<Item = &'a str>,
) -> Result<(), ApiError> {
    let (kind, owner_id) = owner.kind_and_id();
    let mut statement = db.prepare_cached(
        "INSERT OR IGNORE INTO refs (object_id, owner_kind, owner_id) VALUES (?1, ?2, ?3)",
    )?;
    for object_id in object_ids {
        statement.execute(params![object_id, kind, owner_id])?;
    }
    Ok(())
}

/// Forgets everything `owner` used.
pub(crate) fn remove_refs(db: &Connection, owner: &Owner) -> Result<(), ApiError> {
    let (kind, owner_id) = owner.kind_and_id();
    db.execute(
        "DELETE FROM refs WHERE owner_kind = ?1 AND owner_id = ?2",
        params![kind, owner_id],
    )?;
    Ok(())
}

/// Who uses an object, workspaces first.
pub(crate) fn users_of(db: &Connection, object_id: &str) -> Result<Vec<Owner>, ApiError> {
    let mut statement = db.prepare_cached(
        "SELECT owner_kind, owner_id FROM refs WHERE object_id = ?1
         ORDER BY owner_kind = 'workspace' DESC, owner_kind, owner_id",
    )?;
    let rows = statement
        .query_map([object_id], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(kind, id)| match kind.as_str() {
            "workspace" => id.parse().ok().map(Owner::Workspace),
            "network" => Some(Owner::Network(id)),
            "private_access_settings" => Some(Owner::PrivateAccessSettings(id)),
            _ => None,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Workspaces.

/// A stored workspace: its static fields (status is computed) and its lifecycle.
#[derive(Debug, Clone)]
pub(crate) struct WorkspaceRow {
    pub(crate) workspace: Workspace,
    pub(crate) lifecycle: Lifecycle,
    /// Whether the workspace was ever `RUNNING` (a storage key cannot be replaced then).
    pub(crate) was_running: bool,
}

const WORKSPACE_COLUMNS: &str = "body, ready_at, failure, was_running, deleted_at, gone_at";

fn workspace_row(row: &rusqlite::Row<'_>) -> Result<WorkspaceRow, rusqlite::Error> {
    let body: String = row.get(0)?;
    let failure: Option<String> = row.get(2)?;
    let decode_error = |index, error: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            Box::new(error),
        )
    };
    Ok(WorkspaceRow {
        workspace: serde_json::from_str(&body).map_err(|error| decode_error(0, error))?,
        lifecycle: Lifecycle {
            ready_at: row.get(1)?,
            failure: match failure {
                Some(failure) => Some(
                    serde_json::from_str::<Failure>(&failure)
                        .map_err(|error| decode_error(2, error))?,
                ),
                None => None,
            },
            deleted_at: row.get(4)?,
            gone_at: row.get(5)?,
        },
        was_running: row.get(3)?,
    })
}

fn failure_json(lifecycle: &Lifecycle) -> Result<Option<String>, ApiError> {
    Ok(match &lifecycle.failure {
        Some(failure) => Some(serde_json::to_string(failure)?),
        None => None,
    })
}

pub(crate) fn insert_workspace(db: &Connection, row: &WorkspaceRow) -> Result<(), ApiError> {
    db.execute(
        "INSERT INTO workspaces
            (workspace_id, deployment_name, network_id, body, ready_at, failure, was_running, deleted_at, gone_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            row.workspace.workspace_id,
            row.workspace.deployment_name,
            row.workspace.network_id,
            serde_json::to_string(&row.workspace)?,
            row.lifecycle.ready_at,
            failure_json(&row.lifecycle)?,
            row.was_running,
            row.lifecycle.deleted_at,
            row.lifecycle.gone_at,
        ],
    )?;
    Ok(())
}

pub(crate) fn update_workspace(db: &Connection, row: &WorkspaceRow) -> Result<(), ApiError> {
    db.execute(
        "UPDATE workspaces SET network_id = ?2, body = ?3, ready_at = ?4, failure = ?5,
            was_running = ?6, deleted_at = ?7, gone_at = ?8
         WHERE workspace_id = ?1",
        params![
            row.workspace.workspace_id,
            row.workspace.network_id,
            serde_json::to_string(&row.workspace)?,
            row.lifecycle.ready_at,
            failure_json(&row.lifecycle)?,
            row.was_running,
            row.lifecycle.deleted_at,
            row.lifecycle.gone_at,
        ],
    )?;
    Ok(())
}

/// A workspace that is not yet torn down at `now_ms`.
pub(crate) fn get_workspace(
    db: &Connection,
    workspace_id: i64,
    now_ms: i64,
) -> Result<Option<WorkspaceRow>, ApiError> {
    let sql = format!(
        "SELECT {WORKSPACE_COLUMNS} FROM workspaces
         WHERE workspace_id = ?1 AND (gone_at IS NULL OR gone_at > ?2)"
    );
    Ok(db
        .prepare_cached(&sql)?
        .query_row(params![workspace_id, now_ms], workspace_row)
        .optional()?)
}

/// Every workspace not yet torn down at `now_ms`, oldest first.
pub(crate) fn list_workspaces(db: &Connection, now_ms: i64) -> Result<Vec<WorkspaceRow>, ApiError> {
    let sql = format!(
        "SELECT {WORKSPACE_COLUMNS} FROM workspaces
         WHERE gone_at IS NULL OR gone_at > ?1 ORDER BY seq"
    );
    let mut statement = db.prepare_cached(&sql)?;
    let rows = statement
        .query_map([now_ms], workspace_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub(crate) fn workspace_id_exists(db: &Connection, workspace_id: i64) -> Result<bool, ApiError> {
    Ok(db
        .prepare_cached("SELECT 1 FROM workspaces WHERE workspace_id = ?1")?
        .exists([workspace_id])?)
}

/// The workspace holding a deployment name (torn-down workspaces were purged by the write).
pub(crate) fn deployment_name_holder(
    db: &Connection,
    deployment_name: &str,
) -> Result<Option<i64>, ApiError> {
    Ok(db
        .prepare_cached("SELECT workspace_id FROM workspaces WHERE deployment_name = ?1")?
        .query_row([deployment_name], |row| row.get(0))
        .optional()?)
}

/// The workspace using a network: its id and lifecycle.
pub(crate) type Attachment = (i64, Lifecycle);

/// The workspace using a network, with its lifecycle, if one does at `now_ms`.
pub(crate) fn network_attachment(
    db: &Connection,
    network_id: &str,
    now_ms: i64,
) -> Result<Option<Attachment>, ApiError> {
    let sql = format!(
        "SELECT {WORKSPACE_COLUMNS} FROM workspaces
         WHERE network_id = ?1 AND (gone_at IS NULL OR gone_at > ?2)"
    );
    let row = db
        .prepare_cached(&sql)?
        .query_row(params![network_id, now_ms], workspace_row)
        .optional()?;
    Ok(row.map(|row| (row.workspace.workspace_id, row.lifecycle)))
}

/// Every network with the workspace using it at `now_ms`, oldest first; one query.
pub(crate) fn list_networks_with_attachments(
    db: &Connection,
    now_ms: i64,
) -> Result<Vec<(Network, Option<Attachment>)>, ApiError> {
    let mut statement = db.prepare_cached(
        "SELECT objects.body, workspaces.workspace_id, workspaces.ready_at, workspaces.failure,
                workspaces.deleted_at, workspaces.gone_at
         FROM objects LEFT JOIN workspaces
           ON workspaces.network_id = objects.id
          AND (workspaces.gone_at IS NULL OR workspaces.gone_at > ?1)
         WHERE objects.collection = 'networks'
         ORDER BY objects.seq",
    )?;
    let rows = statement
        .query_map([now_ms], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Option<i64>>(1)?,
                row.get::<_, Option<i64>>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, Option<i64>>(4)?,
                row.get::<_, Option<i64>>(5)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(
            |(body, workspace_id, ready_at, failure, deleted_at, gone_at)| {
                let network: Network = serde_json::from_str(&body)?;
                let attachment = match (workspace_id, ready_at) {
                    (Some(workspace_id), Some(ready_at)) => Some((
                        workspace_id,
                        Lifecycle {
                            ready_at,
                            failure: match failure {
                                Some(failure) => Some(serde_json::from_str(&failure)?),
                                None => None,
                            },
                            deleted_at,
                            gone_at,
                        },
                    )),
                    _ => None,
                };
                Ok((network, attachment))
            },
        )
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Issued OAuth tokens, kept so that a restarted emulator still accepts them.

pub(crate) fn insert_token(db: &Connection, token: &str, expires_at: i64) -> Result<(), ApiError> {
    db.execute(
        "INSERT INTO tokens (token, expires_at) VALUES (?1, ?2)",
        params![token, expires_at],
    )?;
    Ok(())
}

/// Drops expired tokens and answers the others with their expiry.
pub(crate) fn load_tokens(
    db: &Connection,
    now_ms: i64,
) -> Result<Vec<(String, i64)>, rusqlite::Error> {
    db.execute("DELETE FROM tokens WHERE expires_at <= ?1", [now_ms])?;
    let mut statement = db.prepare("SELECT token, expires_at FROM tokens")?;
    let tokens = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(tokens)
}
