//! Plain rows of the tables Portico uses, one struct per Moodle table.
//!
//! Struct names follow Moodle's table names (`external_tokens` → [`ExternalToken`]) and field names
//! are Moodle's column names verbatim, so a grep for a column seen in a Moodle database lands here.
//! Moodle's `int(n)` columns are `i64` (flags included: Moodle stores `0`/`1`), `char`/`text`
//! columns are `String`, and a column that Moodle declares nullable is an `Option`.
//!
//! This module owns data shapes only: it must never do I/O or hold business rules (whether a token
//! is valid, whether a user may log in): those belong to `portico-access`. Types here are stable:
//! fields and types are added, never renamed.

/// Context level of the site (`CONTEXT_SYSTEM`).
pub const CONTEXT_SYSTEM: i64 = 10;
/// Context level of a user (`CONTEXT_USER`).
pub const CONTEXT_USER: i64 = 30;
/// Context level of a course category (`CONTEXT_COURSECAT`).
pub const CONTEXT_COURSECAT: i64 = 40;
/// Context level of a course (`CONTEXT_COURSE`).
pub const CONTEXT_COURSE: i64 = 50;
/// Context level of a course module (`CONTEXT_MODULE`).
pub const CONTEXT_MODULE: i64 = 70;
/// Context level of a block instance (`CONTEXT_BLOCK`).
pub const CONTEXT_BLOCK: i64 = 80;

/// `role_capabilities.permission`: inherit (never stored; absence of a row means inherit).
pub const CAP_INHERIT: i64 = 0;
/// `role_capabilities.permission`: allow.
pub const CAP_ALLOW: i64 = 1;
/// `role_capabilities.permission`: prevent.
pub const CAP_PREVENT: i64 = -1;
/// `role_capabilities.permission`: prohibit (wins over everything).
pub const CAP_PROHIBIT: i64 = -1000;

/// `external_tokens.tokentype` of a permanent token (`EXTERNAL_TOKEN_PERMANENT`).
pub const EXTERNAL_TOKEN_PERMANENT: i64 = 0;
/// `external_tokens.tokentype` of a token tied to a browser session (`EXTERNAL_TOKEN_EMBEDDED`).
pub const EXTERNAL_TOKEN_EMBEDDED: i64 = 1;

/// Moodle's local host id (`$CFG->mnet_localhost_id`) on a standard installation.
pub const MNET_LOCALHOST_ID: i64 = 1;
/// Id of the system context on a standard installation.
pub const SYSTEM_CONTEXT_ID: i64 = 1;
/// Id of the site course ("front page", `SITEID`).
pub const SITEID: i64 = 1;

/// Ids of the standard roles created at install (spec 05 §2.2).
pub mod role_id {
    /// `manager`.
    pub const MANAGER: i64 = 1;
    /// `coursecreator`.
    pub const COURSECREATOR: i64 = 2;
    /// `editingteacher` ("Teacher").
    pub const EDITINGTEACHER: i64 = 3;
    /// `teacher` ("Non-editing teacher").
    pub const TEACHER: i64 = 4;
    /// `student`.
    pub const STUDENT: i64 = 5;
    /// `guest`.
    pub const GUEST: i64 = 6;
    /// `user` ("Authenticated user").
    pub const USER: i64 = 7;
    /// `frontpage` ("Authenticated user on site home").
    pub const FRONTPAGE: i64 = 8;
}

/// A row of `config`: one site setting (`$CFG->name`), always a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Row id.
    pub id: i64,
    /// Setting name, unique.
    pub name: String,
    /// Setting value.
    pub value: String,
}

/// A row of `config_plugins`: one setting of a plugin (`get_config($plugin, $name)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigPlugin {
    /// Row id.
    pub id: i64,
    /// Plugin component, e.g. `tool_mobile`; unique with `name`.
    pub plugin: String,
    /// Setting name.
    pub name: String,
    /// Setting value.
    pub value: String,
}

