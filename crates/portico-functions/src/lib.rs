//! The built-in external functions, one file per wire name.
//!
//! Every function is declared once (`ExternalFunction` with derived descriptions) and listed in
//! [`register_all`], sorted by wire name. Each file owns its function's parameters, return
//! description, checks and exact errors, and ends with its own tests. Shared checks
//! (`require_capability`, `validate_context`) live in `support`. Functions reach the database
//! only through `portico-store` and never know the wire protocol.

use portico_engine::Registry;

pub mod core_cohort_add_cohort_members;
pub mod core_cohort_create_cohorts;
pub mod core_cohort_get_cohorts;
pub mod core_course_create_categories;
pub mod core_course_create_courses;
pub mod core_course_delete_courses;
pub mod core_course_get_categories;
pub mod core_course_get_contents;
pub mod core_course_get_courses;
pub mod core_course_get_courses_by_field;
pub mod core_course_get_enrolled_courses_by_timeline_classification;
pub mod core_course_get_user_administration_options;
pub mod core_course_get_user_navigation_options;
pub mod core_course_update_courses;
pub mod core_enrol_get_enrolled_users;
pub mod core_enrol_get_users_courses;
pub mod core_group_add_group_members;
pub mod core_group_create_groups;
pub mod core_group_delete_group_members;
pub mod core_group_get_course_groups;
pub mod core_role_assign_roles;
pub mod core_role_unassign_roles;
pub mod core_user_create_users;
pub mod core_user_delete_users;
pub mod core_user_get_users;
pub mod core_user_get_users_by_field;
pub mod core_user_update_users;
pub mod core_webservice_get_site_info;
pub mod courses;
pub mod enrol_manual_enrol_users;
pub mod enrol_manual_unenrol_users;
pub mod enrol_self_enrol_user;
pub mod enrol_self_get_instance_info;
pub mod fixtures;
pub mod groups;
pub mod roles;
pub mod support;
pub mod tool_mobile_get_autologin_key;
pub mod tool_mobile_get_config;
pub mod tool_mobile_get_public_config;
pub mod user_details;

#[cfg(test)]
mod testing;

/// Registers every built-in function, sorted by wire name.
pub fn register_all(registry: &mut Registry) {
    registry.add::<core_cohort_add_cohort_members::AddCohortMembers>();
    registry.add::<core_cohort_create_cohorts::CreateCohorts>();
    registry.add::<core_cohort_get_cohorts::GetCohorts>();
    registry.add::<core_course_create_categories::CreateCategories>();
    registry.add::<core_course_create_courses::CreateCourses>();
    registry.add::<core_course_delete_courses::DeleteCourses>();
    registry.add::<core_course_get_categories::GetCategories>();
    registry.add::<core_course_get_contents::GetContents>();
    registry.add::<core_course_get_courses::GetCourses>();
    registry.add::<core_course_get_courses_by_field::GetCoursesByField>();
    registry.add::<
        core_course_get_enrolled_courses_by_timeline_classification::GetEnrolledCoursesByTimelineClassification,
    >();
    registry.add::<core_course_get_user_administration_options::GetUserAdministrationOptions>();
    registry.add::<core_course_get_user_navigation_options::GetUserNavigationOptions>();
    registry.add::<core_course_update_courses::UpdateCourses>();
    registry.add::<core_enrol_get_enrolled_users::GetEnrolledUsers>();
    registry.add::<core_enrol_get_users_courses::GetUsersCourses>();
    registry.add::<core_group_add_group_members::AddGroupMembers>();
    registry.add::<core_group_create_groups::CreateGroups>();
    registry.add::<core_group_delete_group_members::DeleteGroupMembers>();
    registry.add::<core_group_get_course_groups::GetCourseGroups>();
    registry.add::<core_role_assign_roles::AssignRoles>();
    registry.add::<core_role_unassign_roles::UnassignRoles>();
    registry.add::<core_user_create_users::CreateUsers>();
    registry.add::<core_user_delete_users::DeleteUsers>();
    registry.add::<core_user_get_users::GetUsers>();
    registry.add::<core_user_get_users_by_field::GetUsersByField>();
    registry.add::<core_user_update_users::UpdateUsers>();
    registry.add::<core_webservice_get_site_info::GetSiteInfo>();
    registry.add::<enrol_manual_enrol_users::EnrolUsers>();
    registry.add::<enrol_manual_unenrol_users::UnenrolUsers>();
    registry.add::<enrol_self_enrol_user::EnrolUser>();
    registry.add::<enrol_self_get_instance_info::GetInstanceInfo>();
    registry.add::<tool_mobile_get_autologin_key::GetAutologinKey>();
    registry.add::<tool_mobile_get_config::GetConfig>();
    registry.add::<tool_mobile_get_public_config::GetPublicConfig>();
}

/// A registry holding every built-in function.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    register_all(&mut registry);
    registry
}

/// The current Unix time.
pub(crate) fn now() -> i64 {
    portico_engine::install::now()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_declaration_is_valid_and_sorted() {
        let registry = super::registry();
        let names: Vec<_> = registry.iter().map(|f| f.info().name.to_string()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert!(!names.is_empty());
    }
}
