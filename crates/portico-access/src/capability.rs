//! `has_capability` exactly as spec 05 §3 states it, over an in-memory snapshot.
//!
//! A [`RoleSnapshot`] holds what Moodle's access data holds: capability definitions, every
//! `role_capabilities` row (definitions in the system context, overrides elsewhere) and the site
//! settings that add implicit roles. A [`Subject`] is one user with the explicit role assignments
//! that matter. [`has_capability`] then answers without I/O, in the order of 05 §3.4:
//! unknown capability, forced login, risky capabilities for guests, locked contexts, deleted
//! users, invalid paths, site administrators, and finally the role walk in which a PROHIBIT
//! anywhere on the chain wins, each role's nearest row decides for that role, and one ALLOW among
//! the roles is enough.
//!
//! [`DEFAULT_CAPABILITIES`] is the table of 05 §4: every capability Portico's core functions use,
//! with its type, risks and the archetype defaults that installation writes into the system
//! context.

use std::collections::HashMap;

use portico_store::model::{
    CAP_ALLOW, CAP_PROHIBIT, CONTEXT_COURSE, CONTEXT_COURSECAT, CONTEXT_MODULE, CONTEXT_SYSTEM,
    CONTEXT_USER, role_id,
};

/// `RISK_MANAGETRUST`.
pub const RISK_MANAGETRUST: i64 = 0x0001;
/// `RISK_CONFIG`.
pub const RISK_CONFIG: i64 = 0x0002;
/// `RISK_XSS`.
pub const RISK_XSS: i64 = 0x0004;
/// `RISK_PERSONAL`.
pub const RISK_PERSONAL: i64 = 0x0008;
/// `RISK_SPAM`.
pub const RISK_SPAM: i64 = 0x0010;
/// `RISK_DATALOSS`.
pub const RISK_DATALOSS: i64 = 0x0020;

/// What `has_capability` needs to know about a capability (a row of `capabilities`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapabilityInfo {
    /// `write` capabilities are never granted to guests.
    pub write: bool,
    /// `RISK_*` bits.
    pub riskbitmask: i64,
}

/// Site settings that decide implicit roles and guest handling (05 §2.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteRoles {
    /// `$CFG->siteadmins`: ids of site administrators.
    pub siteadmins: Vec<i64>,
    /// `$CFG->siteguest`: id of the guest user.
    pub siteguest: i64,
    /// `$CFG->notloggedinroleid`.
    pub notloggedinroleid: i64,
    /// `$CFG->guestroleid`.
    pub guestroleid: i64,
    /// `$CFG->defaultuserroleid`: the authenticated-user role, held by every real user.
    pub defaultuserroleid: i64,
    /// `$CFG->defaultfrontpageroleid` (0 disables): held in the site course's context.
    pub defaultfrontpageroleid: i64,
    /// Context id of the site course (front page).
    pub frontpagecontextid: i64,
    /// `$CFG->forcelogin`.
    pub forcelogin: bool,
    /// `$CFG->contextlocking`.
    pub contextlocking: bool,
    /// `$CFG->contextlockappliestoadmin`.
    pub contextlockappliestoadmin: bool,
}

impl Default for SiteRoles {
    /// The settings of a fresh installation: admin user 2, guest user 1, standard roles.
    fn default() -> SiteRoles {
        SiteRoles {
            siteadmins: vec![2],
            siteguest: 1,
            notloggedinroleid: role_id::GUEST,
            guestroleid: role_id::GUEST,
            defaultuserroleid: role_id::USER,
            defaultfrontpageroleid: role_id::FRONTPAGE,
            frontpagecontextid: 2,
            forcelogin: false,
            contextlocking: false,
            contextlockappliestoadmin: true,
        }
    }
}

/// Role definitions and overrides, capability definitions and site role settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleSnapshot {
    /// Capability definitions by name.
    pub capabilities: HashMap<String, CapabilityInfo>,
    /// `role_capabilities`: capability → (roleid, contextid) → permission.
    pub permissions: HashMap<String, HashMap<(i64, i64), i64>>,
    /// Site settings.
    pub site: SiteRoles,
}

