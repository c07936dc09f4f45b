//! `core_enrol_get_enrolled_users` (spec 04 §6.2): the participants of a course, with the
//! options `withcapability`, `groupid`, `onlyactive`, `userfields`, `limitfrom`, `limitnumber`,
//! `sortby` and `sortdirection`, each user's keys shown as Moodle's course profile allows
//! (`user_details`), plus their roles, groups, courses and last access to the course.
//!
//! This module owns the options, their capability requirements and errors, the separate-groups
//! rule and the course-profile extras. It must never change anything. Groupings
//! (`defaultgroupingid`) are not modelled: a user's groups are all their groups in the course.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::php::string_to_int;
use portico_schema::{Exception, Valid};
use portico_store::model::{CONTEXT_COURSE, CONTEXT_USER, Context, Course, Role, SITEID};
use portico_store::{EnrolledUser, EnrolledUsersQuery, EnrolledUsersSort, StoreError};

use crate::support::{config_or, is_siteadmin, require_capability, validate_context};
use crate::user_details::{UserCustomField, UserPreferenceEntry, php_empty, user_details};

/// Get enrolled users by course id.
pub struct GetEnrolledUsers;

/// One option of the call.
#[derive(Debug, Describe)]
pub struct EnrolledUsersOption {
    /// option name
    #[describe(param = AlphaNumExt)]
    pub name: String,
    /// option value
    pub value: String,
}

/// Parameters of `core_enrol_get_enrolled_users`.
#[derive(Debug, Describe)]
pub struct Args {
    /// course id
    pub courseid: i64,
    /// Option names: withcapability (string) return only users with this capability, which
    /// requires 'moodle/role:review' on the course context; groupid (integer) return only users
    /// in this group id (if the course has groups enabled and this param isn't defined, returns
    /// all the viewable users; requires 'moodle/site:accessallgroups' on the course context if
    /// the user doesn't belong to the group); onlyactive (integer) return only users with active
    /// enrolments and matching time restrictions, which requires 'moodle/course:enrolreview' on
    /// the course context; userfields ('string, string, ...') return only the values of these
    /// user fields; limitfrom (integer) sql limit from; limitnumber (integer) maximum number of
    /// returned users; sortby (string) sort by id, firstname or lastname (for ordering like the
    /// site does, use siteorder); sortdirection (string) ASC or DESC
    #[describe(default)]
    pub options: Vec<EnrolledUsersOption>,
}

/// A group of a participant.
#[derive(Debug, Clone, Describe)]
pub struct UserGroup {
    /// group id
    pub id: i64,
    /// group name
    pub name: String,
    /// group description
    pub description: String,
    /// description format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)
    pub descriptionformat: i64,
}

/// A role of a participant in the course.
#[derive(Debug, Clone, Describe)]
pub struct UserRole {
    /// role id
    pub roleid: i64,
    /// role name
    pub name: String,
    /// role shortname
    #[describe(param = AlphaNumExt)]
    pub shortname: String,
    /// role sortorder
    pub sortorder: i64,
}

/// A course a participant is enrolled in.
#[derive(Debug, Clone, Describe)]
pub struct EnrolledCourse {
    /// Id of the course
    pub id: i64,
    /// Fullname of the course
    pub fullname: String,
    /// Shortname of the course
    pub shortname: String,
}

