//! Enrolments and role assignments on both backends: assignable roles, role batches,
//! unenrolment, self-enrolment with a group, and the participants of a course.

use portico_store::model::{CONTEXT_COURSE, Context, Course, MNET_LOCALHOST_ID, User, role_id};
use portico_store::{
    Assigner, DefaultEnrol, EnrolledUsersQuery, EnrolledUsersSort, GroupMembership, NewCategory,
    NewCourse, NewEnrolment, NewGroup, NewRoleAssignment, RoleUnassignment, Store, StoreError,
    Unenrolment,
};
use portico_testkit::backend_test;

async fn user(store: &Store, username: &str, firstname: &str) -> User {
    let user = User {
        auth: "manual".into(),
        confirmed: 1,
        mnethostid: MNET_LOCALHOST_ID,
        username: username.into(),
        firstname: firstname.into(),
        lastname: "Last".into(),
        email: format!("{username}@example.com"),
        timezone: "99".into(),
        ..User::default()
    };
    store.create_user(&user).await.unwrap()
}

/// A course with a manual (enabled) and a self (disabled) instance, and its context.
async fn course(store: &Store, shortname: &str) -> (Course, Context) {
    let category = NewCategory { name: "Cat".into(), visible: 1, ..NewCategory::default() };
    let category = store.create_categories(&[category]).await.unwrap().remove(0);
    let row = Course {
        category: category.id,
        fullname: format!("Course {shortname}"),
        shortname: shortname.into(),
        format: "topics".into(),
        visible: 1,
        ..Course::default()
    };
    let enrols = [
        DefaultEnrol {
            enrol: "manual".into(),
            status: 0,
            roleid: role_id::STUDENT,
            ..DefaultEnrol::default()
        },
        DefaultEnrol {
            enrol: "self".into(),
            status: 1,
            roleid: role_id::STUDENT,
            ..DefaultEnrol::default()
        },
    ];
    let new = NewCourse { course: row, numsections: 0, format_options: vec![] };
    let course = store.create_courses(&[new], &enrols).await.unwrap().remove(0);
    let context = store.context_by_instance(CONTEXT_COURSE, course.id).await.unwrap().unwrap();
    (course, context)
}

fn assignment(roleid: i64, userid: i64, contextid: i64) -> NewRoleAssignment {
    NewRoleAssignment {
        roleid,
        userid,
        contextid,
        component: String::new(),
        itemid: 0,
        modifierid: 2,
    }
}

backend_test!(assignable_roles_follow_the_allow_matrix_and_levels, |store: Store| async move {
    let (_, context) = course(&store, "C1").await;
    let teacher = user(&store, "teacher", "T").await;
    let shortnames = |roles: Vec<portico_store::model::Role>| {
        roles.into_iter().map(|role| role.shortname).collect::<Vec<_>>()
    };
    let admin = store.assignable_roles(CONTEXT_COURSE, Assigner::SiteAdmin).await.unwrap();
    assert_eq!(shortnames(admin), ["manager", "editingteacher", "teacher", "student"]);
    let chain: Vec<i64> =
        context.path.as_deref().unwrap().split('/').filter_map(|id| id.parse().ok()).collect();
    let as_teacher = Assigner::User { userid: teacher.id, contexts: &chain };
    assert!(store.assignable_roles(CONTEXT_COURSE, as_teacher).await.unwrap().is_empty());
    store
        .assign_roles(&[assignment(role_id::EDITINGTEACHER, teacher.id, context.id)])
        .await
        .unwrap();
    let roles = store.assignable_roles(CONTEXT_COURSE, as_teacher).await.unwrap();
    assert_eq!(shortnames(roles), ["teacher", "student"]);
    // A manager at the system context may assign managers in the course too.
    store.assign_roles(&[assignment(role_id::MANAGER, teacher.id, 1)]).await.unwrap();
    let roles = store.assignable_roles(CONTEXT_COURSE, as_teacher).await.unwrap();
    assert_eq!(shortnames(roles), ["manager", "editingteacher", "teacher", "student"]);
});

backend_test!(role_batches_are_idempotent_and_reported, |store: Store| async move {
    let (_, context) = course(&store, "C1").await;
    let ann = user(&store, "ann", "Ann").await;
    let before = store.change_log_since(0).await.unwrap().last().map_or(0, |row| row.id);
    let batch = [
        assignment(role_id::STUDENT, ann.id, context.id),
        assignment(role_id::STUDENT, ann.id, context.id),
        assignment(role_id::TEACHER, ann.id, context.id),
    ];
    store.assign_roles(&batch).await.unwrap();
    assert_eq!(store.role_assignments_of_user(ann.id).await.unwrap().len(), 2);
    let kinds: Vec<(String, String)> = store
        .change_log_since(before)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.kind, row.key))
        .collect();
    assert!(kinds.contains(&("roleassignment".into(), ann.id.to_string())), "{kinds:?}");
    let owned = NewRoleAssignment { component: "enrol_self".into(), itemid: 7, ..batch[0].clone() };
    store.assign_roles(&[owned]).await.unwrap();
    let unassign =
        RoleUnassignment { roleid: role_id::STUDENT, userid: ann.id, contextid: context.id };
    store.unassign_roles(&[unassign, unassign]).await.unwrap();
    let left: Vec<(i64, String)> = store
        .role_assignments_of_user(ann.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.roleid, a.component))
        .collect();
    assert_eq!(left, [(role_id::TEACHER, String::new()), (role_id::STUDENT, "enrol_self".into())]);
});

