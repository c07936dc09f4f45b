//! Repositories: `impl Store` blocks, one module per group of tables.
//!
//! Each module owns the statements of its tables and must never reach into another module's
//! tables except inside a transaction that Moodle's semantics require (deleting a user deletes
//! its tokens).

pub(crate) mod category;
pub(crate) mod cohort;
pub(crate) mod config;
pub(crate) mod context;
#[macro_use]
pub(crate) mod course;
pub(crate) mod course_list;
pub(crate) mod course_write;
pub(crate) mod enrolment;
pub(crate) mod group;
pub(crate) mod log;
pub(crate) mod role;
pub(crate) mod role_assign;
pub(crate) mod service;
pub(crate) mod session;
pub(crate) mod site;
pub(crate) mod token;
#[macro_use]
pub(crate) mod user;
pub(crate) mod user_course;
pub(crate) mod user_delete;
pub(crate) mod user_enrolment;
pub(crate) mod user_search;
pub(crate) mod user_update;
// After `user`, whose column macro it uses.
pub(crate) mod enrolled_users;
