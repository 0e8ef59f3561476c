//! What newsline is put side by side with.

pub mod ceiling;
pub mod redis;
pub mod spacy;
