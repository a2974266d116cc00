//! The HTTP face of Trent.
//!
//! This crate owns everything about a request before it becomes a call of `trent-core`: the
//! one `POST /` route and `X-Amz-Target` dispatch, the bounded body read, SigV4
//! authentication ([`sigv4`], pure; [`auth`], against the deployment's credentials), request
//! ids, the mapping of errors to status codes and `__type` bodies, `/health`, `/ready`,
//! `/metrics`, and graceful shutdown.
//!
//! It must never decide what a call may do or touch the store or key material: those are the
//! service's. It never logs a request body.

mod app;
pub mod auth;
mod metrics;
pub mod sigv4;

pub use app::{MAX_BODY, ServeOptions, router, serve, serve_with};
