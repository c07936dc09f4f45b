//! `core_course_get_contents` (spec 04 §5.9): the sections of a course as the caller sees
//! them, named as the course format names them, each with its modules.
//!
//! Portico stores no course modules yet, so every section's module list is empty. This
//! function must never show a hidden course's contents to a caller who may neither update it
//! nor see hidden courses, nor a hidden section's contents to a caller who may not see hidden
//! sections.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::param::clean;
use portico_schema::{Exception, ParamType, Valid, Value};
use portico_store::model::CONTEXT_COURSE;
use portico_store::{CourseSection, StoreError};

use crate::core_user_get_users_by_field::text_of;
use crate::courses::{Nullable, course_context_not_valid, format_options};
use crate::support::validate_context;

/// Get course contents
pub struct GetContents;

/// One option of the call.
#[derive(Debug, Describe)]
pub struct ContentOption {
    /// The expected keys (value format) are: excludemodules (bool) Do not return modules, return
    /// only the sections structure excludecontents (bool) Do not return module contents (i.e:
    /// files inside a resource) includestealthmodules (bool) Return stealth modules for students
    /// in a special section (with id -1) sectionid (int) Return only this section sectionnumber
    /// (int) Return only this section with number (order) cmid (int) Return only this module
    /// information (among the whole sections structure) modname (string) Return only modules
    /// with this name "label, forum, etc..." modid (int) Return only the module with this id
    /// (to be used with modname
    #[describe(param = AlphaNum)]
    pub name: String,
    /// the value of the option, this param is personaly validated in the external function.
    pub value: String,
}

/// Parameters of `core_course_get_contents`.
#[derive(Debug, Describe)]
pub struct Args {
    /// course id
    pub courseid: i64,
    /// Options, used since Moodle 2.9
    #[describe(default)]
    pub options: Vec<ContentOption>,
}

/// Completion state of a module for the user.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct CompletionData {
    /// overall completion state of this course module.
    pub state: i64,
    /// course completion timestamp.
    pub timecompleted: i64,
    /// user ID that has overridden the completion state of this activity for the user.
    pub overrideby: Nullable<i64>,
    /// True if module is used in a condition, false otherwise.
    pub valueused: Option<bool>,
}

/// A date of a module.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct ModuleDate {
    /// date label
    #[describe(param = Text)]
    pub label: String,
    /// date timestamp
    pub timestamp: i64,
    /// relative date timestamp
    pub relativeto: Option<i64>,
    /// cm data id
    #[describe(param = NoTags)]
    pub dataid: Option<String>,
}

/// A file or content of a module.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct ModuleContent {
    /// a file or a folder or external link
    #[describe(param = Text)]
    pub r#type: String,
    /// filename
    #[describe(param = File)]
    pub filename: String,
    /// filepath
    #[describe(param = Path)]
    pub filepath: String,
    /// filesize
    pub filesize: i64,
    /// downloadable file url
    #[describe(param = Url)]
    pub fileurl: Option<String>,
    /// Raw content, will be used when type is content
    pub content: Option<String>,
    /// Time created
    pub timecreated: i64,
    /// Time modified
    pub timemodified: i64,
    /// Content sort order
    pub sortorder: i64,
    /// File mime type.
    pub mimetype: Option<String>,
    /// Whether is an external file.
    pub isexternalfile: Option<bool>,
    /// The repository type for external files.
    #[describe(param = Plugin)]
    pub repositorytype: Option<String>,
    /// User who added this content to moodle
    pub userid: i64,
    /// Content owner
    #[describe(param = Text)]
    pub author: String,
    /// Content license
    #[describe(param = Text)]
    pub license: String,
}

/// Summary of a module's files.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct ContentsInfo {
    /// Total number of files.
    pub filescount: i64,
    /// Total files size.
    pub filessize: i64,
    /// Last time files were modified.
    pub lastmodified: i64,
    /// Files mime types.
    pub mimetypes: Vec<String>,
    /// The repository type for the main file.
    #[describe(param = Plugin)]
    pub repositorytype: Option<String>,
}