/// The user a check is about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    /// User id; 0 is "not logged in".
    pub userid: i64,
    /// `user.deleted`.
    pub deleted: bool,
    /// Explicit `role_assignments` of the user: (roleid, contextid).
    pub assignments: Vec<(i64, i64)>,
}

/// A context as a check sees it: the chain of context ids from the system context down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContextChain<'a> {
    /// Context ids from the system context to the checked context, e.g. `[1, 3, 20]`; empty
    /// when the context's path is invalid.
    pub path: &'a [i64],
    /// Whether the context or one of its ancestors is locked.
    pub locked: bool,
}

/// Parses a `context.path` such as `/1/3/20` into its ids; `None` when malformed.
pub fn parse_path(path: &str) -> Option<Vec<i64>> {
    let rest = path.strip_prefix('/')?;
    rest.split('/').map(|id| id.parse::<i64>().ok().filter(|id| *id > 0)).collect()
}

impl RoleSnapshot {
    /// A snapshot holding the capability definitions and archetype defaults of
    /// [`DEFAULT_CAPABILITIES`] for the standard roles in system context `1`.
    pub fn with_defaults() -> RoleSnapshot {
        let mut snapshot = RoleSnapshot::default();
        for default in DEFAULT_CAPABILITIES {
            snapshot.capabilities.insert(
                default.name.to_owned(),
                CapabilityInfo { write: default.captype == "write", riskbitmask: default.risks },
            );
        }
        for (roleid, capability, permission) in default_role_capabilities() {
            snapshot.set(roleid, 1, capability, permission);
        }
        snapshot
    }

    /// Sets the permission of `roleid` for `capability` in `contextid` (0 = inherit = no row).
    pub fn set(&mut self, roleid: i64, contextid: i64, capability: &str, permission: i64) {
        let rows = self.permissions.entry(capability.to_owned()).or_default();
        if permission == 0 {
            rows.remove(&(roleid, contextid));
        } else {
            rows.insert((roleid, contextid), permission);
        }
    }

    /// Whether `userid` is a site administrator.
    pub fn is_siteadmin(&self, userid: i64) -> bool {
        userid > 0 && self.site.siteadmins.contains(&userid)
    }

    /// The roles `subject` holds somewhere on `path` (05 §3.3), implicit ones included.
    pub fn roles_on_chain(&self, subject: &Subject, path: &[i64]) -> Vec<i64> {
        let site = &self.site;
        let system = path.first().copied().unwrap_or(1);
        let mut implicit = Vec::new();
        if subject.userid == 0 {
            implicit.push((site.notloggedinroleid, system));
        } else if subject.userid == site.siteguest {
            implicit.push((site.guestroleid, system));
        } else {
            implicit.push((site.defaultuserroleid, system));
            if site.defaultfrontpageroleid != 0 {
                implicit.push((site.defaultfrontpageroleid, site.frontpagecontextid));
            }
            implicit.extend(subject.assignments.iter().copied());
        }
        let mut roles: Vec<i64> = implicit
            .into_iter()
            .filter(|(roleid, contextid)| *roleid > 0 && path.contains(contextid))
            .map(|(roleid, _)| roleid)
            .collect();
        roles.sort_unstable();
        roles.dedup();
        roles
    }
}

