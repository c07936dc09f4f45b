//! `core_course_get_courses_by_field` (spec 04 §5.2): courses found by one field, with their
//! public information (contacts, enrolment methods, category) for everyone who may see the
//! course in the catalogue, and their settings for callers who can enter them.
//!
//! It must never show a hidden course to a caller who may neither see hidden courses nor
//! update them, nor the settings of a course to a caller who cannot enter it.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, ParamType, Valid};
use portico_store::model::CONTEXT_COURSECAT;
use portico_store::{CourseFilter, ListedCourse};

use crate::core_course_get_courses::clean_text;
use crate::courses::{
    ExternalFile, Nullable, RawValue, display_name, enrolment_methods, enter_course,
    format_options, generated_course_image, restriction,
};
use crate::support::{Warning, config_or, fullname, plugin_config_or};

/// Get courses matching a specific field (id/s, shortname, idnumber, category)
pub struct GetCoursesByField;

/// Parameters of `core_course_get_courses_by_field`.
#[derive(Debug, Describe)]
pub struct Args {
    /// The field to search can be left empty for all courses or: id: course id, ids: comma
    /// separated course ids, shortname: course short name, idnumber: course id number,
    /// category: category id the course belongs to
    #[describe(default = "", param = Alpha)]
    pub field: String,
    /// The value to match
    #[describe(default = "")]
    pub value: String,
}

/// A course contact.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct Contact {
    /// contact user id
    pub id: i64,
    /// contact user fullname
    #[describe(param = NoTags)]
    pub fullname: String,
}

/// A custom field of a course.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct CustomField {
    /// The name of the custom field
    pub name: String,
    /// The shortname of the custom field - to be able to build the field class in the code
    pub shortname: String,
    /// The type of the custom field - text field, checkbox...
    #[describe(param = AlphaNumExt)]
    pub r#type: String,
    /// The raw value of the custom field
    pub valueraw: String,
    /// The value of the custom field
    pub value: String,
}

/// A filter and its state in the course.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct Filter {
    /// Filter plugin name
    #[describe(param = Plugin)]
    pub filter: String,
    /// Filter state: 1 for on, -1 for off, 0 if inherit
    pub localstate: i64,
    /// 1 or 0 to use when localstate is set to inherit
    pub inheritedstate: i64,
}

/// A course format option.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct FormatOption {
    /// Course format option name.
    pub name: String,
    /// Course format option value.
    pub value: RawValue,
}

/// A course: its public part, then what callers who can enter it see.
#[derive(Debug, Clone, PartialEq, Describe)]
#[describe(desc = "Course")]
pub struct Course {
    /// course id
    pub id: i64,
    /// course full name
    pub fullname: String,
    /// course display name
    pub displayname: String,
    /// course short name
    pub shortname: String,
    /// Course image
    #[describe(param = Url)]
    pub courseimage: Option<String>,
    /// category id
    pub categoryid: i64,
    /// category name
    pub categoryname: String,
    /// Sort order in the category
    pub sortorder: Option<i64>,
    /// summary
    pub summary: String,
    /// summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)
    pub summaryformat: i64,
    /// summary files in the summary field
    pub summaryfiles: Option<Vec<ExternalFile>>,
    /// additional overview files attached to this course
    pub overviewfiles: Vec<ExternalFile>,
    /// Whether the activity dates are shown or not
    pub showactivitydates: Nullable<bool>,
    /// Whether the activity completion conditions are shown or not
    pub showcompletionconditions: Nullable<bool>,
    /// contact users
    pub contacts: Vec<Contact>,
    /// enrollment methods list
    #[describe(param = Plugin)]
    pub enrollmentmethods: Vec<String>,
    /// Custom fields
    pub customfields: Option<Vec<CustomField>>,
    /// Id number
    pub idnumber: Option<String>,
    /// Course format: weeks, topics, social, site,..
    #[describe(param = Plugin)]
    pub format: Option<String>,
    /// 1 if grades are shown, otherwise 0
    pub showgrades: Option<i64>,
    /// Number of recent items appearing on the course page
    pub newsitems: Option<i64>,
    /// Timestamp when the course start
    pub startdate: Option<i64>,
    /// Timestamp when the course end
    pub enddate: Option<i64>,
    /// Largest size of file that can be uploaded into
    pub maxbytes: Option<i64>,
    /// Are activity report shown (yes = 1, no =0)
    pub showreports: Option<i64>,
    /// 1: available to student, 0:not available
    pub visible: Option<i64>,
    /// no group, separate, visible
    pub groupmode: Option<i64>,
    /// 1: yes, 0: no
    pub groupmodeforce: Option<i64>,
    /// default grouping id
    pub defaultgroupingid: Option<i64>,
    /// Completion enabled? 1: yes 0: no
    pub enablecompletion: Option<i64>,
    /// 1: yes 0: no
    pub completionnotify: Option<i64>,
    /// Forced course language
    #[describe(param = SafeDir)]
    pub lang: Option<String>,
    /// Fame of the forced theme
    #[describe(param = Plugin)]
    pub theme: Option<String>,
    /// Current course marker
    pub marker: Option<i64>,
    /// If legacy files are enabled
    pub legacyfiles: Option<i64>,
    /// Calendar type
    #[describe(param = Plugin)]
    pub calendartype: Option<String>,
    /// Time when the course was created
    pub timecreated: Option<i64>,
    /// Last time  the course was updated
    pub timemodified: Option<i64>,
    /// If is a requested course
    pub requested: Option<i64>,
    /// Cache revision number
    pub cacherev: Option<i64>,
    /// Course filters
    pub filters: Option<Vec<Filter>>,
    /// Additional options for particular course format.
    pub courseformatoptions: Option<Vec<FormatOption>>,
    /// Communication tool room name.
    #[describe(param = Text)]
    pub communicationroomname: Option<String>,
    /// Communication tool room URL.
    pub communicationroomurl: Option<String>,
}