/// A row of `user`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Authentication plugin (`manual`, `nologin`, `webservice`, ...).
    pub auth: String,
    /// 1 once the account is confirmed.
    pub confirmed: i64,
    /// 1 once the site policy was agreed.
    pub policyagreed: i64,
    /// 1 for a (soft-)deleted user.
    pub deleted: i64,
    /// 1 for a suspended user.
    pub suspended: i64,
    /// MNet host of the account; the local host for local users.
    pub mnethostid: i64,
    /// Login name, lowercase; unique with `mnethostid`.
    pub username: String,
    /// Password hash (`$6$`, `$2y$`) or a marker for external authentication.
    pub password: String,
    /// Free identifier.
    pub idnumber: String,
    /// Given name.
    pub firstname: String,
    /// Family name.
    pub lastname: String,
    /// Email address.
    pub email: String,
    /// 1 to stop all email.
    pub emailstop: i64,
    /// Phone number.
    pub phone1: String,
    /// Mobile phone number.
    pub phone2: String,
    /// Institution.
    pub institution: String,
    /// Department.
    pub department: String,
    /// Postal address.
    pub address: String,
    /// City or town.
    pub city: String,
    /// ISO 3166 country code.
    pub country: String,
    /// Preferred language.
    pub lang: String,
    /// Calendar type (`gregorian`).
    pub calendartype: String,
    /// Preferred theme.
    pub theme: String,
    /// Time zone (`99` = server default).
    pub timezone: String,
    /// Time of the first access.
    pub firstaccess: i64,
    /// Time of the last access.
    pub lastaccess: i64,
    /// Time of the previous login.
    pub lastlogin: i64,
    /// Time of the current login.
    pub currentlogin: i64,
    /// Last IP address.
    pub lastip: String,
    /// Secret for confirmation and password reset mails.
    pub secret: String,
    /// Non-zero when the user has a picture.
    pub picture: i64,
    /// Profile description.
    pub description: Option<String>,
    /// Format of `description`.
    pub descriptionformat: i64,
    /// Mail format (1 = HTML).
    pub mailformat: i64,
    /// Mail digest type.
    pub maildigest: i64,
    /// Who may see the email address (0 hide, 1 everyone, 2 course members).
    pub maildisplay: i64,
    /// Forum auto-subscription.
    pub autosubscribe: i64,
    /// Forum tracking.
    pub trackforums: i64,
    /// Creation time.
    pub timecreated: i64,
    /// Modification time.
    pub timemodified: i64,
    /// Trust bit mask.
    pub trustbitmask: i64,
    /// Alternative text of the picture.
    pub imagealt: Option<String>,
    /// Phonetic last name.
    pub lastnamephonetic: Option<String>,
    /// Phonetic first name.
    pub firstnamephonetic: Option<String>,
    /// Middle name.
    pub middlename: Option<String>,
    /// Alternate name.
    pub alternatename: Option<String>,
    /// MoodleNet profile (4.0+).
    pub moodlenetprofile: Option<String>,
}

/// A row of `user_preferences`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPreference {
    /// Row id.
    pub id: i64,
    /// Owning user.
    pub userid: i64,
    /// Preference name; unique per user.
    pub name: String,
    /// Preference value.
    pub value: String,
}

/// A row of `user_private_key`: per-user keys for scripts such as `tokenpluginfile.php`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPrivateKey {
    /// Row id.
    pub id: i64,
    /// Script the key is for (`core_files`).
    pub script: String,
    /// The key, unique.
    pub value: String,
    /// Owning user.
    pub userid: i64,
    /// Optional instance id.
    pub instance: Option<i64>,
    /// Allowed client addresses.
    pub iprestriction: Option<String>,
    /// Expiry time; null = never.
    pub validuntil: Option<i64>,
    /// Creation time.
    pub timecreated: Option<i64>,
}

/// A row of `context`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// Row id.
    pub id: i64,
    /// Level (`CONTEXT_*`).
    pub contextlevel: i64,
    /// Id of the instance at that level (0 for the system context).
    pub instanceid: i64,
    /// Chain of context ids from the system context, `/1/3/20`.
    pub path: Option<String>,
    /// Number of elements in `path`.
    pub depth: i64,
    /// 1 when the context is locked.
    pub locked: i64,
}