backend_test!(unenrolling_the_last_enrolment_clears_the_course, |store: Store| async move {
    let (course, context) = course(&store, "C1").await;
    let ann = user(&store, "ann", "Ann").await;
    let instances = store.enrol_instances(course.id).await.unwrap();
    let (manual, selfenrol) = (&instances[0], &instances[1]);
    let group = NewGroup { courseid: course.id, name: "Red".into(), ..NewGroup::default() };
    let group = store.create_groups(&[group]).await.unwrap().remove(0);
    let enrol = |enrolid| NewEnrolment {
        enrolid,
        userid: ann.id,
        roleid: role_id::STUDENT,
        ..NewEnrolment::default()
    };
    store.enrol_users(&[enrol(manual.id)]).await.unwrap();
    store.self_enrol(&enrol(selfenrol.id), Some(group.id)).await.unwrap();
    assert!(store.group_member(group.id, ann.id).await.unwrap().is_some());
    assert!(store.has_user_enrolment(selfenrol.id, ann.id).await.unwrap());
    assert_eq!(store.count_user_enrolments(selfenrol.id).await.unwrap(), 1);
    // An unknown instance fails the whole batch.
    let batch = [
        Unenrolment { enrolid: manual.id, userid: ann.id },
        Unenrolment { enrolid: 999_999, userid: ann.id },
    ];
    assert!(matches!(store.unenrol_users(&batch).await, Err(StoreError::NotFound { .. })));
    assert!(store.has_user_enrolment(manual.id, ann.id).await.unwrap());
    // Another enrolment remains: roles and groups stay.
    store.unenrol_users(&batch[..1]).await.unwrap();
    assert!(!store.has_user_enrolment(manual.id, ann.id).await.unwrap());
    assert!(store.group_member(group.id, ann.id).await.unwrap().is_some());
    assert_eq!(store.role_assignments_in_context(context.id).await.unwrap().len(), 1);
    // The last one takes them.
    store.unenrol_users(&[Unenrolment { enrolid: selfenrol.id, userid: ann.id }]).await.unwrap();
    assert!(store.group_member(group.id, ann.id).await.unwrap().is_none());
    assert!(store.role_assignments_in_context(context.id).await.unwrap().is_empty());
    assert!(!store.is_enrolled(course.id, ann.id, false, 0).await.unwrap());
});

backend_test!(participants_are_filtered_sorted_and_grouped, |store: Store| async move {
    let (course, _) = course(&store, "C1").await;
    let manual = store.enrol_instances(course.id).await.unwrap().remove(0);
    let zed = user(&store, "zed", "Zed").await;
    let amy = user(&store, "amy", "Amy").await;
    let max = user(&store, "max", "Max").await;
    let _outsider = user(&store, "outsider", "Out").await;
    let enrol = |userid, status| NewEnrolment {
        enrolid: manual.id,
        userid,
        status,
        ..NewEnrolment::default()
    };
    store.enrol_users(&[enrol(zed.id, 0), enrol(amy.id, 0), enrol(max.id, 1)]).await.unwrap();
    let group = NewGroup { courseid: course.id, name: "Red".into(), ..NewGroup::default() };
    let group = store.create_groups(&[group]).await.unwrap().remove(0);
    store
        .add_group_members(&[GroupMembership { groupid: group.id, userid: zed.id }], "", 0)
        .await
        .unwrap();
    store
        .add_group_members(&[GroupMembership { groupid: group.id, userid: max.id }], "", 0)
        .await
        .unwrap();
    let query = EnrolledUsersQuery {
        courseid: course.id,
        guestid: 1,
        now: 1_000,
        ..EnrolledUsersQuery::default()
    };
    let ids = |users: Vec<portico_store::EnrolledUser>| {
        users.into_iter().map(|u| u.user.id).collect::<Vec<_>>()
    };
    assert_eq!(ids(store.enrolled_users(&query).await.unwrap()), [zed.id, amy.id, max.id]);
    let by_name = EnrolledUsersQuery { sort: EnrolledUsersSort::Firstname, ..query };
    assert_eq!(ids(store.enrolled_users(&by_name).await.unwrap()), [amy.id, max.id, zed.id]);
    let active = EnrolledUsersQuery { onlyactive: true, descending: true, ..query };
    assert_eq!(ids(store.enrolled_users(&active).await.unwrap()), [amy.id, zed.id]);
    let in_group = EnrolledUsersQuery { groupid: group.id, ..query };
    assert_eq!(ids(store.enrolled_users(&in_group).await.unwrap()), [zed.id, max.id]);
    let shared = EnrolledUsersQuery { shared_groups_of: Some(max.id), ..query };
    assert_eq!(ids(store.enrolled_users(&shared).await.unwrap()), [zed.id, max.id]);
    let site = EnrolledUsersQuery { courseid: 1, site: true, ..query };
    assert_eq!(store.enrolled_users(&site).await.unwrap().len(), 4);
    let groups = store.groups_of_user_in_course(course.id, zed.id).await.unwrap();
    assert_eq!(groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), ["Red"]);
    // The self instance can be reconfigured.
    let mut selfenrol = store.enrol_instances(course.id).await.unwrap().remove(1);
    selfenrol.status = 0;
    selfenrol.password = Some("key".into());
    store.update_enrol_instance(&selfenrol).await.unwrap();
    let stored = store.enrol_instances(course.id).await.unwrap().remove(1);
    assert_eq!((stored.status, stored.password.as_deref()), (0, Some("key")));
});