/// A course module.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct Module {
    /// activity id
    pub id: i64,
    /// activity url
    #[describe(param = Url)]
    pub url: Option<String>,
    /// activity module name
    pub name: String,
    /// instance id
    pub instance: Option<i64>,
    /// Activity context id.
    pub contextid: Option<i64>,
    /// activity description
    pub description: Option<String>,
    /// is the module visible
    pub visible: Option<i64>,
    /// Is the module visible for the user?
    pub uservisible: Option<bool>,
    /// Availability information.
    pub availabilityinfo: Option<String>,
    /// is the module visible on course page
    pub visibleoncoursepage: Option<i64>,
    /// activity icon url
    #[describe(param = Url)]
    pub modicon: String,
    /// activity module type
    #[describe(param = Plugin)]
    pub modname: String,
    /// activity module plural name
    #[describe(param = Text)]
    pub modplural: String,
    /// module availability settings
    pub availability: Option<String>,
    /// number of identation in the site
    pub indent: i64,
    /// Onclick action.
    pub onclick: Option<String>,
    /// After link info to be displayed.
    pub afterlink: Option<String>,
    /// Custom data (JSON encoded).
    pub customdata: Option<String>,
    /// Whether the module has no view page
    pub noviewlink: Option<bool>,
    /// Type of completion tracking: 0 means none, 1 manual, 2 automatic.
    pub completion: Option<i64>,
    /// Module completion data.
    pub completiondata: Option<CompletionData>,
    /// The download content value
    pub downloadcontent: Option<i64>,
    /// Course dates
    #[describe(default)]
    pub dates: Vec<ModuleDate>,
    /// Group mode value
    pub groupmode: Option<i64>,
    /// Course contents
    #[describe(default)]
    pub contents: Vec<ModuleContent>,
    /// Contents summary information.
    pub contentsinfo: Option<ContentsInfo>,
}

/// A section of the course.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct Section {
    /// Section ID
    pub id: i64,
    /// Section name
    pub name: String,
    /// is the section visible
    pub visible: Option<i64>,
    /// Section description
    pub summary: String,
    /// summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)
    pub summaryformat: i64,
    /// Section number inside the course
    pub section: Option<i64>,
    /// Whether is a section hidden in the course format
    pub hiddenbynumsections: Option<i64>,
    /// Is the section visible for the user?
    pub uservisible: Option<bool>,
    /// Availability information.
    pub availabilityinfo: Option<String>,
    /// list of module
    pub modules: Vec<Module>,
}

/// The filters the options ask for.
#[derive(Debug, Default)]
struct Filters {
    sectionid: Option<i64>,
    sectionnumber: Option<i64>,
}

impl ExternalFunction for GetContents {
    const NAME: &'static str = "core_course_get_contents";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Get course contents";
    const KIND: CallKind = CallKind::Read;
    const CAPABILITIES: &'static [&'static str] =
        &["moodle/course:update", "moodle/course:viewhiddencourses"];
    const SERVICES: &'static [&'static str] = &[portico_engine::install::MOBILE_SERVICE];
    type Args = Args;
    type Returns = Vec<Section>;

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<Vec<Section>, CallError> {
        let Args { courseid, options } = args.into_inner();
        let filters = parse_options(context, &options)?;
        let store = context.store()?;
        let course = store
            .course_by_id(courseid)
            .await?
            .ok_or(StoreError::NotFound { entity: "course", id: courseid })?;
        let coursecontext = store
            .context_by_instance(CONTEXT_COURSE, course.id)
            .await?
            .ok_or(StoreError::NotFound { entity: "context", id: course.id })?;
        if let Err(error) = validate_context(context, &coursecontext).await {
            return Err(course_context_not_valid(course.id, error));
        }
        let canupdate = context.has_capability("moodle/course:update", coursecontext.id).await?;
        if !(canupdate
            || course.visible != 0
            || context.has_capability("moodle/course:viewhiddencourses", coursecontext.id).await?)
        {
            return Ok(Vec::new());
        }
        let sections = store.course_sections(course.id).await?;
        let lastsection = sections.iter().map(|section| section.section).max().unwrap_or(0);
        let viewhidden =
            context.has_capability("moodle/course:viewhiddensections", coursecontext.id).await?;
        let hiddensections = format_options(context, &course)
            .await?
            .into_iter()
            .find(|(name, _)| name == "hiddensections")
            .is_none_or(|(_, value)| match value.0 {
                Value::Int(number) => number != 0,
                other => crate::courses::php_truthy(&text_of(&other)),
            });
        let mut contents = Vec::new();
        for section in &sections {
            let mut found = false;
            if let Some(sectionid) = filters.sectionid.filter(|id| *id != 0) {
                if section.id != sectionid {
                    continue;
                }
                found = true;
            }
            if let Some(number) = filters.sectionnumber {
                if section.section != number {
                    continue;
                }
                found = true;
            }
            let uservisible = section.visible != 0 || viewhidden;
            // The format shows a section the user may see, or a hidden one as unavailable when
            // the course shows hidden sections collapsed.
            let shown = uservisible || (section.visible == 0 && !hiddensections);
            if shown {
                let summary = if !uservisible && section.visible == 0 {
                    String::new()
                } else {
                    section.summary.clone().unwrap_or_default()
                };
                contents.push(Section {
                    id: section.id,
                    name: section_name(&course, section),
                    visible: Some(section.visible),
                    summary,
                    summaryformat: section.summaryformat,
                    section: Some(section.section),
                    hiddenbynumsections: Some(i64::from(section.section > lastsection)),
                    uservisible: Some(uservisible),
                    availabilityinfo: None,
                    modules: Vec::new(),
                });
            }
            if found {
                break;
            }
        }
        Ok(contents)
    }
}