/// A participant as the caller may see them.
#[derive(Debug, Clone, Default, Describe)]
pub struct EnrolledUserDetails {
    /// ID of the user
    pub id: i64,
    /// Username policy is defined in Moodle security config
    pub username: Option<String>,
    /// The first name(s) of the user
    #[describe(param = NoTags)]
    pub firstname: Option<String>,
    /// The family name of the user
    #[describe(param = NoTags)]
    pub lastname: Option<String>,
    /// The fullname of the user
    #[describe(param = NoTags)]
    pub fullname: String,
    /// An email address - allow email as root@localhost
    #[describe(param = Text)]
    pub email: Option<String>,
    /// Postal address
    #[describe(param = Text)]
    pub address: Option<String>,
    /// Phone 1
    #[describe(param = NoTags)]
    pub phone1: Option<String>,
    /// Phone 2
    #[describe(param = NoTags)]
    pub phone2: Option<String>,
    /// department
    #[describe(param = Text)]
    pub department: Option<String>,
    /// institution
    #[describe(param = Text)]
    pub institution: Option<String>,
    /// An arbitrary ID code number perhaps from the institution
    pub idnumber: Option<String>,
    /// user interests (separated by commas)
    #[describe(param = Text)]
    pub interests: Option<String>,
    /// first access to the site (0 if never)
    pub firstaccess: Option<i64>,
    /// last access to the site (0 if never)
    pub lastaccess: Option<i64>,
    /// last access to the course (0 if never)
    pub lastcourseaccess: Option<i64>,
    /// User profile description
    pub description: Option<String>,
    /// description format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)
    pub descriptionformat: Option<i64>,
    /// Home city of the user
    #[describe(param = NoTags)]
    pub city: Option<String>,
    /// Home country code of the user, such as AU or CZ
    #[describe(param = Alpha)]
    pub country: Option<String>,
    /// User image profile URL - small version
    #[describe(param = Url)]
    pub profileimageurlsmall: Option<String>,
    /// User image profile URL - big version
    #[describe(param = Url)]
    pub profileimageurl: Option<String>,
    /// User custom fields (also known as user profil fields)
    pub customfields: Option<Vec<UserCustomField>>,
    /// user groups
    pub groups: Option<Vec<UserGroup>>,
    /// user roles
    pub roles: Option<Vec<UserRole>>,
    /// User preferences
    pub preferences: Option<Vec<UserPreferenceEntry>>,
    /// Courses where the user is enrolled - limited by which courses the user is able to see
    pub enrolledcourses: Option<Vec<EnrolledCourse>>,
}

/// The fields `user_get_user_details` knows (`user_get_default_fields`).
const DEFAULT_FIELDS: &[&str] = &[
    "id",
    "username",
    "fullname",
    "firstname",
    "lastname",
    "email",
    "address",
    "phone1",
    "phone2",
    "department",
    "institution",
    "interests",
    "firstaccess",
    "lastaccess",
    "auth",
    "confirmed",
    "idnumber",
    "lang",
    "theme",
    "timezone",
    "mailformat",
    "description",
    "descriptionformat",
    "city",
    "country",
    "profileimageurlsmall",
    "profileimageurl",
    "customfields",
    "groups",
    "roles",
    "preferences",
    "enrolledcourses",
    "suspended",
    "lastcourseaccess",
];

/// The options, as Moodle reads them (later ones win).
#[derive(Debug, Default)]
struct Options {
    withcapability: String,
    groupid: i64,
    onlyactive: bool,
    userfields: Vec<String>,
    limitfrom: i64,
    limitnumber: i64,
    sort: EnrolledUsersSort,
    descending: bool,
}