/// Moodle's `has_capability($capability, $context, $user)` with `doanything` true.
pub fn has_capability(
    snapshot: &RoleSnapshot,
    subject: &Subject,
    capability: &str,
    context: ContextChain<'_>,
) -> bool {
    let Some(info) = snapshot.capabilities.get(capability) else { return false };
    let site = &snapshot.site;
    if site.forcelogin && subject.userid == 0 {
        return false;
    }
    let guest = subject.userid == 0 || subject.userid == site.siteguest;
    if guest && (info.write || info.riskbitmask & (RISK_XSS | RISK_CONFIG | RISK_DATALOSS) != 0) {
        return false;
    }
    let admin = snapshot.is_siteadmin(subject.userid);
    if site.contextlocking
        && info.write
        && context.locked
        && capability != "moodle/site:managecontextlocks"
        && (!admin || site.contextlockappliestoadmin)
    {
        return false;
    }
    if subject.deleted {
        return false;
    }
    if context.path.is_empty() {
        return admin;
    }
    if admin {
        return true;
    }
    let Some(rows) = snapshot.permissions.get(capability) else { return false };
    let mut allowed = false;
    for roleid in snapshot.roles_on_chain(subject, context.path) {
        let mut effective = None;
        for contextid in context.path.iter().rev() {
            if let Some(&permission) = rows.get(&(roleid, *contextid)) {
                if permission == CAP_PROHIBIT {
                    return false;
                }
                effective.get_or_insert(permission);
            }
        }
        allowed |= effective == Some(CAP_ALLOW);
    }
    allowed
}

/// A capability and its archetype defaults (a row of 05 §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapabilityDefault {
    /// Capability name.
    pub name: &'static str,
    /// `read` or `write`.
    pub captype: &'static str,
    /// Context level where it is normally meaningful.
    pub contextlevel: i64,
    /// Defining component.
    pub component: &'static str,
    /// `RISK_*` bits.
    pub risks: i64,
    /// Archetype defaults: (archetype, permission).
    pub archetypes: &'static [(&'static str, i64)],
}

const A: i64 = CAP_ALLOW;
const P: i64 = CAP_PROHIBIT;

macro_rules! capabilities {
    ($( $name:literal $captype:literal $level:ident $component:literal [$($risk:ident)|*]
        { $($archetype:literal : $perm:ident),* } )*) => {
        &[$(CapabilityDefault {
            name: $name,
            captype: $captype,
            contextlevel: $level,
            component: $component,
            risks: 0 $(| $risk)*,
            archetypes: &[$(($archetype, $perm)),*],
        }),*]
    };
}