/// The options, checked as Moodle checks them: the first of a name counts, unknown names and
/// empty module names are `errorinvalidparam`.
fn parse_options(context: &CallContext, options: &[ContentOption]) -> Result<Filters, CallError> {
    let mut seen: Vec<&str> = Vec::new();
    let mut filters = Filters::default();
    for option in options {
        let name = option.name.trim();
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        let cleaned =
            |param| text_of(&clean(&Value::from(option.value.as_str()), param, context.site()));
        match name {
            "excludemodules" | "excludecontents" | "includestealthmodules" => {}
            "sectionid" | "sectionnumber" | "cmid" | "modid" => {
                let value: i64 = cleaned(ParamType::Int).trim().parse().unwrap_or(0);
                match name {
                    "sectionid" => filters.sectionid = Some(value),
                    "sectionnumber" => filters.sectionnumber = Some(value),
                    // Portico has no course modules, so module filters select nothing more.
                    _ => {}
                }
            }
            "modname" if !cleaned(ParamType::Plugin).is_empty() => {}
            _ => return Err(invalid_param(name)),
        }
    }
    Ok(filters)
}

/// `moodle_exception` `errorinvalidparam` for option `name`.
fn invalid_param(name: &str) -> CallError {
    Exception::new(
        "moodle_exception",
        "errorinvalidparam",
        "webservice",
        format!("The param \"{name}\" is invalid."),
    )
    .into()
}

/// The name of a section: its own, or its format's default (`topics`: `General` for section
/// 0, `New section` for others; `weeks`: the week's dates, e.g. `1 January - 7 January`).
pub(crate) fn section_name(
    course: &portico_store::model::Course,
    section: &CourseSection,
) -> String {
    if let Some(name) = section.name.as_deref().filter(|name| !name.is_empty()) {
        return name.to_owned();
    }
    if section.section == 0 {
        return "General".to_owned();
    }
    match course.format.as_str() {
        "weeks" => {
            // Moodle adds two hours against daylight-saving shifts and shows the end date one
            // day before the next week starts.
            const WEEK: i64 = 604_800;
            let start = course.startdate + 7200 + WEEK * (section.section - 1);
            let end = start + WEEK - 86_400;
            format!("{} - {}", short_date(start), short_date(end))
        }
        "topics" => "New section".to_owned(),
        _ => format!("Section {}", section.section),
    }
}

