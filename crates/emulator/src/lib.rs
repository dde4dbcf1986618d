//! A faithful local Databricks Account API.