/// Every capability of 05 §4 with its archetype defaults, plus the capabilities the access
/// decision itself uses (protocol use, maintenance access, token management).
pub const DEFAULT_CAPABILITIES: &[CapabilityDefault] = capabilities! {
    "moodle/site:config" "write" CONTEXT_SYSTEM "moodle"
        [RISK_SPAM | RISK_PERSONAL | RISK_XSS | RISK_CONFIG | RISK_DATALOSS] {}
    "moodle/site:maintenanceaccess" "write" CONTEXT_SYSTEM "moodle" [] {}
    "moodle/user:create" "write" CONTEXT_SYSTEM "moodle" [RISK_SPAM | RISK_PERSONAL]
        { "manager": A }
    "moodle/user:update" "write" CONTEXT_SYSTEM "moodle" [RISK_SPAM | RISK_PERSONAL]
        { "manager": A }
    "moodle/user:delete" "write" CONTEXT_SYSTEM "moodle" [RISK_PERSONAL | RISK_DATALOSS]
        { "manager": A }
    "moodle/user:viewdetails" "read" CONTEXT_COURSE "moodle" []
        { "manager": A, "editingteacher": A, "teacher": A, "student": A, "guest": A }
    "moodle/user:viewhiddendetails" "read" CONTEXT_COURSE "moodle" [RISK_PERSONAL]
        { "manager": A, "editingteacher": A, "teacher": A }
    "moodle/user:viewalldetails" "read" CONTEXT_USER "moodle" [RISK_PERSONAL] { "manager": A }
    "moodle/user:editownprofile" "write" CONTEXT_SYSTEM "moodle" [RISK_SPAM]
        { "manager": A, "guest": P, "user": A }
    "moodle/site:viewfullnames" "read" CONTEXT_MODULE "moodle" []
        { "manager": A, "editingteacher": A, "teacher": A }
    "moodle/site:viewuseridentity" "read" CONTEXT_MODULE "moodle" []
        { "manager": A, "editingteacher": A, "teacher": A }
    "moodle/user:manageownfiles" "write" CONTEXT_SYSTEM "moodle" [] { "user": A }
    "moodle/user:ignoreuserquota" "write" CONTEXT_SYSTEM "moodle" [] {}
    "moodle/course:create" "write" CONTEXT_COURSECAT "moodle" [RISK_XSS]
        { "manager": A, "coursecreator": A }
    "moodle/course:update" "write" CONTEXT_COURSE "moodle" [RISK_XSS]
        { "manager": A, "editingteacher": A }
    "moodle/course:delete" "write" CONTEXT_COURSE "moodle" [RISK_DATALOSS] { "manager": A }
    "moodle/course:view" "read" CONTEXT_COURSE "moodle" [] { "manager": A }
    "moodle/course:viewparticipants" "read" CONTEXT_COURSE "moodle" []
        { "manager": A, "editingteacher": A, "teacher": A, "student": A }
    "moodle/course:viewhiddencourses" "read" CONTEXT_COURSE "moodle" []
        { "manager": A, "coursecreator": A, "editingteacher": A, "teacher": A }
    "moodle/course:visibility" "write" CONTEXT_COURSE "moodle" []
        { "manager": A, "editingteacher": A }
    "moodle/course:changefullname" "write" CONTEXT_COURSE "moodle" [RISK_XSS]
        { "manager": A, "editingteacher": A }
    "moodle/course:changeshortname" "write" CONTEXT_COURSE "moodle" [RISK_XSS]
        { "manager": A, "editingteacher": A }
    "moodle/course:changeidnumber" "write" CONTEXT_COURSE "moodle" [RISK_XSS]
        { "manager": A, "editingteacher": A }
    "moodle/course:changecategory" "write" CONTEXT_COURSE "moodle" [RISK_XSS]
        { "manager": A, "editingteacher": A }
    "moodle/course:changesummary" "write" CONTEXT_COURSE "moodle" [RISK_XSS]
        { "manager": A, "editingteacher": A }
    "moodle/course:setforcedlanguage" "write" CONTEXT_COURSE "moodle" []
        { "manager": A, "editingteacher": A }
    "moodle/course:enrolreview" "read" CONTEXT_COURSE "moodle" [RISK_PERSONAL]
        { "manager": A, "editingteacher": A }
    "moodle/course:useremail" "write" CONTEXT_COURSE "moodle" []
        { "manager": A, "editingteacher": A }
    "moodle/course:viewhiddenuserfields" "read" CONTEXT_COURSE "moodle" [RISK_PERSONAL]
        { "manager": A, "editingteacher": A, "teacher": A }
    "moodle/course:managegroups" "write" CONTEXT_COURSE "moodle" [RISK_XSS]
        { "manager": A, "editingteacher": A }
    "moodle/site:accessallgroups" "read" CONTEXT_MODULE "moodle" []
        { "manager": A, "editingteacher": A }
    "moodle/site:viewparticipants" "read" CONTEXT_SYSTEM "moodle" [] { "manager": A }
    "moodle/category:manage" "write" CONTEXT_COURSECAT "moodle" [RISK_XSS] { "manager": A }
    "moodle/category:viewhiddencategories" "read" CONTEXT_COURSECAT "moodle" []
        { "manager": A, "coursecreator": A }
    "moodle/category:viewcourselist" "read" CONTEXT_COURSECAT "moodle" []
        { "guest": A, "user": A }
    "moodle/role:assign" "write" CONTEXT_COURSE "moodle" [RISK_SPAM | RISK_PERSONAL | RISK_XSS]
        { "manager": A, "editingteacher": A }
    "moodle/role:review" "read" CONTEXT_COURSE "moodle" [RISK_PERSONAL]
        { "manager": A, "editingteacher": A, "teacher": A }
    "moodle/cohort:manage" "write" CONTEXT_COURSECAT "moodle" [] { "manager": A }
    "moodle/cohort:assign" "write" CONTEXT_COURSECAT "moodle" [] { "manager": A }
    "moodle/cohort:view" "read" CONTEXT_COURSE "moodle" [] { "manager": A, "editingteacher": A }
    "moodle/webservice:createtoken" "write" CONTEXT_SYSTEM "moodle"
        [RISK_CONFIG | RISK_DATALOSS | RISK_SPAM | RISK_PERSONAL | RISK_XSS] { "manager": A }
    "moodle/webservice:createmobiletoken" "write" CONTEXT_SYSTEM "moodle"
        [RISK_SPAM | RISK_PERSONAL] { "user": A }
    "moodle/webservice:managealltokens" "write" CONTEXT_SYSTEM "moodle"
        [RISK_CONFIG | RISK_DATALOSS] {}
    "webservice/rest:use" "read" CONTEXT_COURSE "webservice_rest" [] {}
    "webservice/soap:use" "read" CONTEXT_COURSE "webservice_soap" [] {}
    "webservice/xmlrpc:use" "read" CONTEXT_COURSE "webservice_xmlrpc" [] {}
    "enrol/manual:enrol" "write" CONTEXT_COURSE "enrol_manual" []
        { "manager": A, "editingteacher": A }
    "enrol/manual:unenrol" "write" CONTEXT_COURSE "enrol_manual" []
        { "manager": A, "editingteacher": A }
    "enrol/manual:manage" "write" CONTEXT_COURSE "enrol_manual" []
        { "manager": A, "editingteacher": A }
    "enrol/manual:config" "write" CONTEXT_COURSE "enrol_manual" [] { "manager": A }
    "enrol/self:enrolself" "read" CONTEXT_COURSE "enrol_self" [] { "user": A }
    // What the course navigation and administration options (spec 04 §5.10) and the course
    // list's completion fields read.
    "moodle/course:isincompletionreports" "read" CONTEXT_COURSE "moodle" [] { "student": A }
    "moodle/course:viewhiddensections" "read" CONTEXT_COURSE "moodle" []
        { "manager": A, "editingteacher": A, "teacher": A }
    "moodle/course:managefiles" "write" CONTEXT_COURSE "moodle" [RISK_XSS]
        { "manager": A, "editingteacher": A }
    "moodle/course:tag" "write" CONTEXT_COURSE "moodle" [] { "manager": A, "editingteacher": A }
    "moodle/course:reset" "write" CONTEXT_COURSE "moodle" [RISK_DATALOSS]
        { "manager": A, "editingteacher": A }
    "moodle/role:switchroles" "read" CONTEXT_COURSE "moodle" [RISK_XSS | RISK_PERSONAL]
        { "manager": A, "editingteacher": A }
    "moodle/filter:manage" "write" CONTEXT_COURSE "moodle" [] { "manager": A, "editingteacher": A }
    "moodle/site:viewreports" "read" CONTEXT_COURSE "moodle" [RISK_PERSONAL]
        { "manager": A, "editingteacher": A, "teacher": A }
    "moodle/backup:backupcourse" "write" CONTEXT_COURSE "moodle" [RISK_PERSONAL]
        { "manager": A, "editingteacher": A }
    "moodle/restore:restorecourse" "write" CONTEXT_COURSE "moodle" [RISK_XSS]
        { "manager": A, "editingteacher": A }
    "moodle/restore:restoretargetimport" "write" CONTEXT_COURSE "moodle" [RISK_XSS]
        { "manager": A, "editingteacher": A }
    "moodle/grade:viewall" "read" CONTEXT_COURSE "moodle" [RISK_PERSONAL]
        { "manager": A, "editingteacher": A, "teacher": A }
    "moodle/grade:manage" "write" CONTEXT_COURSE "moodle" [] { "manager": A, "editingteacher": A }
    "gradereport/grader:view" "read" CONTEXT_COURSE "gradereport_grader" [RISK_PERSONAL]
        { "manager": A, "editingteacher": A, "teacher": A }
    "gradereport/history:view" "read" CONTEXT_COURSE "gradereport_history" [RISK_PERSONAL]
        { "manager": A, "editingteacher": A, "teacher": A }
    "gradereport/outcomes:view" "read" CONTEXT_COURSE "gradereport_outcomes" [RISK_PERSONAL]
        { "manager": A, "editingteacher": A, "teacher": A }
    "gradereport/overview:view" "read" CONTEXT_COURSE "gradereport_overview" [RISK_PERSONAL]
        { "manager": A, "editingteacher": A, "teacher": A, "student": A }
    "gradereport/singleview:view" "read" CONTEXT_COURSE "gradereport_singleview" [RISK_PERSONAL]
        { "manager": A, "editingteacher": A, "teacher": A }
    "gradereport/summary:view" "read" CONTEXT_COURSE "gradereport_summary" [RISK_PERSONAL]
        { "manager": A, "editingteacher": A, "teacher": A }
    "gradereport/user:view" "read" CONTEXT_COURSE "gradereport_user" [RISK_PERSONAL]
        { "manager": A, "editingteacher": A, "teacher": A, "student": A }
    "moodle/notes:view" "read" CONTEXT_COURSE "moodle" [RISK_PERSONAL]
        { "manager": A, "editingteacher": A, "teacher": A }
    "moodle/notes:manage" "write" CONTEXT_COURSE "moodle" [RISK_SPAM]
        { "manager": A, "editingteacher": A, "teacher": A }
    "moodle/blog:view" "read" CONTEXT_SYSTEM "moodle" []
        { "guest": A, "user": A, "teacher": A, "editingteacher": A, "manager": A }
    "moodle/badges:viewbadges" "read" CONTEXT_COURSE "moodle" [] { "user": A }
    "moodle/badges:createbadge" "write" CONTEXT_COURSE "moodle" [RISK_SPAM]
        { "manager": A, "editingteacher": A }
    "moodle/badges:awardbadge" "write" CONTEXT_COURSE "moodle" [RISK_SPAM]
        { "manager": A, "editingteacher": A, "teacher": A }
    "moodle/badges:configurecriteria" "write" CONTEXT_COURSE "moodle" []
        { "manager": A, "editingteacher": A }
    "moodle/badges:configuremessages" "write" CONTEXT_COURSE "moodle" [RISK_SPAM]
        { "manager": A, "editingteacher": A }
    "moodle/badges:configuredetails" "write" CONTEXT_COURSE "moodle" [RISK_SPAM]
        { "manager": A, "editingteacher": A }
    "moodle/badges:deletebadge" "write" CONTEXT_COURSE "moodle" [RISK_DATALOSS]
        { "manager": A, "editingteacher": A }
    "moodle/competency:coursecompetencyview" "read" CONTEXT_COURSE "moodle" [] { "user": A }
    "moodle/competency:coursecompetencymanage" "write" CONTEXT_COURSE "moodle" []
        { "manager": A, "editingteacher": A }
    "moodle/search:query" "read" CONTEXT_SYSTEM "moodle" []
        { "guest": A, "user": A, "student": A, "teacher": A, "editingteacher": A, "manager": A }
};

