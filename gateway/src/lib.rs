//! The Homeward gateway: command line, pipeline and service.
#![forbid(unsafe_code)]

pub mod cli;
