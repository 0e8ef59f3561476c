//! The store and the query logic, independent of the transport.

mod article;
pub mod cursor;
pub mod date;
pub mod error;
#[cfg(feature = "fault-injection")]
pub mod fault;
pub mod filter;
pub mod fold;
pub mod model;
pub mod search;
mod search_index;
mod slab;
pub mod store;
pub mod stream;
mod validate;
pub mod view;

pub use error::DomainError;
pub use store::Store;