/// A row of `role`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Row id.
    pub id: i64,
    /// Display name; empty for standard roles.
    pub name: String,
    /// Short name, unique.
    pub shortname: String,
    /// Description.
    pub description: String,
    /// Sort order, unique.
    pub sortorder: i64,
    /// Archetype (`manager`, `student`, ...), empty for none.
    pub archetype: String,
}

/// A row of `role_capabilities`: a permission of a role in a context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleCapability {
    /// Row id.
    pub id: i64,
    /// Context: the system context defines the role, any other overrides it.
    pub contextid: i64,
    /// The role.
    pub roleid: i64,
    /// Capability name.
    pub capability: String,
    /// `CAP_ALLOW`, `CAP_PREVENT` or `CAP_PROHIBIT`.
    pub permission: i64,
    /// Modification time.
    pub timemodified: i64,
    /// Who modified it.
    pub modifierid: i64,
}

/// A row of `role_assignments`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAssignment {
    /// Row id.
    pub id: i64,
    /// The role.
    pub roleid: i64,
    /// The context.
    pub contextid: i64,
    /// The user.
    pub userid: i64,
    /// Modification time.
    pub timemodified: i64,
    /// Who assigned it.
    pub modifierid: i64,
    /// Owning plugin, empty for manual assignments.
    pub component: String,
    /// Owning instance id, 0 for manual assignments.
    pub itemid: i64,
    /// Sort order.
    pub sortorder: i64,
}

/// A row of `capabilities`: a capability definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability {
    /// Row id.
    pub id: i64,
    /// Name, unique, e.g. `moodle/course:update`.
    pub name: String,
    /// `read` or `write`.
    pub captype: String,
    /// Level where it is normally meaningful (informative).
    pub contextlevel: i64,
    /// Defining component.
    pub component: String,
    /// `RISK_*` bits.
    pub riskbitmask: i64,
}

/// A row of `external_services`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalService {
    /// Row id.
    pub id: i64,
    /// Display name, unique.
    pub name: String,
    /// 1 = usable.
    pub enabled: i64,
    /// Capability every user must hold.
    pub requiredcapability: Option<String>,
    /// 1 = only users in `external_services_users`.
    pub restrictedusers: i64,
    /// Owning component of a built-in service; null for custom ones.
    pub component: Option<String>,
    /// Creation time.
    pub timecreated: i64,
    /// Modification time.
    pub timemodified: Option<i64>,
    /// Identifier used at login (`service=`).
    pub shortname: Option<String>,
    /// 1 = file downloads allowed.
    pub downloadfiles: i64,
    /// 1 = file uploads allowed.
    pub uploadfiles: i64,
}

/// A row of `external_functions`: a registered external function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalFunction {
    /// Row id.
    pub id: i64,
    /// Wire name, unique.
    pub name: String,
    /// Implementing class.
    pub classname: String,
    /// Implementing method.
    pub methodname: String,
    /// File of the class, if not autoloaded.
    pub classpath: Option<String>,
    /// Owning component.
    pub component: String,
    /// Declared capabilities, comma-separated (informational only).
    pub capabilities: Option<String>,
    /// Built-in services that include the function, comma-separated.
    pub services: Option<String>,
}

/// A row of `external_services_functions`: a function in a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalServiceFunction {
    /// Row id.
    pub id: i64,
    /// The service.
    pub externalserviceid: i64,
    /// The function's name.
    pub functionname: String,
}

/// A row of `external_services_users`: a user authorised on a restricted service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalServiceUser {
    /// Row id.
    pub id: i64,
    /// The service.
    pub externalserviceid: i64,
    /// The user.
    pub userid: i64,
    /// Allowed client addresses for this user.
    pub iprestriction: Option<String>,
    /// Expiry of the authorisation.
    pub validuntil: Option<i64>,
    /// Creation time.
    pub timecreated: Option<i64>,
}