/// Id of the standard role with `archetype` (05 §2.2).
pub fn standard_role_id(archetype: &str) -> Option<i64> {
    Some(match archetype {
        "manager" => role_id::MANAGER,
        "coursecreator" => role_id::COURSECREATOR,
        "editingteacher" => role_id::EDITINGTEACHER,
        "teacher" => role_id::TEACHER,
        "student" => role_id::STUDENT,
        "guest" => role_id::GUEST,
        "user" => role_id::USER,
        "frontpage" => role_id::FRONTPAGE,
        _ => return None,
    })
}

/// The `role_capabilities` rows installation writes in the system context for the standard roles:
/// (roleid, capability, permission).
pub fn default_role_capabilities() -> impl Iterator<Item = (i64, &'static str, i64)> {
    DEFAULT_CAPABILITIES.iter().flat_map(|default| {
        default.archetypes.iter().filter_map(move |(archetype, permission)| {
            Some((standard_role_id(archetype)?, default.name, *permission))
        })
    })
}

#[cfg(test)]
mod tests {
    use portico_store::model::CAP_PREVENT;

    use super::*;

    const ALICE: i64 = 10;
    const SYSTEM: i64 = 1;
    const CATEGORY: i64 = 3;
    const COURSE_C: i64 = 20;
    const COURSE_D: i64 = 21;
    const VIEW: &str = "moodle/course:viewparticipants";
    const UPDATE: &str = "moodle/course:update";

