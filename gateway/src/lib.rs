//! The Homeward gateway: command line, pipeline and service.
#![forbid(unsafe_code)]

pub mod admin;
pub mod cli;
pub mod config;
pub mod console;
pub mod demo;
pub mod federation;
pub mod invariants;
pub mod jobs;
pub mod matching;
pub mod operations;
pub mod pipeline;
pub mod service;
