//! Moodle's user-detail builder (spec 04 §4.0): the `user_description` structure and which of
//! a user's fields a caller may see, through the user's own profile or a course profile.
//!
//! This module owns the visibility rules shared by the user functions. It must never search or
//! change users: functions find the users, this module only decides what of each is shown.

use portico_engine::{CallContext, CallError};
use portico_macros::Describe;
use portico_store::model::{CONTEXT_COURSE, CONTEXT_USER, Context, Course, User};

use crate::support::{config_or, fullname, is_siteadmin, user_picture_url};

/// A custom profile field value of a user.
#[derive(Debug, Clone, Describe)]
#[describe(desc = "")]
pub struct UserCustomField {
    /// The type of the custom field - text field, checkbox...
    #[describe(param = AlphaNumExt)]
    pub r#type: String,
    /// The value of the custom field
    pub value: String,
    /// The name of the custom field
    pub name: String,
    /// The shortname of the custom field - to be able to build the field class in the code
    pub shortname: String,
}

/// A preference of a user.
#[derive(Debug, Clone, Describe)]
#[describe(desc = "")]
pub struct UserPreferenceEntry {
    /// The name of the preferences
    pub name: String,
    /// The value of the preference
    pub value: String,
}

/// What a caller may see of a user (Moodle's `user_description`).
#[derive(Debug, Clone, Default, Describe)]
#[describe(desc = "")]
pub struct UserDescription {
    /// ID of the user
    pub id: i64,
    /// The username
    #[describe(param = Username)]
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
    #[describe(param = RawTrimmed)]
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
    /// Auth plugins include manual, ldap, etc
    #[describe(param = Auth)]
    pub auth: Option<String>,
    /// Suspend user account, either false to enable user login or true to disable it
    pub suspended: Option<bool>,
    /// Active user: 1 if confirmed, 0 otherwise
    pub confirmed: Option<bool>,
    /// Language code such as "en", must exist on server
    #[describe(param = Lang)]
    pub lang: Option<String>,
    /// Calendar type such as "gregorian", must exist on server
    #[describe(param = Plugin)]
    pub calendartype: Option<String>,
    /// Theme name such as "standard", must exist on server
    #[describe(param = Theme)]
    pub theme: Option<String>,
    /// Timezone code such as Australia/Perth, or 99 for default
    #[describe(param = Timezone)]
    pub timezone: Option<String>,
    /// Mail format code is 0 for plain text, 1 for HTML etc
    pub mailformat: Option<i64>,
    /// User profile description
    pub description: Option<String>,
    /// int format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)
    pub descriptionformat: Option<i64>,
    /// Home city of the user
    #[describe(param = Text)]
    pub city: Option<String>,
    /// Home country code of the user, such as AU or CZ
    #[describe(param = Alpha)]
    pub country: Option<String>,
    /// User image profile URL - small version
    #[describe(param = Url)]
    pub profileimageurlsmall: String,
    /// User image profile URL - big version
    #[describe(param = Url)]
    pub profileimageurl: String,
    /// User custom fields (also known as user profile fields)
    pub customfields: Option<Vec<UserCustomField>>,
    /// Users preferences
    pub preferences: Option<Vec<UserPreferenceEntry>>,
}

/// PHP's `empty()` of a string: empty or `"0"`.
pub fn php_empty(text: &str) -> bool {
    text.is_empty() || text == "0"
}

/// Moodle's `user_get_user_details_courses`: the details of `user` the caller may see, through
/// the user's own profile when the caller may view it, else through the last of the user's
/// active courses that lets the caller view it; `None` when no profile qualifies.
pub async fn user_details_courses(
    context: &CallContext,
    user: &User,
) -> Result<Option<UserDescription>, CallError> {
    if user.deleted != 0 {
        return Ok(None);
    }
    let store = context.store()?;
    let Some(usercontext) = store.context_by_instance(CONTEXT_USER, user.id).await? else {
        return Ok(None);
    };
    let is_self = user.id == context.user_id();
    let coursecontact = is_course_contact(context, user.id).await?;
    if is_self
        || coursecontact
        || context.has_capability("moodle/user:viewdetails", usercontext.id).await?
    {
        return user_details(context, user, &usercontext, None).await;
    }
    let mut details = None;
    // Moodle keeps trying and returns the details of the last qualifying course.
    for course in store.courses_of_user(user.id, true, crate::now()).await? {
        let Some(coursecontext) = store.context_by_instance(CONTEXT_COURSE, course.id).await?
        else {
            continue;
        };
        if context.has_capability("moodle/user:viewdetails", coursecontext.id).await? {
            details =
                user_details(context, user, &usercontext, Some((&course, &coursecontext))).await?;
        }
    }
    Ok(details)
}

/// Whether `userid` holds one of the site's course-contact roles (setting `coursecontact`) in
/// some course.
async fn is_course_contact(context: &CallContext, userid: i64) -> Result<bool, CallError> {
    let roles: Vec<i64> = config_or(context, "coursecontact", "")
        .await?
        .split(',')
        .filter_map(|id| id.trim().parse().ok())
        .collect();
    if roles.is_empty() {
        return Ok(false);
    }
    Ok(context.store()?.user_has_course_role(userid, &roles).await?)
}