    fn alice() -> Subject {
        Subject { userid: ALICE, deleted: false, assignments: vec![(role_id::STUDENT, COURSE_C)] }
    }

    fn check(snapshot: &RoleSnapshot, subject: &Subject, cap: &str, path: &[i64], expected: bool) {
        let context = ContextChain { path, locked: false };
        assert_eq!(
            has_capability(snapshot, subject, cap, context),
            expected,
            "{cap} at {path:?} for user {}",
            subject.userid
        );
    }

    const IN_C: &[i64] = &[SYSTEM, CATEGORY, COURSE_C];
    const IN_D: &[i64] = &[SYSTEM, CATEGORY, COURSE_D];

    #[test]
    fn worked_example_defaults() {
        check(&RoleSnapshot::with_defaults(), &alice(), VIEW, IN_C, true);
    }

    #[test]
    fn worked_example_prevent_override_in_the_course() {
        let mut snapshot = RoleSnapshot::with_defaults();
        snapshot.set(role_id::STUDENT, COURSE_C, VIEW, CAP_PREVENT);
        check(&snapshot, &alice(), VIEW, IN_C, false);
    }

    #[test]
    fn worked_example_nearest_override_decides() {
        let mut snapshot = RoleSnapshot::with_defaults();
        snapshot.set(role_id::STUDENT, CATEGORY, VIEW, CAP_PREVENT);
        snapshot.set(role_id::STUDENT, COURSE_C, VIEW, CAP_ALLOW);
        check(&snapshot, &alice(), VIEW, IN_C, true);
        check(&snapshot, &alice(), VIEW, IN_D, false);
    }