/// A row of `external_tokens`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalToken {
    /// Row id.
    pub id: i64,
    /// The secret clients send.
    pub token: String,
    /// Second secret, for auto-login keys.
    pub privatetoken: Option<String>,
    /// `EXTERNAL_TOKEN_PERMANENT` or `EXTERNAL_TOKEN_EMBEDDED`.
    pub tokentype: i64,
    /// The user the token acts as.
    pub userid: i64,
    /// The one service the token can use.
    pub externalserviceid: i64,
    /// Browser session of an embedded token.
    pub sid: Option<String>,
    /// Context restriction.
    pub contextid: i64,
    /// Who created it.
    pub creatorid: i64,
    /// Allowed client addresses.
    pub iprestriction: Option<String>,
    /// Expiry time; 0 or null = never.
    pub validuntil: Option<i64>,
    /// Creation time.
    pub timecreated: i64,
    /// Last use.
    pub lastaccess: Option<i64>,
    /// Label (4.3+).
    pub name: Option<String>,
}

/// A row of `sessions`: a browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Row id.
    pub id: i64,
    /// Session state (0 = active).
    pub state: i64,
    /// Session id sent in the cookie, unique.
    pub sid: String,
    /// Logged-in user (0 = not logged in).
    pub userid: i64,
    /// Serialised session data; Portico keeps the `sesskey` here (see `Store::create_session`).
    pub sessdata: Option<String>,
    /// Creation time.
    pub timecreated: i64,
    /// Time of the last request.
    pub timemodified: i64,
    /// Address of the first request.
    pub firstip: Option<String>,
    /// Address of the last request.
    pub lastip: Option<String>,
}

/// A row of `logstore_standard_log`: one event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogstoreStandardLog {
    /// Row id.
    pub id: i64,
    /// Event class, e.g. `\core\event\webservice_function_called`.
    pub eventname: String,
    /// Component.
    pub component: String,
    /// Action (`called`, `failed`, `created`, ...).
    pub action: String,
    /// Target (`webservice_function`, `webservice_login`, ...).
    pub target: String,
    /// Table of the object.
    pub objecttable: Option<String>,
    /// Id of the object.
    pub objectid: Option<i64>,
    /// `c`, `r`, `u` or `d`.
    pub crud: String,
    /// Educational level (0 other, 1 teaching, 2 participating).
    pub edulevel: i64,
    /// Context of the event.
    pub contextid: i64,
    /// Level of that context.
    pub contextlevel: i64,
    /// Instance of that context.
    pub contextinstanceid: i64,
    /// Acting user.
    pub userid: i64,
    /// Course, if any.
    pub courseid: Option<i64>,
    /// User the event is about.
    pub relateduserid: Option<i64>,
    /// 1 for anonymous events.
    pub anonymous: i64,
    /// Event-specific data, JSON encoded.
    pub other: Option<String>,
    /// Event time.
    pub timecreated: i64,
    /// Origin (`ws`, `web`, `cli`, ...).
    pub origin: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// Real user when logged in as another.
    pub realuserid: Option<i64>,
}

/// A row of `course_categories`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CourseCategory {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Free identifier.
    pub idnumber: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Format of `description`.
    pub descriptionformat: i64,
    /// Parent category, 0 for top level.
    pub parent: i64,
    /// Global sort order.
    pub sortorder: i64,
    /// Number of courses.
    pub coursecount: i64,
    /// 1 when visible.
    pub visible: i64,
    /// Visibility before a parent was hidden.
    pub visibleold: i64,
    /// Modification time.
    pub timemodified: i64,
    /// 1 for top level.
    pub depth: i64,
    /// Chain of category ids, `/2/7`.
    pub path: String,
    /// Forced theme.
    pub theme: Option<String>,
}