/// Moodle's `user_get_user_details` with every default field: the user profile when `course`
/// is `None`, else the course profile of that course.
pub async fn user_details(
    context: &CallContext,
    user: &User,
    usercontext: &Context,
    course: Option<(&Course, &Context)>,
) -> Result<Option<UserDescription>, CallError> {
    let store = context.store()?;
    let profile = course.map_or(usercontext, |(_, coursecontext)| coursecontext);
    let can = async |capability: &str| context.has_capability(capability, profile.id).await;
    let can_view_details =
        context.has_capability("moodle/user:viewdetails", usercontext.id).await?
            || (course.is_some() && can("moodle/user:viewdetails").await?);
    let is_self = user.id == context.user_id();
    let is_admin = is_siteadmin(context, context.user_id()).await?;
    let identity: Vec<String> = if can("moodle/site:viewuseridentity").await? {
        config_or(context, "showuseridentity", "email")
            .await?
            .split(',')
            .map(|field| field.trim().to_owned())
            .filter(|field| !field.is_empty())
            .collect()
    } else {
        Vec::new()
    };
    let shows_identity = |field: &str| identity.iter().any(|shown| shown == field);
    let hidden_capability = if course.is_some() {
        "moodle/course:viewhiddenuserfields"
    } else {
        "moodle/user:viewhiddendetails"
    };
    let can_view_hidden = can(hidden_capability).await?;
    let can_view_fullnames = can("moodle/site:viewfullnames").await?;
    let can_view_email = course.is_some() && can("moodle/course:useremail").await?;
    let enrolled_only = config_or(context, "profilesforenrolledusersonly", "1").await?;
    let cannot_view_description =
        !php_empty(&enrolled_only) && !is_self && !store.user_has_role_assignment(user.id).await?;
    if !is_self && !can_view_details && !is_course_contact(context, user.id).await? {
        return Ok(None);
    }
    let hidden: Vec<String> = if can_view_hidden {
        Vec::new()
    } else {
        config_or(context, "hiddenuserfields", "")
            .await?
            .split(',')
            .map(|field| field.trim().to_owned())
            .collect()
    };
    let visible = |field: &str| is_admin || !hidden.iter().any(|name| name == field);
    let non_empty = |text: &str| (!php_empty(text)).then(|| text.to_owned());
    let can_view_all = is_self || can("moodle/user:viewalldetails").await?;

    let mut details = UserDescription {
        id: user.id,
        fullname: fullname(user),
        profileimageurl: user_picture_url(context, user, "f1").await?,
        profileimageurlsmall: user_picture_url(context, user, "f2").await?,
        ..UserDescription::default()
    };
    if can_view_all {
        details.username = Some(user.username.clone());
    }
    if is_admin || can_view_fullnames {
        details.firstname = Some(user.firstname.clone());
        details.lastname = Some(user.lastname.clone());
    }
    // FIXME(#5): custom profile fields and interest tags once Portico stores them.
    if can_view_hidden {
        details.address = non_empty(&user.address);
    }
    if shows_identity("phone1") || can_view_hidden {
        details.phone1 = non_empty(&user.phone1);
    }
    if shows_identity("phone2") || can_view_hidden {
        details.phone2 = non_empty(&user.phone2);
    }
    if let Some(description) = &user.description
        && ((visible("description") && !cannot_view_description) || is_admin)
    {
        details.description = Some(description.clone());
        details.descriptionformat = Some(user.descriptionformat);
    }
    if visible("country") {
        details.country = non_empty(&user.country);
    }
    if visible("city") {
        details.city = non_empty(&user.city);
    }
    if visible("suspended") {
        details.suspended = Some(user.suspended != 0);
    }
    if visible("firstaccess") {
        details.firstaccess = Some(user.firstaccess);
    }
    if visible("lastaccess") {
        details.lastaccess = Some(user.lastaccess);
    }
    let email_visible = is_admin
        || is_self
        || can_view_email
        || shows_identity("email")
        || user.maildisplay == 1
        || (user.maildisplay == 2
            && store.users_share_course(user.id, context.user_id(), crate::now()).await?);
    if email_visible {
        details.email = Some(user.email.clone());
    }
    if shows_identity("idnumber") || can_view_all {
        details.idnumber = non_empty(&user.idnumber);
    }
    if shows_identity("institution") || can_view_all {
        details.institution = non_empty(&user.institution);
    }
    if shows_identity("department") || can_view_all {
        // Moodle tests only that the department is set, so an empty one is shown.
        details.department = Some(user.department.clone());
    }
    if is_self {
        let preferences = store.list_user_preferences(user.id).await?;
        details.preferences = Some(
            preferences
                .into_iter()
                .map(|preference| UserPreferenceEntry {
                    name: preference.name,
                    value: preference.value,
                })
                .collect(),
        );
    }
    if can_view_all {
        let site = context.site();
        details.auth = Some(user.auth.clone());
        details.confirmed = Some(user.confirmed != 0);
        // Moodle cleans these two, as the user may have an uninstalled language or theme.
        let installed = |list: &std::collections::HashSet<String>, name: &str| {
            if list.contains(name) { name.to_owned() } else { String::new() }
        };
        details.lang = Some(installed(&site.installed.languages, &user.lang));
        details.theme = Some(installed(&site.installed.themes, &user.theme));
        details.timezone = Some(user.timezone.clone());
        details.mailformat = Some(user.mailformat);
    }
    Ok(Some(details))
}
