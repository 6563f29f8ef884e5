//! The Homeward gateway: command line, pipeline and service.
#![forbid(unsafe_code)]

pub mod cli;
pub mod config;
pub mod invariants;
pub mod pipeline;