    #[test]
    fn worked_example_prohibit_on_the_user_role_wins() {
        let mut snapshot = RoleSnapshot::with_defaults();
        snapshot.set(role_id::USER, CATEGORY, VIEW, CAP_PROHIBIT);
        check(&snapshot, &alice(), VIEW, IN_C, false);
        let manager =
            Subject { userid: 11, deleted: false, assignments: vec![(role_id::MANAGER, COURSE_C)] };
        check(&snapshot, &manager, VIEW, IN_C, false);
        let admin = Subject { userid: 2, ..Subject::default() };
        check(&snapshot, &admin, VIEW, IN_C, true);
    }

    #[test]
    fn worked_example_allow_in_one_role_beats_prevent_in_another() {
        let mut snapshot = RoleSnapshot::with_defaults();
        snapshot.set(role_id::STUDENT, COURSE_C, UPDATE, CAP_PREVENT);
        let mut teacher = alice();
        teacher.assignments.push((role_id::EDITINGTEACHER, COURSE_C));
        check(&snapshot, &teacher, UPDATE, IN_C, true);
        check(&snapshot, &alice(), UPDATE, IN_C, false);
    }

    #[test]
    fn worked_example_roles_below_the_context_are_ignored() {
        check(&RoleSnapshot::with_defaults(), &alice(), VIEW, &[SYSTEM], false);
    }

