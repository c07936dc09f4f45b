//! Moodle's schema (the subset Portico uses) and the versioned migrations that create it.
//!
//! Tables carry Moodle's names behind the site prefix and Moodle's column names, types, `NOT NULL`,
//! defaults, unique keys and main indexes, so that Portico can later serve an existing Moodle
//! database. Types follow Moodle's PostgreSQL generator (`int(1..4)` → `SMALLINT`, `int(5..9)` →
//! `INTEGER`, `int(10)` → `BIGINT`, `char(n)` → `VARCHAR(n)`, `text` → `TEXT`, `number` →
//! `NUMERIC`); SQLite reads the same declarations through its type affinity. `@ID@` stands for
//! the auto-increment primary key of each backend.
//!
//! Migrations are append-only: a released migration is never edited, a change is a new one. This
//! module must never run statements outside a migration's transaction.

use crate::db::{Backend, Conn, Sql, args};
use crate::error::StoreError;

/// One schema step: applied once, in order, inside one transaction.
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: &'static str,
    pub(crate) sql: &'static str,
}

/// Every migration, oldest first; versions are 1, 2, 3, ... without gaps.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "moodle core tables", sql: CORE_TABLES },
    Migration { version: 2, name: "web services, sessions and event log", sql: WEB_SERVICE_TABLES },
    Migration { version: 3, name: "portico change log", sql: PORTICO_TABLES },
    Migration { version: 4, name: "install data", sql: INSTALL_DATA },
    Migration {
        version: 5,
        name: "course sections, favourites, allow-assign matrix",
        sql: COURSE_TABLES,
    },
];

/// The bookkeeping table; created outside the numbered migrations.
pub(crate) const SCHEMA_VERSION_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS {portico_schema_version} (
    version BIGINT NOT NULL PRIMARY KEY,
    name VARCHAR(255) NOT NULL DEFAULT '',
    timeapplied BIGINT NOT NULL DEFAULT 0
)";