/// A row of `course`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Course {
    /// Row id.
    pub id: i64,
    /// Category, 0 only for the site course.
    pub category: i64,
    /// Sort order.
    pub sortorder: i64,
    /// Full name.
    pub fullname: String,
    /// Short name.
    pub shortname: String,
    /// Free identifier.
    pub idnumber: String,
    /// Summary.
    pub summary: Option<String>,
    /// Format of `summary`.
    pub summaryformat: i64,
    /// Course format plugin.
    pub format: String,
    /// Show grades.
    pub showgrades: i64,
    /// Number of news items.
    pub newsitems: i64,
    /// Start date.
    pub startdate: i64,
    /// End date.
    pub enddate: i64,
    /// Relative dates mode.
    pub relativedatesmode: i64,
    /// Highlighted section.
    pub marker: i64,
    /// Upload limit, 0 = site limit.
    pub maxbytes: i64,
    /// Legacy course files.
    pub legacyfiles: i64,
    /// Show activity reports.
    pub showreports: i64,
    /// 1 when visible.
    pub visible: i64,
    /// Visibility before the category was hidden.
    pub visibleold: i64,
    /// Download course content.
    pub downloadcontent: Option<i64>,
    /// Group mode.
    pub groupmode: i64,
    /// Group mode forced.
    pub groupmodeforce: i64,
    /// Default grouping.
    pub defaultgroupingid: i64,
    /// Forced language.
    pub lang: String,
    /// Forced calendar type.
    pub calendartype: String,
    /// Forced theme.
    pub theme: String,
    /// Creation time.
    pub timecreated: i64,
    /// Modification time.
    pub timemodified: i64,
    /// Requested course.
    pub requested: i64,
    /// Completion tracking enabled.
    pub enablecompletion: i64,
    /// Notify on completion.
    pub completionnotify: i64,
    /// Cache revision.
    pub cacherev: i64,
    /// Course this one was copied from.
    pub originalcourseid: Option<i64>,
    /// Show activity dates.
    pub showactivitydates: i64,
    /// Show completion conditions.
    pub showcompletionconditions: Option<i64>,
    /// PDF export font.
    pub pdfexportfont: Option<String>,
}

/// A row of `enrol`: an enrolment instance of a course.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Enrol {
    /// Row id.
    pub id: i64,
    /// Plugin name (`manual`, `self`, ...).
    pub enrol: String,
    /// 0 enabled, 1 disabled.
    pub status: i64,
    /// The course.
    pub courseid: i64,
    /// Order within the course.
    pub sortorder: i64,
    /// Instance name.
    pub name: Option<String>,
    /// Default enrolment duration.
    pub enrolperiod: Option<i64>,
    /// Start of the enrolment window.
    pub enrolstartdate: Option<i64>,
    /// End of the enrolment window.
    pub enrolenddate: Option<i64>,
    /// Expiry notification.
    pub expirynotify: Option<i64>,
    /// Expiry notification threshold.
    pub expirythreshold: Option<i64>,
    /// Notify everyone.
    pub notifyall: Option<i64>,
    /// Enrolment key.
    pub password: Option<String>,
    /// Cost.
    pub cost: Option<String>,
    /// Currency.
    pub currency: Option<String>,
    /// Default role.
    pub roleid: Option<i64>,
    /// Plugin-specific integer 1.
    pub customint1: Option<i64>,
    /// Plugin-specific integer 2.
    pub customint2: Option<i64>,
    /// Plugin-specific integer 3.
    pub customint3: Option<i64>,
    /// Plugin-specific integer 4.
    pub customint4: Option<i64>,
    /// Plugin-specific integer 5.
    pub customint5: Option<i64>,
    /// Plugin-specific integer 6.
    pub customint6: Option<i64>,
    /// Plugin-specific integer 7.
    pub customint7: Option<i64>,
    /// Plugin-specific integer 8.
    pub customint8: Option<i64>,
    /// Plugin-specific string 1.
    pub customchar1: Option<String>,
    /// Plugin-specific string 2.
    pub customchar2: Option<String>,
    /// Plugin-specific string 3.
    pub customchar3: Option<String>,
    /// Plugin-specific decimal 1.
    pub customdec1: Option<f64>,
    /// Plugin-specific decimal 2.
    pub customdec2: Option<f64>,
    /// Plugin-specific text 1.
    pub customtext1: Option<String>,
    /// Plugin-specific text 2.
    pub customtext2: Option<String>,
    /// Plugin-specific text 3.
    pub customtext3: Option<String>,
    /// Plugin-specific text 4.
    pub customtext4: Option<String>,
    /// Creation time.
    pub timecreated: i64,
    /// Modification time.
    pub timemodified: i64,
}