impl Options {
    fn read(options: &[EnrolledUsersOption]) -> Result<Options, CallError> {
        let mut read = Options::default();
        for option in options {
            let value = option.value.as_str();
            match option.name.as_str() {
                "withcapability" => read.withcapability = value.to_owned(),
                "groupid" => read.groupid = string_to_int(value.as_bytes()),
                "onlyactive" => read.onlyactive = !php_empty(value),
                "userfields" => {
                    read.userfields = value
                        .split(',')
                        .map(|field| {
                            field
                                .chars()
                                .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                                .collect()
                        })
                        .collect();
                }
                "limitfrom" => read.limitfrom = string_to_int(value.as_bytes()),
                "limitnumber" => read.limitnumber = string_to_int(value.as_bytes()),
                "sortby" => {
                    read.sort = match value {
                        "id" => EnrolledUsersSort::Id,
                        "firstname" => EnrolledUsersSort::Firstname,
                        "lastname" => EnrolledUsersSort::Lastname,
                        "siteorder" => EnrolledUsersSort::Siteorder,
                        _ => {
                            return Err(Exception::invalid_parameter(format!(
                                "Invalid value for sortby parameter (value: {value}),allowed \
                                 values are: id,firstname,lastname,siteorder"
                            ))
                            .into());
                        }
                    }
                }
                "sortdirection" => {
                    let direction = value.to_uppercase();
                    read.descending = match direction.as_str() {
                        "ASC" => false,
                        "DESC" => true,
                        // Moodle's message spans two source lines, indentation included.
                        _ => {
                            return Err(Exception::invalid_parameter(format!(
                                "Invalid value for sortdirection parameter\n                        \
                                 (value: {direction}),allowed values are: ASC,DESC"
                            ))
                            .into());
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(read)
    }
}

impl ExternalFunction for GetEnrolledUsers {
    const NAME: &'static str = "core_enrol_get_enrolled_users";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Get enrolled users by course id.";
    const KIND: CallKind = CallKind::Read;
    const CAPABILITIES: &'static [&'static str] = &[
        "moodle/user:viewdetails",
        "moodle/user:viewhiddendetails",
        "moodle/course:useremail",
        "moodle/user:update",
        "moodle/site:accessallgroups",
    ];
    const SERVICES: &'static [&'static str] = &[portico_engine::install::MOBILE_SERVICE];
    type Args = Args;
    type Returns = Vec<EnrolledUserDetails>;

    async fn execute(
        context: &CallContext,
        args: Valid<Args>,
    ) -> Result<Vec<EnrolledUserDetails>, CallError> {
        let Args { courseid, options } = args.into_inner();
        let options = Options::read(&options)?;
        let store = context.store()?;
        let course = store
            .course_by_id(courseid)
            .await?
            .ok_or(StoreError::NotFound { entity: "course", id: courseid })?;
        let course_context = store
            .context_by_instance(CONTEXT_COURSE, course.id)
            .await?
            .ok_or(StoreError::NotFound { entity: "context", id: course.id })?;
        let site = course.id == SITEID;
        let checked = if site { store.system_context().await? } else { course_context.clone() };
        if let Err(error) = validate_context(context, &checked).await {
            let inner = error.to_exception().message;
            return Err(Exception::moodle(
                "errorcoursecontextnotvalid",
                "webservice",
                format!(
                    "You cannot execute functions in the course context (course id:{courseid}). \
                     The context error message was: {inner}"
                ),
            )
            .into());
        }
        let view =
            if site { "moodle/site:viewparticipants" } else { "moodle/course:viewparticipants" };
        if !context.has_capability(view, checked.id).await?
            && !context.has_capability("moodle/course:enrolreview", checked.id).await?
        {
            return Err(crate::support::nopermissions(view));
        }
        if !options.withcapability.is_empty() {
            require_capability(context, "moodle/role:review", course_context.id).await?;
        }
        if options.groupid != 0
            && store.group_member(options.groupid, context.user_id()).await?.is_none()
        {
            require_capability(context, "moodle/site:accessallgroups", course_context.id).await?;
        }
        if options.onlyactive {
            require_capability(context, "moodle/course:enrolreview", course_context.id).await?;
        }
        let mut shared_groups_of = None;
        if options.groupid == 0
            && course.groupmode == 1
            && !context.has_capability("moodle/site:accessallgroups", course_context.id).await?
        {
            let mine = store.groups_of_user_in_course(course.id, context.user_id()).await?;
            if mine.is_empty() {
                // A caller in no group of a separate-groups course sees nobody.
                return Ok(Vec::new());
            }
            shared_groups_of = Some(context.user_id());
        }
        let guestid = config_or(context, "siteguest", "1").await?.trim().parse().unwrap_or(1);
        let query = EnrolledUsersQuery {
            courseid: course.id,
            site,
            guestid,
            onlyactive: options.onlyactive,
            groupid: options.groupid,
            shared_groups_of,
            sort: options.sort,
            descending: options.descending,
            now: crate::now(),
        };
        let mut enrolled = store.enrolled_users(&query).await?;
        if !options.withcapability.is_empty() {
            let access = context.access()?;
            let mut holders = Vec::with_capacity(enrolled.len());
            for participant in enrolled {
                let userid = participant.user.id;
                if access.has_capability(userid, &options.withcapability, course_context.id).await?
                {
                    holders.push(participant);
                }
            }
            enrolled = holders;
        }
        let skip = usize::try_from(options.limitfrom.max(0)).unwrap_or(usize::MAX);
        let take = match usize::try_from(options.limitnumber) {
            Ok(0) | Err(_) => usize::MAX,
            Ok(limit) => limit,
        };
        let fields: Vec<String> = if options.userfields.is_empty() {
            DEFAULT_FIELDS.iter().map(|field| (*field).to_owned()).collect()
        } else {
            options.userfields.clone()
        };
        let profile = CourseProfile::of(context, &course, &course_context, fields).await?;
        let mut users = Vec::new();
        for participant in enrolled.into_iter().skip(skip).take(take) {
            // Moodle checks the fields for each user it describes, so an empty course never
            // complains about them.
            if let Some(unknown) =
                profile.fields.iter().find(|field| !DEFAULT_FIELDS.contains(&field.as_str()))
            {
                return Err(Exception::moodle(
                    "invaliduserfield",
                    "error",
                    format!("Invalid user field: {unknown}"),
                )
                .into());
            }
            if let Some(details) = profile.details(context, &participant).await? {
                users.push(details);
            }
        }
        Ok(users)
    }
}

/// What a course profile needs once per call: the course, the fields asked for, and the
/// caller's standing there (administrator, hidden fields, access to all groups), plus the roles.
struct CourseProfile<'a> {
    course: &'a Course,
    course_context: &'a Context,
    fields: Vec<String>,
    is_admin: bool,
    hidden: Vec<String>,
    can_access_all_groups: bool,
    roles: Vec<Role>,
}

impl<'a> CourseProfile<'a> {
    async fn of(
        context: &CallContext,
        course: &'a Course,
        course_context: &'a Context,
        fields: Vec<String>,
    ) -> Result<CourseProfile<'a>, CallError> {
        let can_view_hidden =
            context.has_capability("moodle/course:viewhiddenuserfields", course_context.id).await?;
        let hidden = if can_view_hidden {
            Vec::new()
        } else {
            config_or(context, "hiddenuserfields", "")
                .await?
                .split(',')
                .map(|field| field.trim().to_owned())
                .collect()
        };
        Ok(CourseProfile {
            course,
            course_context,
            fields,
            is_admin: is_siteadmin(context, context.user_id()).await?,
            hidden,
            can_access_all_groups: context
                .has_capability("moodle/site:accessallgroups", course_context.id)
                .await?,
            roles: context.store()?.list_roles().await?,
        })
    }

    fn wants(&self, field: &str) -> bool {
        self.fields.iter().any(|wanted| wanted == field)
    }

    fn is_hidden(&self, field: &str) -> bool {
        self.hidden.iter().any(|name| name == field)
    }

    /// Moodle's `user_get_user_details` for a participant in the course profile, limited to
    /// the fields asked for; `None` when the caller may not see the user.
    async fn details(
        &self,
        context: &CallContext,
        participant: &EnrolledUser,
    ) -> Result<Option<EnrolledUserDetails>, CallError> {
        let (course, course_context) = (self.course, self.course_context);
        let store = context.store()?;
        let user = &participant.user;
        let Some(usercontext) = store.context_by_instance(CONTEXT_USER, user.id).await? else {
            return Ok(None);
        };
        let Some(details) =
            user_details(context, user, &usercontext, Some((course, course_context))).await?
        else {
            return Ok(None);
        };
        let wants = |field: &str| self.wants(field);
        let keep = |field: &str, value: Option<String>| value.filter(|_| wants(field));
        let mut result = EnrolledUserDetails {
            id: details.id,
            username: keep("username", details.username),
            firstname: keep("firstname", details.firstname),
            lastname: keep("lastname", details.lastname),
            fullname: details.fullname,
            email: keep("email", details.email),
            address: keep("address", details.address),
            phone1: keep("phone1", details.phone1),
            phone2: keep("phone2", details.phone2),
            department: keep("department", details.department),
            institution: keep("institution", details.institution),
            idnumber: keep("idnumber", details.idnumber),
            interests: keep("interests", details.interests),
            firstaccess: details.firstaccess.filter(|_| wants("firstaccess")),
            lastaccess: details.lastaccess.filter(|_| wants("lastaccess")),
            description: keep("description", details.description),
            // The format comes with the description, never alone.
            descriptionformat: details.descriptionformat.filter(|_| wants("description")),
            city: keep("city", details.city),
            country: keep("country", details.country),
            profileimageurlsmall: keep("profileimageurlsmall", Some(details.profileimageurlsmall)),
            profileimageurl: keep("profileimageurl", Some(details.profileimageurl)),
            customfields: details.customfields.filter(|_| wants("customfields")),
            preferences: details.preferences.filter(|_| wants("preferences")),
            ..EnrolledUserDetails::default()
        };
        // Hiding the last access hides the last course access too.
        if wants("lastcourseaccess") && (!self.is_hidden("lastaccess") || self.is_admin) {
            result.lastcourseaccess = Some(participant.lastcourseaccess);
        }
        if wants("roles") {
            let mut held: Vec<UserRole> = store
                .role_assignments_of_user(user.id)
                .await?
                .iter()
                .filter(|assignment| assignment.contextid == course_context.id)
                .filter_map(|assignment| {
                    self.roles.iter().find(|role| role.id == assignment.roleid)
                })
                .map(|role| UserRole {
                    roleid: role.id,
                    name: role.name.clone(),
                    shortname: role.shortname.clone(),
                    sortorder: role.sortorder,
                })
                .collect();
            held.sort_by_key(|role| role.sortorder);
            result.roles = Some(held);
        }
        if wants("groups") && self.can_access_all_groups {
            let groups = store.groups_of_user_in_course(course.id, user.id).await?;
            result.groups = Some(
                groups
                    .into_iter()
                    .map(|group| UserGroup {
                        id: group.id,
                        name: group.name,
                        description: group.description.unwrap_or_default(),
                        descriptionformat: group.descriptionformat,
                    })
                    .collect(),
            );
        }
        if wants("enrolledcourses") && !self.is_hidden("mycourses") {
            let courses = store.courses_of_user(user.id, true, crate::now()).await?;
            if !courses.is_empty() {
                result.enrolledcourses = Some(
                    courses
                        .into_iter()
                        .filter(|course| course.category != 0)
                        .map(|course| EnrolledCourse {
                            id: course.id,
                            fullname: course.fullname,
                            shortname: course.shortname,
                        })
                        .collect(),
                );
            }
        }
        Ok(Some(result))
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::model::role_id;
    use portico_store::{GroupMembership, NewGroup};
    use portico_store::{NewCourse, NewRoleAssignment, Store};
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const NAME: &str = "core_enrol_get_enrolled_users";

    fn ids(answer: &Value) -> Vec<i64> {
        answer
            .as_array()
            .map(|list| {
                list.values()
                    .filter_map(|user| match field(user, "id") {
                        Value::Int(id) => Some(id),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    backend_test!(enrolled_users_lists_sorts_pages_and_filters, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let teacher = site.user("teacher").await;
        let zoe = site.user("zoe").await;
        let amy = site.user("amy").await;
        let outsider = site.user("outsider").await;
        site.enrol(teacher.id, course.id, role_id::EDITINGTEACHER).await;
        site.enrol(zoe.id, course.id, role_id::STUDENT).await;
        site.enrol(amy.id, course.id, role_id::STUDENT).await;
        let caller = site.custom_caller(teacher.id, &[NAME]).await;
        let call = async |options: &str| {
            let args = format!("courseid={}{options}", course.id);
            site.call(Some(&caller), NAME, &args).await
        };
        let all = call("").await.unwrap();
        assert_eq!(ids(&all), [teacher.id, zoe.id, amy.id]);
        assert!(!ids(&all).contains(&outsider.id));
        let first = all.as_array().unwrap().values().nth(1).unwrap().clone();
        assert_eq!(field(&first, "fullname"), "Firstzoe Lastzoe".into());
        assert_eq!(field(&first, "lastcourseaccess"), Value::Int(0));
        let roles = field(&first, "roles");
        let role = roles.as_array().unwrap().values().next().unwrap().clone();
        assert_eq!(field(&role, "shortname"), "student".into());
        let courses = field(&first, "enrolledcourses");
        let enrolled = courses.as_array().unwrap().values().next().unwrap().clone();
        assert_eq!(field(&enrolled, "shortname"), "BIO1".into());
        // Sorted by first name, descending, one page of one after the first.
        let options = "&options[0][name]=sortby&options[0][value]=firstname\
                       &options[1][name]=sortdirection&options[1][value]=desc\
                       &options[2][name]=limitfrom&options[2][value]=1\
                       &options[3][name]=limitnumber&options[3][value]=1";
        assert_eq!(ids(&call(options).await.unwrap()), [teacher.id]);
        // Only users with a capability; only some fields.
        let options = "&options[0][name]=withcapability&options[0][value]=moodle/course:update\
                       &options[1][name]=userfields&options[1][value]=id, email";
        let answer = call(options).await.unwrap();
        assert_eq!(ids(&answer), [teacher.id]);
        let only = answer.as_array().unwrap().values().next().unwrap().clone();
        let keys: Vec<String> = only
            .as_array()
            .unwrap()
            .keys()
            .map(|key| String::from_utf8_lossy(&key.to_php_string()).into_owned())
            .collect();
        assert_eq!(keys, ["id", "fullname", "email"]);
        // Errors.
        let error = call("&options[0][name]=sortby&options[0][value]=email").await.unwrap_err();
        assert_eq!(
            error.debuginfo.unwrap().as_slice(),
            b"Invalid value for sortby parameter (value: email),allowed values are: \
              id,firstname,lastname,siteorder"
        );
        let error = call("&options[0][name]=sortdirection&options[0][value]=up").await.unwrap_err();
        assert_eq!(
            error.debuginfo.unwrap().as_slice(),
            b"Invalid value for sortdirection parameter\n                        (value: UP),\
              allowed values are: ASC,DESC"
        );
        let error =
            call("&options[0][name]=userfields&options[0][value]=id,skype").await.unwrap_err();
        assert_eq!(
            (error.errorcode.as_ref(), error.message.as_str()),
            ("invaliduserfield", "Invalid user field: skype")
        );
    });

    backend_test!(enrolled_users_applies_groups_and_capabilities, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let store = site.store();
        // A course in separate groups mode.
        let settings = site.node.access.settings().await.unwrap();
        let mut row = crate::fixtures::course_row("SEP", category.id);
        row.groupmode = 1;
        let new = NewCourse { course: row, numsections: 0, format_options: vec![] };
        let enrols = crate::support::default_enrols(&settings);
        let course = store.create_courses(&[new], &enrols).await.unwrap().remove(0);
        let ann = site.user("ann").await;
        let bob = site.user("bob").await;
        let cat = site.user("cat").await;
        for user in [&ann, &bob, &cat] {
            site.enrol(user.id, course.id, role_id::STUDENT).await;
        }
        let red = NewGroup { courseid: course.id, name: "Red".into(), ..NewGroup::default() };
        let red = store.create_groups(&[red]).await.unwrap().remove(0);
        store
            .add_group_members(&[GroupMembership { groupid: red.id, userid: ann.id }], "", 0)
            .await
            .unwrap();
        store
            .add_group_members(&[GroupMembership { groupid: red.id, userid: bob.id }], "", 0)
            .await
            .unwrap();
        let caller = site.custom_caller(ann.id, &[NAME]).await;
        let args = format!("courseid={}", course.id);
        // Separate groups: a student sees only members of their groups, and not the groups.
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(ids(&answer), [ann.id, bob.id]);
        let first = answer.as_array().unwrap().values().next().unwrap().clone();
        assert_eq!(field(&first, "groups"), Value::Null);
        assert_eq!(field(&first, "lastcourseaccess"), Value::Int(0));
        assert!(matches!(field(&first, "enrolledcourses"), Value::Array(_)));
        // Hidden user fields hide the last accesses and the course list from a student.
        store.set_config("hiddenuserfields", "lastaccess,mycourses").await.unwrap();
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        let first = answer.as_array().unwrap().values().next().unwrap().clone();
        for hidden in ["lastaccess", "lastcourseaccess", "enrolledcourses"] {
            assert_eq!(field(&first, hidden), Value::Null, "{hidden}");
        }
        store.set_config("hiddenuserfields", "").await.unwrap();
        let caller_cat = site.custom_caller(cat.id, &[NAME]).await;
        let answer = site.call(Some(&caller_cat), NAME, &args).await.unwrap();
        assert_eq!(ids(&answer), Vec::<i64>::new());
        // Options that need capabilities a student lacks.
        let cases = [
            ("onlyactive", "1".to_owned(), "Review course enrolments"),
            ("withcapability", "moodle/course:update".to_owned(), "Review permissions for others"),
        ];
        for (name, value, capability) in cases {
            let args = format!("{args}&options[0][name]={name}&options[0][value]={value}");
            let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
            assert_eq!(
                error.message,
                format!(
                    "Sorry, but you do not currently have permissions to do that ({capability})."
                )
            );
        }
        // Own group: allowed; another group needs accessallgroups.
        let blue = NewGroup { courseid: course.id, name: "Blue".into(), ..NewGroup::default() };
        let blue = store.create_groups(&[blue]).await.unwrap().remove(0);
        let args_red = format!("{args}&options[0][name]=groupid&options[0][value]={}", red.id);
        assert_eq!(
            ids(&site.call(Some(&caller), NAME, &args_red).await.unwrap()),
            [ann.id, bob.id]
        );
        let args_blue = format!("{args}&options[0][name]=groupid&options[0][value]={}", blue.id);
        let error = site.call(Some(&caller), NAME, &args_blue).await.unwrap_err();
        assert_eq!(
            error.message,
            "Sorry, but you do not currently have permissions to do that (Access all groups)."
        );
        // A teacher sees groups.
        let teacher = site.user("teacher").await;
        site.enrol(teacher.id, course.id, role_id::EDITINGTEACHER).await;
        let caller = site.custom_caller(teacher.id, &[NAME]).await;
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        let first = answer.as_array().unwrap().values().next().unwrap().clone();
        let groups = field(&first, "groups");
        let group = groups.as_array().unwrap().values().next().unwrap().clone();
        assert_eq!(field(&group, "name"), "Red".into());
        // Someone who cannot enter the course.
        let stranger = site.user("stranger").await;
        let caller = site.custom_caller(stranger.id, &[NAME]).await;
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(error.errorcode, "errorcoursecontextnotvalid");
        assert_eq!(
            error.message,
            format!(
                "You cannot execute functions in the course context (course id:{}). The context \
                 error message was: Course or activity not accessible.",
                course.id
            )
        );
        // Enrolled without a role: may enter the course, not list its participants.
        let norole = site.user("norole").await;
        site.enrol(norole.id, course.id, 0).await;
        let caller = site.custom_caller(norole.id, &[NAME]).await;
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(
            error.message,
            "Sorry, but you do not currently have permissions to do that (View participants)."
        );
        // A manager assigned in the category views participants without enrolment.
        let manager = site.user("manager").await;
        let category_context = store
            .context_by_instance(portico_store::model::CONTEXT_COURSECAT, category.id)
            .await
            .unwrap()
            .unwrap();
        store
            .assign_role(&NewRoleAssignment {
                roleid: role_id::MANAGER,
                userid: manager.id,
                contextid: category_context.id,
                component: String::new(),
                itemid: 0,
                modifierid: site.admin.id,
            })
            .await
            .unwrap();
        let caller = site.custom_caller(manager.id, &[NAME]).await;
        assert_eq!(ids(&site.call(Some(&caller), NAME, &args).await.unwrap()).len(), 5);
    });
}
