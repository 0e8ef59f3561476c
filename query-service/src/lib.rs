//! The query service: an in-memory store of articles, entities and events with timeline indexes.