/// A row of `user_enrolments`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserEnrolment {
    /// Row id.
    pub id: i64,
    /// 0 active, 1 suspended.
    pub status: i64,
    /// The enrolment instance.
    pub enrolid: i64,
    /// The user.
    pub userid: i64,
    /// Start, 0 = none.
    pub timestart: i64,
    /// End, 0 or 2147483647 = none.
    pub timeend: i64,
    /// Who enrolled the user.
    pub modifierid: i64,
    /// Creation time.
    pub timecreated: i64,
    /// Modification time.
    pub timemodified: i64,
}

/// A row of `groups`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Group {
    /// Row id.
    pub id: i64,
    /// The course.
    pub courseid: i64,
    /// Free identifier.
    pub idnumber: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Format of `description`.
    pub descriptionformat: i64,
    /// Enrolment key.
    pub enrolmentkey: Option<String>,
    /// Picture revision.
    pub picture: i64,
    /// Visibility (4.2+).
    pub visibility: i64,
    /// Participation (4.2+).
    pub participation: i64,
    /// Creation time.
    pub timecreated: i64,
    /// Modification time.
    pub timemodified: i64,
}

/// A row of `groups_members`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupMember {
    /// Row id.
    pub id: i64,
    /// The group.
    pub groupid: i64,
    /// The user.
    pub userid: i64,
    /// Time added.
    pub timeadded: i64,
    /// Managing plugin, empty for manual.
    pub component: String,
    /// Managing instance.
    pub itemid: i64,
}

/// A row of `cohort`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cohort {
    /// Row id.
    pub id: i64,
    /// Context (system or category).
    pub contextid: i64,
    /// Name.
    pub name: String,
    /// Free identifier.
    pub idnumber: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Format of `description`.
    pub descriptionformat: i64,
    /// 1 when visible.
    pub visible: i64,
    /// Managing plugin, empty for manual.
    pub component: String,
    /// Creation time.
    pub timecreated: i64,
    /// Modification time.
    pub timemodified: i64,
    /// Forced theme.
    pub theme: Option<String>,
}

/// A row of `cohort_members`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CohortMember {
    /// Row id.
    pub id: i64,
    /// The cohort.
    pub cohortid: i64,
    /// The user.
    pub userid: i64,
    /// Time added.
    pub timeadded: i64,
}

/// A row of `files`: a file record (content lives in the file store by `contenthash`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct File {
    /// Row id.
    pub id: i64,
    /// SHA-1 of the content.
    pub contenthash: String,
    /// SHA-1 of the full path, unique.
    pub pathnamehash: String,
    /// Owning context.
    pub contextid: i64,
    /// Component.
    pub component: String,
    /// File area.
    pub filearea: String,
    /// Item id.
    pub itemid: i64,
    /// Directory, starts and ends with `/`.
    pub filepath: String,
    /// Name, `.` for directories.
    pub filename: String,
    /// Uploader.
    pub userid: Option<i64>,
    /// Size in bytes.
    pub filesize: i64,
    /// MIME type.
    pub mimetype: Option<String>,
    /// Status.
    pub status: i64,
    /// Source information.
    pub source: Option<String>,
    /// Author.
    pub author: Option<String>,
    /// Licence.
    pub license: Option<String>,
    /// Creation time.
    pub timecreated: i64,
    /// Modification time.
    pub timemodified: i64,
    /// Sort order.
    pub sortorder: i64,
    /// Referenced file, for repository references.
    pub referencefileid: Option<i64>,
}

/// A row of `portico_schema_version`: one applied migration (Portico only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PorticoSchemaVersion {
    /// Migration number.
    pub version: i64,
    /// Migration name.
    pub name: String,
    /// When it was applied.
    pub timeapplied: i64,
}

/// A row of `portico_change_log`: a change that may affect access decisions (Portico only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PorticoChangeLog {
    /// Row id, increasing.
    pub id: i64,
    /// What kind of thing changed (see `ChangeKind::as_str`).
    pub kind: String,
    /// Which one (an id or a name, never a secret).
    pub key: String,
    /// When.
    pub timecreated: i64,
}