    #[test]
    fn authenticated_user_role_and_guests() {
        let snapshot = RoleSnapshot::with_defaults();
        let mobile = "moodle/webservice:createmobiletoken";
        check(&snapshot, &alice(), mobile, &[SYSTEM], true);
        let guest = Subject { userid: 1, ..Subject::default() };
        // Write capabilities are never granted to guests, whatever the roles say.
        check(&snapshot, &guest, mobile, &[SYSTEM], false);
        check(&snapshot, &guest, "moodle/category:viewcourselist", &[SYSTEM], true);
        let nobody = Subject::default();
        check(&snapshot, &nobody, "moodle/category:viewcourselist", &[SYSTEM], true);
        let mut forced = snapshot.clone();
        forced.site.forcelogin = true;
        check(&forced, &nobody, "moodle/category:viewcourselist", &[SYSTEM], false);
        let mut mobile_switch = snapshot;
        mobile_switch.set(role_id::USER, SYSTEM, "webservice/rest:use", CAP_ALLOW);
        check(&mobile_switch, &alice(), "webservice/rest:use", IN_C, true);
        check(&mobile_switch, &guest, "webservice/rest:use", IN_C, false);
    }

    #[test]
    fn admins_deleted_users_unknown_capabilities_and_bad_paths() {
        let snapshot = RoleSnapshot::with_defaults();
        let admin = Subject { userid: 2, ..Subject::default() };
        check(&snapshot, &admin, "moodle/site:config", &[SYSTEM], true);
        check(&snapshot, &admin, "moodle/nonexistent:cap", &[SYSTEM], false);
        check(&snapshot, &admin, "moodle/site:config", &[], true);
        check(&snapshot, &alice(), VIEW, &[], false);
        let deleted = Subject { deleted: true, ..alice() };
        check(&snapshot, &deleted, VIEW, IN_C, false);
        let deleted_admin = Subject { userid: 2, deleted: true, assignments: vec![] };
        check(&snapshot, &deleted_admin, "moodle/site:config", &[SYSTEM], false);
    }

    #[test]
    fn frontpage_role_applies_in_the_site_course_only() {
        let mut snapshot = RoleSnapshot::with_defaults();
        snapshot.set(role_id::FRONTPAGE, SYSTEM, VIEW, CAP_ALLOW);
        check(&snapshot, &alice(), VIEW, &[SYSTEM, 2], true);
        check(&snapshot, &alice(), VIEW, IN_D, false);
    }

    #[test]
    fn locked_contexts_refuse_write_capabilities() {
        let mut snapshot = RoleSnapshot::with_defaults();
        snapshot.site.contextlocking = true;
        let teacher = Subject {
            userid: 12,
            deleted: false,
            assignments: vec![(role_id::EDITINGTEACHER, 20)],
        };
        let locked = ContextChain { path: IN_C, locked: true };
        assert!(!has_capability(&snapshot, &teacher, UPDATE, locked));
        assert!(has_capability(&snapshot, &teacher, VIEW, locked));
        let admin = Subject { userid: 2, ..Subject::default() };
        assert!(!has_capability(&snapshot, &admin, UPDATE, locked));
        snapshot.site.contextlockappliestoadmin = false;
        assert!(has_capability(&snapshot, &admin, UPDATE, locked));
    }

    #[test]
    fn paths_parse() {
        assert_eq!(parse_path("/1/3/20"), Some(vec![1, 3, 20]));
        assert_eq!(parse_path("/1"), Some(vec![1]));
        assert_eq!(parse_path(""), None);
        assert_eq!(parse_path("/1//3"), None);
        assert_eq!(parse_path("1/3"), None);
        assert_eq!(parse_path("/1/x"), None);
    }

    #[test]
    fn default_table_covers_05_section_4() {
        let rows: Vec<_> = default_role_capabilities().collect();
        assert!(rows.contains(&(role_id::USER, "moodle/webservice:createmobiletoken", A)));
        assert!(rows.contains(&(role_id::MANAGER, "moodle/webservice:createtoken", A)));
        assert!(rows.contains(&(role_id::GUEST, "moodle/user:editownprofile", P)));
        assert!(!rows.iter().any(|(_, cap, _)| *cap == "webservice/rest:use"));
        let config = DEFAULT_CAPABILITIES.iter().find(|c| c.name == "moodle/site:config");
        assert_eq!(config.map(|c| c.risks), Some(62));
        let create = DEFAULT_CAPABILITIES.iter().find(|c| c.name == "moodle/user:create");
        assert_eq!(create.map(|c| c.risks), Some(24));
    }
}
