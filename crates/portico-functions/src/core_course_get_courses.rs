//! `core_course_get_courses` (spec 04 §5.1): courses by id, or every course, for callers who
//! may view them without participation; settings only for those who may update them.
//!
//! A course the caller cannot enter fails the whole call, as in Moodle. This function must
//! never list a hidden course to a caller who may neither update nor see hidden courses.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::param::clean;
use portico_schema::{ParamType, Valid, Value};
use portico_store::CourseFilter;
use portico_store::model::SITEID;

use crate::core_user_get_users_by_field::text_of;
use crate::courses::{
    RawValue, course_context_not_valid, display_name, enter_course, format_options, restriction,
};
use crate::support::require_capability;

/// Return course details
pub struct GetCourses;

/// The options of the call.
#[derive(Debug, Default, Describe)]
#[describe(desc = "options - operator OR is used")]
pub struct Options {
    /// List of course id. If empty return all courses except front page course.
    #[describe(desc = "List of course id. If empty return all courses except front page course.")]
    pub ids: Option<Vec<i64>>,
}

/// Parameters of `core_course_get_courses`.
#[derive(Debug, Describe)]
pub struct Args {
    /// options - operator OR is used
    #[describe(default)]
    pub options: Options,
}

/// A course format option.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct FormatOption {
    /// course format option name
    #[describe(param = AlphaNumExt)]
    pub name: String,
    /// course format option value
    pub value: RawValue,
}

/// A custom field of a course.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct CustomField {
    /// The name of the custom field
    pub name: String,
    /// The shortname of the custom field
    #[describe(param = AlphaNumExt)]
    pub shortname: String,
    /// The type of the custom field - text, checkbox...
    #[describe(param = Component)]
    pub r#type: String,
    /// The raw value of the custom field
    pub valueraw: String,
    /// The value of the custom field
    pub value: String,
}

/// One course.
#[derive(Debug, Clone, PartialEq, Describe)]
#[describe(desc = "course")]
pub struct CourseDetails {
    /// course id
    pub id: i64,
    /// course short name
    pub shortname: String,
    /// category id
    pub categoryid: i64,
    /// sort order into the category
    pub categorysortorder: Option<i64>,
    /// full name
    pub fullname: String,
    /// course display name
    pub displayname: String,
    /// id number
    pub idnumber: Option<String>,
    /// summary
    pub summary: String,
    /// summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)
    pub summaryformat: i64,
    /// course format: weeks, topics, social, site,..
    #[describe(param = Plugin)]
    pub format: String,
    /// 1 if grades are shown, otherwise 0
    pub showgrades: Option<i64>,
    /// number of recent items appearing on the course page
    pub newsitems: Option<i64>,
    /// timestamp when the course start
    pub startdate: i64,
    /// timestamp when the course end
    pub enddate: i64,
    /// (deprecated, use courseformatoptions) number of weeks/topics
    pub numsections: Option<i64>,
    /// largest size of file that can be uploaded into the course
    pub maxbytes: Option<i64>,
    /// are activity report shown (yes = 1, no =0)
    pub showreports: Option<i64>,
    /// 1: available to student, 0:not available
    pub visible: Option<i64>,
    /// (deprecated, use courseformatoptions) How the hidden sections in the course are
    /// displayed to students
    #[describe(
        desc = "(deprecated, use courseformatoptions) How the hidden sections in the course are displayed to students"
    )]
    pub hiddensections: Option<i64>,
    /// no group, separate, visible
    pub groupmode: Option<i64>,
    /// 1: yes, 0: no
    pub groupmodeforce: Option<i64>,
    /// default grouping id
    pub defaultgroupingid: Option<i64>,
    /// timestamp when the course have been created
    pub timecreated: Option<i64>,
    /// timestamp when the course have been modified
    pub timemodified: Option<i64>,
    /// Enabled, control via completion and activity settings. Disbaled, not shown in activity
    /// settings.
    #[describe(
        desc = "Enabled, control via completion and activity settings. Disbaled, not shown in activity settings."
    )]
    pub enablecompletion: Option<i64>,
    /// 1: yes 0: no
    pub completionnotify: Option<i64>,
    /// forced course language
    #[describe(param = SafeDir)]
    pub lang: Option<String>,
    /// name of the force theme
    #[describe(param = Plugin)]
    pub forcetheme: Option<String>,
    /// additional options for particular course format
    pub courseformatoptions: Option<Vec<FormatOption>>,
    /// Whether the activity dates are shown or not
    pub showactivitydates: crate::courses::Nullable<bool>,
    /// Whether the activity completion conditions are shown or not
    pub showcompletionconditions: crate::courses::Nullable<bool>,
    /// Custom fields and associated values
    pub customfields: Option<Vec<CustomField>>,
}