/// Rewrites a schema script for one store: id columns, prefix; returns its statements.
pub(crate) fn statements(sql: &Sql, script: &str) -> Vec<String> {
    let id = match sql.backend() {
        Backend::Sqlite => "id INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "id BIGSERIAL PRIMARY KEY",
    };
    sql.rewrite(&script.replace("@ID@", id))
        .split(";\n")
        .map(str::trim)
        .filter(|statement| !statement.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Applies one migration and records it, in one transaction.
pub(crate) async fn apply(
    conn: &mut Conn,
    sql: &Sql,
    migration: &Migration,
    now: i64,
) -> Result<(), StoreError> {
    for statement in statements(sql, migration.sql) {
        conn.execute("schema", &statement.into(), vec![]).await?;
    }
    let record: std::sync::Arc<str> = sql
        .rewrite(
            "INSERT INTO {portico_schema_version} (version, name, timeapplied) VALUES (?, ?, ?)",
        )
        .into();
    conn.execute("schema", &record, args![migration.version, migration.name, now]).await?;
    Ok(())
}

const CORE_TABLES: &str = "
CREATE TABLE {config} (
    @ID@,
    name VARCHAR(255) NOT NULL DEFAULT '',
    value TEXT NOT NULL
);
CREATE UNIQUE INDEX {config}_nam_uix ON {config} (name);

CREATE TABLE {config_plugins} (
    @ID@,
    plugin VARCHAR(100) NOT NULL DEFAULT 'core',
    name VARCHAR(100) NOT NULL DEFAULT '',
    value TEXT NOT NULL
);
CREATE UNIQUE INDEX {config_plugins}_plunam_uix ON {config_plugins} (plugin, name);

CREATE TABLE {user} (
    @ID@,
    auth VARCHAR(20) NOT NULL DEFAULT 'manual',
    confirmed SMALLINT NOT NULL DEFAULT 0,
    policyagreed SMALLINT NOT NULL DEFAULT 0,
    deleted SMALLINT NOT NULL DEFAULT 0,
    suspended SMALLINT NOT NULL DEFAULT 0,
    mnethostid BIGINT NOT NULL DEFAULT 0,
    username VARCHAR(100) NOT NULL DEFAULT '',
    password VARCHAR(255) NOT NULL DEFAULT '',
    idnumber VARCHAR(255) NOT NULL DEFAULT '',
    firstname VARCHAR(100) NOT NULL DEFAULT '',
    lastname VARCHAR(100) NOT NULL DEFAULT '',
    email VARCHAR(100) NOT NULL DEFAULT '',
    emailstop SMALLINT NOT NULL DEFAULT 0,
    phone1 VARCHAR(20) NOT NULL DEFAULT '',
    phone2 VARCHAR(20) NOT NULL DEFAULT '',
    institution VARCHAR(255) NOT NULL DEFAULT '',
    department VARCHAR(255) NOT NULL DEFAULT '',
    address VARCHAR(255) NOT NULL DEFAULT '',
    city VARCHAR(120) NOT NULL DEFAULT '',
    country VARCHAR(2) NOT NULL DEFAULT '',
    lang VARCHAR(30) NOT NULL DEFAULT 'en',
    calendartype VARCHAR(30) NOT NULL DEFAULT 'gregorian',
    theme VARCHAR(50) NOT NULL DEFAULT '',
    timezone VARCHAR(100) NOT NULL DEFAULT '99',
    firstaccess BIGINT NOT NULL DEFAULT 0,
    lastaccess BIGINT NOT NULL DEFAULT 0,
    lastlogin BIGINT NOT NULL DEFAULT 0,
    currentlogin BIGINT NOT NULL DEFAULT 0,
    lastip VARCHAR(45) NOT NULL DEFAULT '',
    secret VARCHAR(15) NOT NULL DEFAULT '',
    picture BIGINT NOT NULL DEFAULT 0,
    description TEXT,
    descriptionformat SMALLINT NOT NULL DEFAULT 1,
    mailformat SMALLINT NOT NULL DEFAULT 1,
    maildigest SMALLINT NOT NULL DEFAULT 0,
    maildisplay SMALLINT NOT NULL DEFAULT 2,
    autosubscribe SMALLINT NOT NULL DEFAULT 1,
    trackforums SMALLINT NOT NULL DEFAULT 0,
    timecreated BIGINT NOT NULL DEFAULT 0,
    timemodified BIGINT NOT NULL DEFAULT 0,
    trustbitmask BIGINT NOT NULL DEFAULT 0,
    imagealt VARCHAR(255),
    lastnamephonetic VARCHAR(255),
    firstnamephonetic VARCHAR(255),
    middlename VARCHAR(255),
    alternatename VARCHAR(255),
    moodlenetprofile VARCHAR(255)
);
CREATE UNIQUE INDEX {user}_mneuse_uix ON {user} (mnethostid, username);
CREATE INDEX {user}_del_ix ON {user} (deleted);
CREATE INDEX {user}_con_ix ON {user} (confirmed);
CREATE INDEX {user}_fir_ix ON {user} (firstname);
CREATE INDEX {user}_las_ix ON {user} (lastname);
CREATE INDEX {user}_cit_ix ON {user} (city);
CREATE INDEX {user}_cou_ix ON {user} (country);
CREATE INDEX {user}_las2_ix ON {user} (lastaccess);
CREATE INDEX {user}_ema_ix ON {user} (email);
CREATE INDEX {user}_aut_ix ON {user} (auth);
CREATE INDEX {user}_idn_ix ON {user} (idnumber);

CREATE TABLE {user_preferences} (
    @ID@,
    userid BIGINT NOT NULL DEFAULT 0,
    name VARCHAR(255) NOT NULL DEFAULT '',
    value VARCHAR(1333) NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX {user_preferences}_usenam_uix ON {user_preferences} (userid, name);

CREATE TABLE {user_private_key} (
    @ID@,
    script VARCHAR(128) NOT NULL DEFAULT '',
    value VARCHAR(128) NOT NULL DEFAULT '',
    userid BIGINT NOT NULL,
    instance BIGINT,
    iprestriction VARCHAR(255),
    validuntil BIGINT,
    timecreated BIGINT
);
CREATE INDEX {user_private_key}_scrval_ix ON {user_private_key} (script, value);
CREATE INDEX {user_private_key}_use_ix ON {user_private_key} (userid);

CREATE TABLE {context} (
    @ID@,
    contextlevel BIGINT NOT NULL DEFAULT 0,
    instanceid BIGINT NOT NULL DEFAULT 0,
    path VARCHAR(255),
    depth SMALLINT NOT NULL DEFAULT 0,
    locked SMALLINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX {context}_conins_uix ON {context} (contextlevel, instanceid);
CREATE INDEX {context}_ins_ix ON {context} (instanceid);
CREATE INDEX {context}_pat_ix ON {context} (path);

CREATE TABLE {role} (
    @ID@,
    name VARCHAR(255) NOT NULL DEFAULT '',
    shortname VARCHAR(100) NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    sortorder BIGINT NOT NULL DEFAULT 0,
    archetype VARCHAR(30) NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX {role}_sor_uix ON {role} (sortorder);
CREATE UNIQUE INDEX {role}_sho_uix ON {role} (shortname);

CREATE TABLE {role_context_levels} (
    @ID@,
    roleid BIGINT NOT NULL,
    contextlevel BIGINT NOT NULL
);
CREATE UNIQUE INDEX {role_context_levels}_conrol_uix ON {role_context_levels} (contextlevel, roleid);
CREATE INDEX {role_context_levels}_rol_ix ON {role_context_levels} (roleid);

CREATE TABLE {role_assignments} (
    @ID@,
    roleid BIGINT NOT NULL DEFAULT 0,
    contextid BIGINT NOT NULL DEFAULT 0,
    userid BIGINT NOT NULL DEFAULT 0,
    timemodified BIGINT NOT NULL DEFAULT 0,
    modifierid BIGINT NOT NULL DEFAULT 0,
    component VARCHAR(100) NOT NULL DEFAULT '',
    itemid BIGINT NOT NULL DEFAULT 0,
    sortorder BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX {role_assignments}_usecontrolcomite_uix ON {role_assignments} (userid, contextid, roleid, component, itemid);
CREATE INDEX {role_assignments}_sor_ix ON {role_assignments} (sortorder);
CREATE INDEX {role_assignments}_rolcon_ix ON {role_assignments} (roleid, contextid);
CREATE INDEX {role_assignments}_comiteuse_ix ON {role_assignments} (component, itemid, userid);
CREATE INDEX {role_assignments}_con_ix ON {role_assignments} (contextid);

CREATE TABLE {role_capabilities} (
    @ID@,
    contextid BIGINT NOT NULL DEFAULT 0,
    roleid BIGINT NOT NULL DEFAULT 0,
    capability VARCHAR(255) NOT NULL DEFAULT '',
    permission BIGINT NOT NULL DEFAULT 0,
    timemodified BIGINT NOT NULL DEFAULT 0,
    modifierid BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX {role_capabilities}_rolconcap_uix ON {role_capabilities} (roleid, contextid, capability);
CREATE INDEX {role_capabilities}_con_ix ON {role_capabilities} (contextid);
CREATE INDEX {role_capabilities}_cap_ix ON {role_capabilities} (capability);

CREATE TABLE {capabilities} (
    @ID@,
    name VARCHAR(255) NOT NULL DEFAULT '',
    captype VARCHAR(50) NOT NULL DEFAULT '',
    contextlevel BIGINT NOT NULL DEFAULT 0,
    component VARCHAR(100) NOT NULL DEFAULT '',
    riskbitmask BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX {capabilities}_nam_uix ON {capabilities} (name);

CREATE TABLE {course_categories} (
    @ID@,
    name VARCHAR(255) NOT NULL DEFAULT '',
    idnumber VARCHAR(100),
    description TEXT,
    descriptionformat SMALLINT NOT NULL DEFAULT 0,
    parent BIGINT NOT NULL DEFAULT 0,
    sortorder BIGINT NOT NULL DEFAULT 0,
    coursecount BIGINT NOT NULL DEFAULT 0,
    visible SMALLINT NOT NULL DEFAULT 1,
    visibleold SMALLINT NOT NULL DEFAULT 1,
    timemodified BIGINT NOT NULL DEFAULT 0,
    depth BIGINT NOT NULL DEFAULT 0,
    path VARCHAR(255) NOT NULL DEFAULT '',
    theme VARCHAR(50)
);
CREATE INDEX {course_categories}_par_ix ON {course_categories} (parent);

CREATE TABLE {course} (
    @ID@,
    category BIGINT NOT NULL DEFAULT 0,
    sortorder BIGINT NOT NULL DEFAULT 0,
    fullname VARCHAR(254) NOT NULL DEFAULT '',
    shortname VARCHAR(255) NOT NULL DEFAULT '',
    idnumber VARCHAR(100) NOT NULL DEFAULT '',
    summary TEXT,
    summaryformat SMALLINT NOT NULL DEFAULT 0,
    format VARCHAR(21) NOT NULL DEFAULT 'topics',
    showgrades SMALLINT NOT NULL DEFAULT 1,
    newsitems INTEGER NOT NULL DEFAULT 1,
    startdate BIGINT NOT NULL DEFAULT 0,
    enddate BIGINT NOT NULL DEFAULT 0,
    relativedatesmode SMALLINT NOT NULL DEFAULT 0,
    marker BIGINT NOT NULL DEFAULT 0,
    maxbytes BIGINT NOT NULL DEFAULT 0,
    legacyfiles SMALLINT NOT NULL DEFAULT 0,
    showreports SMALLINT NOT NULL DEFAULT 0,
    visible SMALLINT NOT NULL DEFAULT 1,
    visibleold SMALLINT NOT NULL DEFAULT 1,
    downloadcontent SMALLINT,
    groupmode SMALLINT NOT NULL DEFAULT 0,
    groupmodeforce SMALLINT NOT NULL DEFAULT 0,
    defaultgroupingid BIGINT NOT NULL DEFAULT 0,
    lang VARCHAR(30) NOT NULL DEFAULT '',
    calendartype VARCHAR(30) NOT NULL DEFAULT '',
    theme VARCHAR(50) NOT NULL DEFAULT '',
    timecreated BIGINT NOT NULL DEFAULT 0,
    timemodified BIGINT NOT NULL DEFAULT 0,
    requested SMALLINT NOT NULL DEFAULT 0,
    enablecompletion SMALLINT NOT NULL DEFAULT 0,
    completionnotify SMALLINT NOT NULL DEFAULT 0,
    cacherev BIGINT NOT NULL DEFAULT 0,
    originalcourseid BIGINT,
    showactivitydates SMALLINT NOT NULL DEFAULT 0,
    showcompletionconditions SMALLINT,
    pdfexportfont VARCHAR(50)
);
CREATE INDEX {course}_cat_ix ON {course} (category);
CREATE INDEX {course}_idn_ix ON {course} (idnumber);
CREATE INDEX {course}_sho_ix ON {course} (shortname);
CREATE INDEX {course}_sor_ix ON {course} (sortorder);

CREATE TABLE {enrol} (
    @ID@,
    enrol VARCHAR(20) NOT NULL DEFAULT '',
    status BIGINT NOT NULL DEFAULT 0,
    courseid BIGINT NOT NULL,
    sortorder BIGINT NOT NULL DEFAULT 0,
    name VARCHAR(255),
    enrolperiod BIGINT DEFAULT 0,
    enrolstartdate BIGINT DEFAULT 0,
    enrolenddate BIGINT DEFAULT 0,
    expirynotify SMALLINT DEFAULT 0,
    expirythreshold BIGINT DEFAULT 0,
    notifyall SMALLINT DEFAULT 0,
    password VARCHAR(50),
    cost VARCHAR(20),
    currency VARCHAR(3),
    roleid BIGINT DEFAULT 0,
    customint1 BIGINT,
    customint2 BIGINT,
    customint3 BIGINT,
    customint4 BIGINT,
    customint5 BIGINT,
    customint6 BIGINT,
    customint7 BIGINT,
    customint8 BIGINT,
    customchar1 VARCHAR(255),
    customchar2 VARCHAR(255),
    customchar3 VARCHAR(1333),
    customdec1 NUMERIC(12,7),
    customdec2 NUMERIC(12,7),
    customtext1 TEXT,
    customtext2 TEXT,
    customtext3 TEXT,
    customtext4 TEXT,
    timecreated BIGINT NOT NULL DEFAULT 0,
    timemodified BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX {enrol}_enr_ix ON {enrol} (enrol);
CREATE INDEX {enrol}_cou_ix ON {enrol} (courseid);

CREATE TABLE {user_enrolments} (
    @ID@,
    status BIGINT NOT NULL DEFAULT 0,
    enrolid BIGINT NOT NULL,
    userid BIGINT NOT NULL,
    timestart BIGINT NOT NULL DEFAULT 0,
    timeend BIGINT NOT NULL DEFAULT 2147483647,
    modifierid BIGINT NOT NULL DEFAULT 0,
    timecreated BIGINT NOT NULL DEFAULT 0,
    timemodified BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX {user_enrolments}_enruse_uix ON {user_enrolments} (enrolid, userid);
CREATE INDEX {user_enrolments}_use_ix ON {user_enrolments} (userid);

CREATE TABLE {groups} (
    @ID@,
    courseid BIGINT NOT NULL,
    idnumber VARCHAR(100) NOT NULL DEFAULT '',
    name VARCHAR(254) NOT NULL DEFAULT '',
    description TEXT,
    descriptionformat SMALLINT NOT NULL DEFAULT 0,
    enrolmentkey VARCHAR(50),
    picture BIGINT NOT NULL DEFAULT 0,
    visibility SMALLINT NOT NULL DEFAULT 0,
    participation SMALLINT NOT NULL DEFAULT 1,
    timecreated BIGINT NOT NULL DEFAULT 0,
    timemodified BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX {groups}_idn_ix ON {groups} (idnumber);
CREATE INDEX {groups}_cou_ix ON {groups} (courseid);

CREATE TABLE {groups_members} (
    @ID@,
    groupid BIGINT NOT NULL DEFAULT 0,
    userid BIGINT NOT NULL DEFAULT 0,
    timeadded BIGINT NOT NULL DEFAULT 0,
    component VARCHAR(100) NOT NULL DEFAULT '',
    itemid BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX {groups_members}_usegro_uix ON {groups_members} (userid, groupid);
CREATE INDEX {groups_members}_gro_ix ON {groups_members} (groupid);

CREATE TABLE {cohort} (
    @ID@,
    contextid BIGINT NOT NULL,
    name VARCHAR(254) NOT NULL DEFAULT '',
    idnumber VARCHAR(100),
    description TEXT,
    descriptionformat SMALLINT NOT NULL,
    visible SMALLINT NOT NULL DEFAULT 1,
    component VARCHAR(100) NOT NULL DEFAULT '',
    timecreated BIGINT NOT NULL,
    timemodified BIGINT NOT NULL,
    theme VARCHAR(50)
);
CREATE INDEX {cohort}_con_ix ON {cohort} (contextid);

CREATE TABLE {cohort_members} (
    @ID@,
    cohortid BIGINT NOT NULL DEFAULT 0,
    userid BIGINT NOT NULL DEFAULT 0,
    timeadded BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX {cohort_members}_cohuse_uix ON {cohort_members} (cohortid, userid);
CREATE INDEX {cohort_members}_use_ix ON {cohort_members} (userid);

CREATE TABLE {files} (
    @ID@,
    contenthash VARCHAR(40) NOT NULL DEFAULT '',
    pathnamehash VARCHAR(40) NOT NULL DEFAULT '',
    contextid BIGINT NOT NULL,
    component VARCHAR(100) NOT NULL DEFAULT '',
    filearea VARCHAR(50) NOT NULL DEFAULT '',
    itemid BIGINT NOT NULL,
    filepath VARCHAR(255) NOT NULL DEFAULT '',
    filename VARCHAR(255) NOT NULL DEFAULT '',
    userid BIGINT,
    filesize BIGINT NOT NULL,
    mimetype VARCHAR(100),
    status BIGINT NOT NULL DEFAULT 0,
    source TEXT,
    author VARCHAR(255),
    license VARCHAR(255),
    timecreated BIGINT NOT NULL,
    timemodified BIGINT NOT NULL,
    sortorder BIGINT NOT NULL DEFAULT 0,
    referencefileid BIGINT
);
CREATE UNIQUE INDEX {files}_pat_uix ON {files} (pathnamehash);
CREATE INDEX {files}_comfilconite_ix ON {files} (component, filearea, contextid, itemid);
CREATE INDEX {files}_con_ix ON {files} (contenthash);
CREATE INDEX {files}_con2_ix ON {files} (contextid);
CREATE INDEX {files}_use_ix ON {files} (userid);
CREATE INDEX {files}_ref_ix ON {files} (referencefileid);
";

const WEB_SERVICE_TABLES: &str = "
CREATE TABLE {external_services} (
    @ID@,
    name VARCHAR(200) NOT NULL,
    enabled SMALLINT NOT NULL,
    requiredcapability VARCHAR(150),
    restrictedusers SMALLINT NOT NULL,
    component VARCHAR(100),
    timecreated BIGINT NOT NULL,
    timemodified BIGINT,
    shortname VARCHAR(255),
    downloadfiles SMALLINT NOT NULL DEFAULT 0,
    uploadfiles SMALLINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX {external_services}_nam_uix ON {external_services} (name);
CREATE UNIQUE INDEX {external_services}_sho_uix ON {external_services} (shortname);

CREATE TABLE {external_functions} (
    @ID@,
    name VARCHAR(200) NOT NULL,
    classname VARCHAR(100) NOT NULL,
    methodname VARCHAR(100) NOT NULL,
    classpath VARCHAR(255),
    component VARCHAR(100) NOT NULL,
    capabilities VARCHAR(255),
    services VARCHAR(1333)
);
CREATE UNIQUE INDEX {external_functions}_nam_uix ON {external_functions} (name);

CREATE TABLE {external_services_functions} (
    @ID@,
    externalserviceid BIGINT NOT NULL,
    functionname VARCHAR(200) NOT NULL
);
CREATE UNIQUE INDEX {external_services_functions}_extfun_uix ON {external_services_functions} (externalserviceid, functionname);

CREATE TABLE {external_services_users} (
    @ID@,
    externalserviceid BIGINT NOT NULL,
    userid BIGINT NOT NULL,
    iprestriction VARCHAR(255),
    validuntil BIGINT,
    timecreated BIGINT
);
CREATE UNIQUE INDEX {external_services_users}_extuse_uix ON {external_services_users} (externalserviceid, userid);
CREATE INDEX {external_services_users}_use_ix ON {external_services_users} (userid);

CREATE TABLE {external_tokens} (
    @ID@,
    token VARCHAR(128) NOT NULL DEFAULT '',
    privatetoken VARCHAR(64),
    tokentype SMALLINT NOT NULL,
    userid BIGINT NOT NULL,
    externalserviceid BIGINT NOT NULL,
    sid VARCHAR(128),
    contextid BIGINT NOT NULL,
    creatorid BIGINT NOT NULL DEFAULT 1,
    iprestriction VARCHAR(255),
    validuntil BIGINT,
    timecreated BIGINT NOT NULL,
    lastaccess BIGINT,
    name VARCHAR(255)
);
CREATE INDEX {external_tokens}_tok_ix ON {external_tokens} (token);
CREATE INDEX {external_tokens}_use_ix ON {external_tokens} (userid);
CREATE INDEX {external_tokens}_ext_ix ON {external_tokens} (externalserviceid);
CREATE INDEX {external_tokens}_con_ix ON {external_tokens} (contextid);
CREATE INDEX {external_tokens}_cre_ix ON {external_tokens} (creatorid);
CREATE INDEX {external_tokens}_sid_ix ON {external_tokens} (sid);

CREATE TABLE {sessions} (
    @ID@,
    state BIGINT NOT NULL DEFAULT 0,
    sid VARCHAR(128) NOT NULL DEFAULT '',
    userid BIGINT NOT NULL,
    sessdata TEXT,
    timecreated BIGINT NOT NULL,
    timemodified BIGINT NOT NULL,
    firstip VARCHAR(45),
    lastip VARCHAR(45)
);
CREATE UNIQUE INDEX {sessions}_sid_uix ON {sessions} (sid);
CREATE INDEX {sessions}_sta_ix ON {sessions} (state);
CREATE INDEX {sessions}_tim_ix ON {sessions} (timecreated);
CREATE INDEX {sessions}_tim2_ix ON {sessions} (timemodified);
CREATE INDEX {sessions}_use_ix ON {sessions} (userid);

CREATE TABLE {logstore_standard_log} (
    @ID@,
    eventname VARCHAR(255) NOT NULL DEFAULT '',
    component VARCHAR(100) NOT NULL DEFAULT '',
    action VARCHAR(100) NOT NULL DEFAULT '',
    target VARCHAR(100) NOT NULL DEFAULT '',
    objecttable VARCHAR(50),
    objectid BIGINT,
    crud VARCHAR(1) NOT NULL DEFAULT '',
    edulevel SMALLINT NOT NULL,
    contextid BIGINT NOT NULL,
    contextlevel BIGINT NOT NULL,
    contextinstanceid BIGINT NOT NULL,
    userid BIGINT NOT NULL,
    courseid BIGINT,
    relateduserid BIGINT,
    anonymous SMALLINT NOT NULL DEFAULT 0,
    other TEXT,
    timecreated BIGINT NOT NULL,
    origin VARCHAR(10),
    ip VARCHAR(45),
    realuserid BIGINT
);
CREATE INDEX {logstore_standard_log}_tim_ix ON {logstore_standard_log} (timecreated);
CREATE INDEX {logstore_standard_log}_couanotim_ix ON {logstore_standard_log} (courseid, anonymous, timecreated);
CREATE INDEX {logstore_standard_log}_useconconcrueduti_ix ON {logstore_standard_log} (userid, contextlevel, contextinstanceid, crud, edulevel, timecreated);
CREATE INDEX {logstore_standard_log}_con_ix ON {logstore_standard_log} (contextid);
CREATE INDEX {logstore_standard_log}_rel_ix ON {logstore_standard_log} (relateduserid);
";

const PORTICO_TABLES: &str = "
CREATE TABLE {portico_change_log} (
    @ID@,
    kind VARCHAR(30) NOT NULL DEFAULT '',
    key VARCHAR(255) NOT NULL DEFAULT '',
    timecreated BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX {portico_change_log}_tim_ix ON {portico_change_log} (timecreated);
";

// Ids come out in insertion order on the freshly created tables: system context 1, guest user 1,
// standard roles 1..8 in the order of spec 05 section 2.2, site course 1.
const INSTALL_DATA: &str = "
INSERT INTO {context} (contextlevel, instanceid, path, depth, locked) VALUES (10, 0, '/1', 1, 0);
INSERT INTO {role} (name, shortname, description, sortorder, archetype) VALUES ('', 'manager', '', 1, 'manager');
INSERT INTO {role} (name, shortname, description, sortorder, archetype) VALUES ('', 'coursecreator', '', 2, 'coursecreator');
INSERT INTO {role} (name, shortname, description, sortorder, archetype) VALUES ('', 'editingteacher', '', 3, 'editingteacher');
INSERT INTO {role} (name, shortname, description, sortorder, archetype) VALUES ('', 'teacher', '', 4, 'teacher');
INSERT INTO {role} (name, shortname, description, sortorder, archetype) VALUES ('', 'student', '', 5, 'student');
INSERT INTO {role} (name, shortname, description, sortorder, archetype) VALUES ('', 'guest', '', 6, 'guest');
INSERT INTO {role} (name, shortname, description, sortorder, archetype) VALUES ('', 'user', '', 7, 'user');
INSERT INTO {role} (name, shortname, description, sortorder, archetype) VALUES ('', 'frontpage', '', 8, 'frontpage');
INSERT INTO {role_context_levels} (roleid, contextlevel) VALUES (1, 10);
INSERT INTO {role_context_levels} (roleid, contextlevel) VALUES (1, 40);
INSERT INTO {role_context_levels} (roleid, contextlevel) VALUES (1, 50);
INSERT INTO {role_context_levels} (roleid, contextlevel) VALUES (2, 10);
INSERT INTO {role_context_levels} (roleid, contextlevel) VALUES (2, 40);
INSERT INTO {role_context_levels} (roleid, contextlevel) VALUES (3, 50);
INSERT INTO {role_context_levels} (roleid, contextlevel) VALUES (3, 70);
INSERT INTO {role_context_levels} (roleid, contextlevel) VALUES (4, 50);
INSERT INTO {role_context_levels} (roleid, contextlevel) VALUES (4, 70);
INSERT INTO {role_context_levels} (roleid, contextlevel) VALUES (5, 50);
INSERT INTO {role_context_levels} (roleid, contextlevel) VALUES (5, 70);
INSERT INTO {user} (auth, confirmed, mnethostid, username, password, firstname, lastname, email, description)
    VALUES ('manual', 1, 1, 'guest', '!', 'Guest user', ' ', 'root@localhost', 'This user is a special user that allows read-only access to some courses.');
INSERT INTO {context} (contextlevel, instanceid, path, depth, locked) VALUES (30, 1, NULL, 2, 0);
UPDATE {context} SET path = '/1/' || id WHERE contextlevel = 30 AND instanceid = 1;
INSERT INTO {course_categories} (name, descriptionformat, parent, sortorder, coursecount, visible, visibleold, timemodified, depth, path)
    VALUES ('Category 1', 0, 0, 10000, 0, 1, 1, 0, 1, '/1');
INSERT INTO {context} (contextlevel, instanceid, path, depth, locked) VALUES (40, 1, NULL, 2, 0);
UPDATE {context} SET path = '/1/' || id WHERE contextlevel = 40 AND instanceid = 1;
INSERT INTO {course} (category, sortorder, fullname, shortname, idnumber, summary, format, visible)
    VALUES (0, 1, 'Portico', 'portico', '', '', 'site', 1);
INSERT INTO {context} (contextlevel, instanceid, path, depth, locked) VALUES (50, 1, NULL, 2, 0);
UPDATE {context} SET path = '/1/' || id WHERE contextlevel = 50 AND instanceid = 1;
INSERT INTO {external_services} (name, enabled, requiredcapability, restrictedusers, component, timecreated, timemodified, shortname, downloadfiles, uploadfiles)
    VALUES ('Moodle mobile web service', 0, NULL, 0, 'moodle', 0, NULL, 'moodle_mobile_app', 1, 1);
INSERT INTO {config} (name, value) VALUES ('mnet_localhost_id', '1');
INSERT INTO {config} (name, value) VALUES ('siteguest', '1');
INSERT INTO {config} (name, value) VALUES ('siteadmins', '');
INSERT INTO {config} (name, value) VALUES ('siteidentifier', '');
INSERT INTO {config} (name, value) VALUES ('notloggedinroleid', '6');
INSERT INTO {config} (name, value) VALUES ('guestroleid', '6');
INSERT INTO {config} (name, value) VALUES ('defaultuserroleid', '7');
INSERT INTO {config} (name, value) VALUES ('defaultfrontpageroleid', '8');
INSERT INTO {config} (name, value) VALUES ('creatornewroleid', '3');
INSERT INTO {config} (name, value) VALUES ('coursecontact', '3');
INSERT INTO {config} (name, value) VALUES ('enablewebservices', '0');
INSERT INTO {config} (name, value) VALUES ('webserviceprotocols', '');
INSERT INTO {config} (name, value) VALUES ('enablemobilewebservice', '0');
INSERT INTO {config} (name, value) VALUES ('tokenduration', '7257600');
INSERT INTO {config} (name, value) VALUES ('maintenance_enabled', '0');
INSERT INTO {config} (name, value) VALUES ('lockoutthreshold', '0');
INSERT INTO {config} (name, value) VALUES ('lockoutwindow', '1800');
INSERT INTO {config} (name, value) VALUES ('lockoutduration', '1800');
INSERT INTO {config} (name, value) VALUES ('passwordchangetokendeletion', '0');
INSERT INTO {config} (name, value) VALUES ('contextlocking', '0');
";

// Tables the course, enrolment and mobile functions read (spec 04 §5, 05 §2.3), with the data
// Moodle installs in them: the default allow-assign matrix, the site course's general section
// and the enabled enrolment plugins.
const COURSE_TABLES: &str = "
CREATE TABLE {course_sections} (
    @ID@,
    course BIGINT NOT NULL DEFAULT 0,
    section BIGINT NOT NULL DEFAULT 0,
    name VARCHAR(255),
    summary TEXT,
    summaryformat SMALLINT NOT NULL DEFAULT 0,
    sequence TEXT,
    visible SMALLINT NOT NULL DEFAULT 1,
    availability TEXT,
    component VARCHAR(100),
    itemid BIGINT,
    timemodified BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX {course_sections}_cousec_uix ON {course_sections} (course, section);

CREATE TABLE {course_format_options} (
    @ID@,
    courseid BIGINT NOT NULL,
    format VARCHAR(21) NOT NULL DEFAULT '',
    sectionid BIGINT NOT NULL DEFAULT 0,
    name VARCHAR(100) NOT NULL DEFAULT '',
    value TEXT
);
CREATE UNIQUE INDEX {course_format_options}_couforsecnam_uix ON {course_format_options} (courseid, format, sectionid, name);

CREATE TABLE {favourite} (
    @ID@,
    component VARCHAR(100) NOT NULL,
    itemtype VARCHAR(100) NOT NULL,
    itemid BIGINT NOT NULL,
    contextid BIGINT NOT NULL,
    userid BIGINT NOT NULL,
    ordering BIGINT,
    timecreated BIGINT NOT NULL,
    timemodified BIGINT NOT NULL
);
CREATE UNIQUE INDEX {favourite}_comiteiteconuse_uix ON {favourite} (component, itemtype, itemid, contextid, userid);
CREATE INDEX {favourite}_con_ix ON {favourite} (contextid);
CREATE INDEX {favourite}_use_ix ON {favourite} (userid);

CREATE TABLE {user_lastaccess} (
    @ID@,
    userid BIGINT NOT NULL DEFAULT 0,
    courseid BIGINT NOT NULL DEFAULT 0,
    timeaccess BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX {user_lastaccess}_usecou_uix ON {user_lastaccess} (userid, courseid);
CREATE INDEX {user_lastaccess}_cou_ix ON {user_lastaccess} (courseid);

CREATE TABLE {role_allow_assign} (
    @ID@,
    roleid BIGINT NOT NULL DEFAULT 0,
    allowassign BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX {role_allow_assign}_rolall_uix ON {role_allow_assign} (roleid, allowassign);
CREATE INDEX {role_allow_assign}_all_ix ON {role_allow_assign} (allowassign);

CREATE TABLE {role_names} (
    @ID@,
    roleid BIGINT NOT NULL DEFAULT 0,
    contextid BIGINT NOT NULL DEFAULT 0,
    name VARCHAR(255) NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX {role_names}_rolcon_uix ON {role_names} (roleid, contextid);

INSERT INTO {role_allow_assign} (roleid, allowassign) VALUES (1, 1);
INSERT INTO {role_allow_assign} (roleid, allowassign) VALUES (1, 2);
INSERT INTO {role_allow_assign} (roleid, allowassign) VALUES (1, 3);
INSERT INTO {role_allow_assign} (roleid, allowassign) VALUES (1, 4);
INSERT INTO {role_allow_assign} (roleid, allowassign) VALUES (1, 5);
INSERT INTO {role_allow_assign} (roleid, allowassign) VALUES (3, 4);
INSERT INTO {role_allow_assign} (roleid, allowassign) VALUES (3, 5);
INSERT INTO {course_sections} (course, section, name, summary, summaryformat, sequence, visible, timemodified)
    VALUES (1, 0, NULL, '', 1, '', 1, 0);
INSERT INTO {config} (name, value) VALUES ('enrol_plugins_enabled', 'manual,guest,self,cohort');
";