/// Moodle's `strftimedateshort` (`%d %B`, day without a leading zero) of a Unix time, in UTC.
fn short_date(time: i64) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let days = time.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{day} {}", MONTHS[(month - 1) as usize])
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_store::model::{SITEID, role_id};
    use portico_testkit::backend_test;

    use super::short_date;
    use crate::testing::{TestSite, field};

    const NAME: &str = "core_course_get_contents";

    #[test]
    fn weeks_sections_are_named_by_their_dates() {
        let course = portico_store::model::Course {
            format: "weeks".into(),
            // Monday 1 January 2024, 00:00 UTC.
            startdate: 1_704_067_200,
            ..portico_store::model::Course::default()
        };
        let section = |number: i64, name: Option<&str>| portico_store::CourseSection {
            section: number,
            name: name.map(str::to_owned),
            ..portico_store::CourseSection::default()
        };
        assert_eq!(super::section_name(&course, &section(0, None)), "General");
        assert_eq!(super::section_name(&course, &section(1, None)), "1 January - 7 January");
        assert_eq!(super::section_name(&course, &section(5, None)), "29 January - 4 February");
        assert_eq!(super::section_name(&course, &section(2, Some("Revision"))), "Revision");
    }

    #[test]
    fn short_dates_are_day_and_month() {
        assert_eq!(short_date(0), "1 January");
        assert_eq!(short_date(1_709_251_200), "1 March");
        assert_eq!(short_date(1_704_067_200 + 6 * 86_400), "7 January");
    }

    fn names(list: &Value) -> Vec<Value> {
        let Value::Array(array) = list else { panic!("a list: {list:?}") };
        array.values().map(|section| field(section, "name")).collect()
    }

    backend_test!(contents_lists_sections_with_default_names, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let bio = site.course("BIO1", category.id).await;
        let ann = site.user("ann").await;
        site.enrol(ann.id, bio.id, role_id::STUDENT).await;
        let caller = site.mobile_caller(ann.id).await;
        let contents =
            site.call(Some(&caller), NAME, &format!("courseid={}", bio.id)).await.unwrap();
        assert_eq!(
            names(&contents),
            vec![
                Value::from("General"),
                Value::from("New section"),
                Value::from("New section"),
                Value::from("New section"),
                Value::from("New section")
            ]
        );
        let Value::Array(list) = &contents else { panic!("a list") };
        let first = list.values().next().unwrap();
        assert_eq!(field(first, "section"), Value::Int(0));
        assert_eq!(field(first, "uservisible"), Value::Bool(true));
        assert!(matches!(field(first, "modules"), Value::Array(m) if m.is_empty()));
        let one = site
            .call(
                Some(&caller),
                NAME,
                &format!("courseid={}&options[0][name]=sectionnumber&options[0][value]=2", bio.id),
            )
            .await
            .unwrap();
        let Value::Array(list) = &one else { panic!("a list") };
        assert_eq!(list.len(), 1);
        assert_eq!(field(list.values().next().unwrap(), "section"), Value::Int(2));
        let site_course =
            site.call(Some(&caller), NAME, &format!("courseid={SITEID}")).await.unwrap();
        assert_eq!(names(&site_course), vec![Value::from("General")]);
    });

    backend_test!(contents_checks_options_course_and_access, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let bio = site.course("BIO1", category.id).await;
        let ann = site.user("ann").await;
        let caller = site.mobile_caller(ann.id).await;
        let error = site
            .call(
                Some(&caller),
                NAME,
                &format!("courseid={}&options[0][name]=unknown&options[0][value]=1", bio.id),
            )
            .await
            .unwrap_err();
        assert_eq!(
            (error.errorcode.as_ref(), error.message.as_str()),
            ("errorinvalidparam", "The param \"unknown\" is invalid.")
        );
        let error = site
            .call(
                Some(&caller),
                NAME,
                &format!("courseid={}&options[0][name]=modname&options[0][value]=", bio.id),
            )
            .await
            .unwrap_err();
        assert_eq!(error.message, "The param \"modname\" is invalid.");
        let error = site.call(Some(&caller), NAME, "courseid=99999").await.unwrap_err();
        assert_eq!(error.errorcode, "invalidrecord");
        assert_eq!(error.message, "Can't find data record in database table course.");
        let error =
            site.call(Some(&caller), NAME, &format!("courseid={}", bio.id)).await.unwrap_err();
        assert_eq!(error.errorcode, "errorcoursecontextnotvalid");
    });
}