impl ExternalFunction for GetCourses {
    const NAME: &'static str = "core_course_get_courses";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Return course details";
    const KIND: CallKind = CallKind::Read;
    const AJAX: bool = true;
    const CAPABILITIES: &'static [&'static str] =
        &["moodle/course:view", "moodle/course:update", "moodle/course:viewhiddencourses"];
    const SERVICES: &'static [&'static str] = &[portico_engine::install::MOBILE_SERVICE];
    type Args = Args;
    type Returns = Vec<CourseDetails>;

    async fn execute(
        context: &CallContext,
        args: Valid<Args>,
    ) -> Result<Vec<CourseDetails>, CallError> {
        let Args { options } = args.into_inner();
        let store = context.store()?;
        let courses = match options.ids.filter(|ids| !ids.is_empty()) {
            None => store.listed_courses(&CourseFilter::All).await?,
            Some(mut ids) => {
                ids.sort_unstable();
                ids.dedup();
                let mut found = Vec::with_capacity(ids.len());
                for id in ids {
                    found.extend(store.listed_courses(&CourseFilter::Id(id)).await?);
                }
                found
            }
        };
        let restriction = restriction(context).await?;
        let mut result = Vec::with_capacity(courses.len());
        for listed in &courses {
            let course = &listed.course;
            if let Err(error) = enter_course(context, listed, &restriction, None).await {
                return Err(course_context_not_valid(course.id, error));
            }
            if course.id != SITEID {
                require_capability(context, "moodle/course:view", listed.contextid).await?;
            }
            let formatoptions = format_options(context, course).await?;
            let numsections = formatoptions
                .iter()
                .find(|(name, _)| name == "numsections")
                .and_then(|(_, value)| int_of(&value.0));
            let mut details = CourseDetails {
                id: course.id,
                shortname: course.shortname.clone(),
                categoryid: course.category,
                categorysortorder: None,
                fullname: course.fullname.clone(),
                displayname: display_name(context, course).await?,
                idnumber: None,
                summary: course.summary.clone().unwrap_or_default(),
                summaryformat: course.summaryformat,
                format: course.format.clone(),
                showgrades: None,
                newsitems: None,
                startdate: course.startdate,
                enddate: course.enddate,
                numsections,
                maxbytes: None,
                showreports: None,
                visible: None,
                hiddensections: None,
                groupmode: None,
                groupmodeforce: None,
                defaultgroupingid: None,
                timecreated: None,
                timemodified: None,
                enablecompletion: None,
                completionnotify: None,
                lang: None,
                forcetheme: None,
                courseformatoptions: None,
                showactivitydates: crate::courses::Nullable(Some(course.showactivitydates != 0)),
                showcompletionconditions: crate::courses::Nullable(
                    course.showcompletionconditions.map(|value| value != 0),
                ),
                customfields: None,
            };
            let courseadmin =
                context.has_capability("moodle/course:update", listed.contextid).await?;
            if courseadmin {
                let sections = store.course_sections(course.id).await?;
                details.categorysortorder = Some(course.sortorder);
                details.idnumber = Some(course.idnumber.clone());
                details.showgrades = Some(course.showgrades);
                details.showreports = Some(course.showreports);
                details.newsitems = Some(course.newsitems);
                details.visible = Some(course.visible);
                details.maxbytes = Some(course.maxbytes);
                details.hiddensections = formatoptions
                    .iter()
                    .find(|(name, _)| name == "hiddensections")
                    .and_then(|(_, value)| int_of(&value.0));
                details.numsections =
                    Some(sections.iter().map(|section| section.section).max().unwrap_or(0));
                details.groupmode = Some(course.groupmode);
                details.groupmodeforce = Some(course.groupmodeforce);
                details.defaultgroupingid = Some(course.defaultgroupingid);
                details.lang = Some(clean_text(context, &course.lang, ParamType::Lang));
                details.timecreated = Some(course.timecreated);
                details.timemodified = Some(course.timemodified);
                details.forcetheme = Some(clean_text(context, &course.theme, ParamType::Theme));
                details.enablecompletion = Some(course.enablecompletion);
                details.completionnotify = Some(course.completionnotify);
                details.courseformatoptions = Some(
                    formatoptions
                        .iter()
                        .map(|(name, value)| FormatOption {
                            name: name.clone(),
                            value: value.clone(),
                        })
                        .collect(),
                );
            }
            if courseadmin
                || course.visible != 0
                || context
                    .has_capability("moodle/course:viewhiddencourses", listed.contextid)
                    .await?
            {
                result.push(details);
            }
        }
        Ok(result)
    }
}

