//! Typed async client for the Databricks Account API.
