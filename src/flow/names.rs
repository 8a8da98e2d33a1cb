//! Placeholder names that the program itself fills (from a pasted error, a sign-in event or
//! the opened code), so the code names them once.

pub const APP_ID: &str = "app-id";
pub const TENANT_ID: &str = "tenant-id";
/// A tenant given by its domain rather than its id.
pub const DOMAIN: &str = "domain";
pub const UPN: &str = "upn";
/// The code being diagnosed (the general triage's commands filter on it).
pub const ERROR_CODE: &str = "error-code";
/// The error's trace id (the sign-in event's `id`; "Request Id" on the browser page).
pub const TRACE_ID: &str = "trace-id";
pub const CORRELATION_ID: &str = "correlation-id";
