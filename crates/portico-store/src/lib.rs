//! Persistence for Portico: Moodle's own schema, on SQLite or PostgreSQL.
//!
//! [`Store`] is the only way the rest of Portico reaches the database. It speaks of users, tokens,
//! services and roles ([`model`]), never of SQL; errors are [`StoreError`]s that speak of meaning.
//! Writes that can change an access decision are reported on the change feed
//! ([`Store::changes`]), also to other processes sharing the database.
//!
//! This crate owns every SQL statement of Portico. It must never decide access (that is
//! `portico-access`), never know about HTTP or the wire protocol, and never leak SQLSTATE codes.

pub mod change;
mod db;
pub mod error;
pub mod model;
mod repo;
mod schema;
mod store;

pub use change::{Change, ChangeKind, ChangeReceiver};
pub use db::Backend;
pub use error::StoreError;
pub use repo::category::{MAX_COURSES_IN_CATEGORY, NewCategory};
pub use repo::cohort::{CohortMembership, NewCohort};
pub use repo::course::{DefaultEnrol, NewCourse};
pub use repo::course_list::{CourseContact, CourseFilter, CourseSection, ListedCourse};
pub use repo::course_write::CourseUpdate;
pub use repo::enrolled_users::{EnrolledUser, EnrolledUsersQuery, EnrolledUsersSort};
pub use repo::enrolment::NewEnrolment;
pub use repo::group::{GroupMembership, NewGroup};
pub use repo::role::NewRoleAssignment;
pub use repo::role_assign::{Assigner, RoleUnassignment};
pub use repo::user_delete::DeletedUser;
pub use repo::user_enrolment::Unenrolment;
pub use repo::user_search::{UserCriterion, UserField};
pub use repo::user_update::UserUpdate;
pub use store::{MigrationReport, Store, StoreOptions};
