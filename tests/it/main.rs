//! Integration tests of `hookbench serve` over real sockets on 127.0.0.1: one
//! test binary (link once), one server process and data directory per test.

mod analysis;
mod api;
mod capture;
mod common;
mod crash;
mod lifecycle;
mod listener;
mod outbound;
mod search;
mod sinks;
mod template;