/// The courses found and the warnings.
#[derive(Debug, Describe)]
pub struct Found {
    /// Course
    pub courses: Vec<Course>,
    /// list of warnings
    pub warnings: Vec<Warning>,
}

impl ExternalFunction for GetCoursesByField {
    const NAME: &'static str = "core_course_get_courses_by_field";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str =
        "Get courses matching a specific field (id/s, shortname, idnumber, category)";
    const KIND: CallKind = CallKind::Read;
    const CAPABILITIES: &'static [&'static str] = &[];
    const SERVICES: &'static [&'static str] = &[portico_engine::install::MOBILE_SERVICE];
    type Args = Args;
    type Returns = Found;

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<Found, CallError> {
        let Args { field, value } = args.into_inner();
        let store = context.store()?;
        let restriction = restriction(context).await?;
        let mut warnings = Vec::new();
        // Each course with whether its context was validated already (by the `ids` checks).
        let mut courses: Vec<(ListedCourse, Option<bool>)> = Vec::new();
        let filter = match field.as_str() {
            "" => Some(CourseFilter::All),
            "id" => Some(CourseFilter::Id(clean_int(context, &value))),
            "category" => Some(CourseFilter::Category(clean_int(context, &value))),
            "shortname" => {
                Some(CourseFilter::Shortname(clean_text(context, &value, ParamType::Text)))
            }
            "idnumber" => Some(CourseFilter::Idnumber(value.clone())),
            "ids" => None,
            _ => return Err(Exception::invalid_parameter("Invalid field name").into()),
        };
        match filter {
            Some(filter) => {
                courses =
                    store.listed_courses(&filter).await?.into_iter().map(|c| (c, None)).collect();
            }
            None => {
                let sequence = clean_text(context, &value, ParamType::Sequence);
                let mut seen = Vec::new();
                for id in sequence.split(',').filter_map(|id| id.trim().parse::<i64>().ok()) {
                    if seen.contains(&id) {
                        continue;
                    }
                    seen.push(id);
                    let Some(listed) = store.listed_courses(&CourseFilter::Id(id)).await?.pop()
                    else {
                        warnings.push(no_access(id));
                        continue;
                    };
                    let entered = enter_course(context, &listed, &restriction, None).await.is_ok();
                    if !entered {
                        warnings.push(no_access(id));
                    }
                    courses.push((listed, Some(entered)));
                }
            }
        }
        let contactroles: Vec<i64> = config_or(context, "coursecontact", "3")
            .await?
            .split(',')
            .filter_map(|id| id.trim().parse().ok())
            .collect();
        let mut found = Vec::with_capacity(courses.len());
        for (listed, validated) in &courses {
            let course = &listed.course;
            let canupdate =
                context.has_capability("moodle/course:update", listed.contextid).await?;
            let canviewhidden =
                context.has_capability("moodle/course:viewhiddencourses", listed.contextid).await?;
            if course.visible == 0 && !canviewhidden && !canupdate {
                continue;
            }
            let entered = match validated {
                Some(true) => true,
                _ => enter_course(context, listed, &restriction, None).await.is_ok(),
            };
            if !entered {
                if can_view_course_info(context, listed).await? {
                    found.push(public_information(context, listed, &contactroles).await?);
                }
                continue;
            }
            let mut details = public_information(context, listed, &contactroles).await?;
            details.format = Some(course.format.clone());
            details.showgrades = Some(course.showgrades);
            details.newsitems = Some(course.newsitems);
            details.startdate = Some(course.startdate);
            details.enddate = Some(course.enddate);
            details.maxbytes = Some(course.maxbytes);
            details.showreports = Some(course.showreports);
            details.visible = Some(course.visible);
            details.groupmode = Some(course.groupmode);
            details.groupmodeforce = Some(course.groupmodeforce);
            details.defaultgroupingid = Some(course.defaultgroupingid);
            details.enablecompletion = Some(course.enablecompletion);
            details.completionnotify = Some(course.completionnotify);
            details.lang = Some(clean_text(context, &course.lang, ParamType::Lang));
            details.theme = Some(clean_text(context, &course.theme, ParamType::Theme));
            details.marker = Some(course.marker);
            // Portico has no filter plugins, so none is available in any context.
            details.filters = Some(Vec::new());
            if canupdate {
                details.idnumber = Some(course.idnumber.clone());
                details.legacyfiles = Some(course.legacyfiles);
                details.calendartype = Some(course.calendartype.clone());
                details.timecreated = Some(course.timecreated);
                details.timemodified = Some(course.timemodified);
                details.requested = Some(course.requested);
                details.cacherev = Some(course.cacherev);
            }
            let mut options: Vec<FormatOption> = format_options(context, course)
                .await?
                .into_iter()
                .map(|(name, value)| FormatOption { name, value })
                .collect();
            // The formats' `get_config_for_external` adds the site's indentation setting.
            if matches!(course.format.as_str(), "topics" | "weeks") {
                let plugin = format!("format_{}", course.format);
                let indentation = plugin_config_or(context, &plugin, "indentation", "1").await?;
                options.push(FormatOption {
                    name: "indentation".into(),
                    value: RawValue(indentation.as_str().into()),
                });
            }
            if !options.is_empty() {
                details.courseformatoptions = Some(options);
            }
            found.push(details);
        }
        Ok(Found { courses: found, warnings })
    }
}

