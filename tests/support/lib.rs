//! Support for the end-to-end suite.
