//! The administration API: a local, token-protected HTTP listener for operators and the web
//! console (jobs, quarantine, partners, records, matches, reload, metrics, health), every action audited.

pub mod auth;
pub mod client;
pub mod config;
pub mod config_edit;
pub mod matches;
pub mod metrics;
pub mod partners;
pub mod roles;
pub mod routes;
pub mod server;

pub use server::{RunningAdmin, bind, router, start};