/// The warning for a course id the caller cannot enter (Moodle's `validate_courses`).
fn no_access(courseid: i64) -> Warning {
    Warning::new("course", courseid, "1", "No access rights in course context")
}

/// Moodle's `clean_param($value, PARAM_INT)`: the leading integer, 0 when there is none.
fn clean_int(context: &CallContext, value: &str) -> i64 {
    clean_text(context, value, ParamType::Int).trim().parse().unwrap_or(0)
}

/// Whether the caller may see a course's public information in the catalogue (Moodle's
/// `core_course_category::can_view_course_info`): its category is visible to them and they may
/// list its courses.
async fn can_view_course_info(
    context: &CallContext,
    listed: &ListedCourse,
) -> Result<bool, CallError> {
    let Some(visible) = listed.categoryvisible else { return Ok(false) };
    let Some(categorycontext) =
        context.access()?.context_id(CONTEXT_COURSECAT, listed.course.category).await?
    else {
        return Ok(false);
    };
    if visible == 0
        && !context.has_capability("moodle/category:viewhiddencategories", categorycontext).await?
    {
        return Ok(false);
    }
    context.has_capability("moodle/category:viewcourselist", categorycontext).await
}

/// What anyone who may see a course in the catalogue is shown (Moodle's
/// `get_course_public_information`).
async fn public_information(
    context: &CallContext,
    listed: &ListedCourse,
    contactroles: &[i64],
) -> Result<Course, CallError> {
    let course = &listed.course;
    let store = context.store()?;
    let mut contacts: Vec<Contact> = Vec::new();
    // Each user once, with their first (highest) role (`coursecontactduplicates` off).
    for contact in store.course_contacts(course.id, contactroles, crate::now()).await? {
        if contacts.iter().all(|known| known.id != contact.userid) {
            let user = portico_store::model::User {
                firstname: contact.firstname.clone(),
                lastname: contact.lastname.clone(),
                ..portico_store::model::User::default()
            };
            contacts.push(Contact { id: contact.userid, fullname: fullname(&user) });
        }
    }
    Ok(Course {
        id: course.id,
        fullname: course.fullname.clone(),
        displayname: display_name(context, course).await?,
        shortname: course.shortname.clone(),
        courseimage: Some(generated_course_image(context, listed.contextid)),
        categoryid: course.category,
        categoryname: listed.categoryname.clone().unwrap_or_default(),
        sortorder: Some(course.sortorder),
        summary: course.summary.clone().unwrap_or_default(),
        summaryformat: course.summaryformat,
        summaryfiles: Some(Vec::new()),
        overviewfiles: Vec::new(),
        showactivitydates: Nullable(Some(course.showactivitydates != 0)),
        showcompletionconditions: Nullable(course.showcompletionconditions.map(|v| v != 0)),
        contacts,
        enrollmentmethods: enrolment_methods(context, course.id).await?,
        customfields: None,
        idnumber: None,
        format: None,
        showgrades: None,
        newsitems: None,
        startdate: None,
        enddate: None,
        maxbytes: None,
        showreports: None,
        visible: None,
        groupmode: None,
        groupmodeforce: None,
        defaultgroupingid: None,
        enablecompletion: None,
        completionnotify: None,
        lang: None,
        theme: None,
        marker: None,
        legacyfiles: None,
        calendartype: None,
        timecreated: None,
        timemodified: None,
        requested: None,
        cacherev: None,
        filters: None,
        courseformatoptions: None,
        communicationroomname: None,
        communicationroomurl: None,
    })
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_store::model::role_id;
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const NAME: &str = "core_course_get_courses_by_field";

    fn ids(list: &Value) -> Vec<i64> {
        let Value::Array(array) = list else { panic!("a list: {list:?}") };
        array
            .values()
            .map(|course| match field(course, "id") {
                Value::Int(id) => id,
                _ => 0,
            })
            .collect()
    }

    backend_test!(courses_by_field_shows_public_part_and_settings, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let bio = site.course("BIO1", category.id).await;
        let chem = site.course("CHEM1", category.id).await;
        let ann = site.user("ann").await;
        let tom = site.user("tom").await;
        let tina = site.user("tina").await;
        site.enrol(ann.id, bio.id, role_id::STUDENT).await;
        site.enrol(tom.id, bio.id, role_id::EDITINGTEACHER).await;
        site.enrol(tina.id, bio.id, role_id::EDITINGTEACHER).await;
        site.enrol(tina.id, bio.id, role_id::TEACHER).await;
        let caller = site.mobile_caller(ann.id).await;
        let answer = site
            .call(
                Some(&caller),
                NAME,
                &format!("field=ids&value={},{},99999,{}", chem.id, bio.id, chem.id),
            )
            .await
            .unwrap();
        let courses = field(&answer, "courses");
        assert_eq!(ids(&courses), vec![chem.id, bio.id]);
        let Value::Array(list) = &courses else { panic!("a list") };
        let chem_answer = list.values().next().unwrap();
        let bio_answer = list.values().nth(1).unwrap();
        // Ann cannot enter CHEM1: only its public part.
        assert_eq!(field(chem_answer, "format"), Value::Null);
        assert_eq!(field(chem_answer, "categoryname"), Value::from("Science"));
        assert_eq!(field(bio_answer, "format"), Value::from("topics"));
        assert_eq!(field(bio_answer, "idnumber"), Value::Null);
        let Value::Array(contacts) = field(bio_answer, "contacts") else { panic!("contacts") };
        let names: Vec<Value> = contacts.values().map(|c| field(c, "fullname")).collect();
        assert_eq!(names, vec![Value::from("Firsttina Lasttina"), Value::from("Firsttom Lasttom")]);
        let Value::Array(methods) = field(bio_answer, "enrollmentmethods") else { panic!("list") };
        assert_eq!(methods.values().cloned().collect::<Vec<_>>(), vec![Value::from("manual")]);
        let Value::Array(warnings) = field(&answer, "warnings") else { panic!("warnings") };
        let itemids: Vec<Value> = warnings.values().map(|w| field(w, "itemid")).collect();
        assert_eq!(itemids, vec![Value::Int(chem.id), Value::Int(99999)]);
        let first = warnings.values().next().unwrap();
        assert_eq!(field(first, "warningcode"), Value::from("1"));
        assert_eq!(field(first, "message"), Value::from("No access rights in course context"));
    });

    backend_test!(courses_by_field_finds_by_each_field, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let bio = site.course("BIO1", category.id).await;
        let chem = site.course("CHEM1", category.id).await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let by = |args: String| {
            let site = &site;
            let caller = &caller;
            async move { ids(&field(&site.call(Some(caller), NAME, &args).await.unwrap(), "courses")) }
        };
        assert_eq!(by(format!("field=id&value={}", bio.id)).await, vec![bio.id]);
        assert_eq!(by("field=shortname&value=CHEM1".into()).await, vec![chem.id]);
        assert_eq!(
            by(format!("field=category&value={}", category.id)).await,
            vec![bio.id, chem.id]
        );
        assert_eq!(by(String::new()).await, vec![1, bio.id, chem.id]);
        let answer =
            site.call(Some(&caller), NAME, &format!("field=id&value={}", bio.id)).await.unwrap();
        let Value::Array(list) = field(&answer, "courses") else { panic!("a list") };
        let course = list.values().next().unwrap();
        assert_eq!(field(course, "idnumber"), Value::from(""));
        assert_eq!(field(course, "cacherev"), Value::Int(bio.cacherev));
        let error = site.call(Some(&caller), NAME, "field=fullname&value=x").await.unwrap_err();
        assert_eq!(error.errorcode, "invalidparameter");
        assert_eq!(error.debuginfo.unwrap(), b"Invalid field name".as_slice());
    });
}