/// `value` as an integer, when it is one (or a string holding one).
fn int_of(value: &Value) -> Option<i64> {
    match value {
        Value::Int(number) => Some(*number),
        other => text_of(other).trim().parse().ok(),
    }
}

/// Moodle's `clean_param($text, $param)` of a stored setting.
pub(crate) fn clean_text(context: &CallContext, text: &str, param: ParamType) -> String {
    text_of(&clean(&Value::from(text), param, context.site()))
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_store::model::{SITEID, role_id};
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const NAME: &str = "core_course_get_courses";

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

    backend_test!(get_courses_lists_every_course_for_the_admin, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let bio = site.course("BIO1", category.id).await;
        let chem = site.course("CHEM1", category.id).await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let all = site.call(Some(&caller), NAME, "").await.unwrap();
        assert_eq!(ids(&all), vec![SITEID, bio.id, chem.id]);
        let some = site
            .call(
                Some(&caller),
                NAME,
                &format!(
                    "options[ids][0]={}&options[ids][1]={}&options[ids][2]=99999",
                    chem.id, bio.id
                ),
            )
            .await
            .unwrap();
        assert_eq!(ids(&some), vec![bio.id, chem.id]);
        let Value::Array(list) = &some else { panic!("a list") };
        let first = list.values().next().unwrap();
        assert_eq!(field(first, "categoryid"), Value::Int(category.id));
        assert_eq!(field(first, "idnumber"), Value::from(""));
        assert_eq!(field(first, "numsections"), Value::Int(4));
        assert_eq!(field(first, "hiddensections"), Value::Int(1));
        assert_eq!(field(first, "format"), Value::from("topics"));
        assert_eq!(field(first, "showactivitydates"), Value::Bool(true));
        let Value::Array(options) = field(first, "courseformatoptions") else { panic!("options") };
        let names: Vec<Value> = options.values().map(|o| field(o, "name")).collect();
        assert_eq!(names, vec![Value::from("hiddensections"), Value::from("coursedisplay")]);
    });

    backend_test!(
        get_courses_refuses_a_student_without_view_capability,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let category = site.category("Science", 0).await;
            let bio = site.course("BIO1", category.id).await;
            let other = site.course("OTHER", category.id).await;
            let ann = site.user("ann").await;
            site.enrol(ann.id, bio.id, role_id::STUDENT).await;
            let caller = site.mobile_caller(ann.id).await;
            let error = site
                .call(Some(&caller), NAME, &format!("options[ids][0]={}", bio.id))
                .await
                .unwrap_err();
            assert_eq!(error.errorcode, "nopermissions");
            assert_eq!(
                error.message,
                "Sorry, but you do not currently have permissions to do that (View courses without participation)."
            );
            let error = site
                .call(Some(&caller), NAME, &format!("options[ids][0]={}", other.id))
                .await
                .unwrap_err();
            assert_eq!(error.errorcode, "errorcoursecontextnotvalid");
            assert_eq!(
                error.message,
                format!(
                    "You cannot execute functions in the course context (course id:{}). The context error message was: Course or activity not accessible.",
                    other.id
                )
            );
            // The site course needs no capability, only its public fields are shown.
            let site_course =
                site.call(Some(&caller), NAME, &format!("options[ids][0]={SITEID}")).await.unwrap();
            let Value::Array(list) = &site_course else { panic!("a list") };
            let first = list.values().next().unwrap();
            assert_eq!(field(first, "format"), Value::from("site"));
            assert_eq!(field(first, "idnumber"), Value::Null);
        }
    );
}
