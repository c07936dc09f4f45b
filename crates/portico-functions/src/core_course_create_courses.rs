//! `core_course_create_courses` (spec 04 §5.3): create courses in one transaction; the first
//! course that fails a check aborts the batch and nothing is created.
//!
//! This module owns the checks of Moodle's `create_courses` and `create_course` (category
//! context, `moodle/course:create`, names, language, theme, uniqueness, dates), the defaults new
//! courses take from the site's course settings (plugin `moodlecourse`) and the format options
//! of the standard formats. It must never write outside the single `Store::create_courses`
//! call, and never enrols the caller.

use std::collections::HashSet;

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, Valid};
use portico_store::model::Course;
use portico_store::{DefaultEnrol, NewCourse};

use crate::support::{
    category_context, config_or, default_enrols, invalid_param, plugin_config_or,
    require_capability, validate_context, validate_format,
};
use crate::user_details::php_empty;

/// Create new courses
pub struct CreateCourses;

/// A course format option.
#[derive(Debug, Clone, Describe)]
#[describe(desc = "")]
pub struct FormatOption {
    /// course format option name
    #[describe(param = AlphaNumExt)]
    pub name: String,
    /// course format option value
    pub value: String,
}

/// A custom field value.
#[derive(Debug, Clone, Describe)]
#[describe(desc = "")]
pub struct CustomFieldValue {
    /// The shortname of the custom field
    #[describe(param = AlphaNumExt)]
    pub shortname: String,
    /// The value of the custom field
    pub value: String,
}

// Moodle declares `format`, `showgrades`, `newsitems`, `maxbytes`, `showreports`, `groupmode`
// and `groupmodeforce` with the site's course settings (plugin `moodlecourse`) as defaults,
// read when the description is built. A Portico description is fixed at registration, so these
// keys are optional here and `execute` fills them from the settings of the call's site.
/// A course to create.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct NewCourseArgs {
    /// full name
    #[describe(param = Text)]
    pub fullname: String,
    /// course short name
    #[describe(param = Text)]
    pub shortname: String,
    /// category id
    pub categoryid: i64,
    /// id number
    pub idnumber: Option<String>,
    /// summary
    pub summary: Option<String>,
    /// summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN
    // Moodle's default is FORMAT_HTML, the PHP string '1'.
    #[describe(default = "1")]
    pub summaryformat: i64,
    /// course format: weeks, topics, social, site,..
    #[describe(param = Plugin)]
    pub format: Option<String>,
    /// 1 if grades are shown, otherwise 0
    pub showgrades: Option<i64>,
    /// number of recent items appearing on the course page
    pub newsitems: Option<i64>,
    /// timestamp when the course start
    pub startdate: Option<i64>,
    /// timestamp when the course end
    pub enddate: Option<i64>,
    /// (deprecated, use courseformatoptions) number of weeks/topics
    pub numsections: Option<i64>,
    /// largest size of file that can be uploaded into the course
    pub maxbytes: Option<i64>,
    /// are activity report shown (yes = 1, no =0)
    pub showreports: Option<i64>,
    /// 1: available to student, 0:not available
    pub visible: Option<i64>,
    /// (deprecated, use courseformatoptions) How the hidden sections in the course are displayed to students
    pub hiddensections: Option<i64>,
    /// no group, separate, visible
    pub groupmode: Option<i64>,
    /// 1: yes, 0: no
    pub groupmodeforce: Option<i64>,
    /// default grouping id
    #[describe(default = 0)]
    pub defaultgroupingid: i64,
    /// Enabled, control via completion and activity settings. Disabled,
    /// not shown in activity settings.
    #[describe(desc = "Enabled, control via completion and activity settings. Disabled,
                                        not shown in activity settings.")]
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
    /// custom fields for the course
    pub customfields: Option<Vec<CustomFieldValue>>,
}

/// Parameters of `core_course_create_courses`.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Args {
    /// courses to create
    pub courses: Vec<NewCourseArgs>,
}

/// A created course.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Created {
    /// course id
    pub id: i64,
    /// short name
    pub shortname: String,
}

/// The course format options Moodle's standard formats store, with the site setting
/// (`moodlecourse/<name>`) and the value each defaults to; other formats store none here.
pub(crate) fn format_option_defaults(format: &str) -> &'static [(&'static str, &'static str)] {
    match format {
        "topics" => &[("hiddensections", "0"), ("coursedisplay", "0")],
        "weeks" => &[("hiddensections", "0"), ("coursedisplay", "0"), ("automaticenddate", "1")],
        _ => &[],
    }
}

/// `moodle_exception` in module `error` with Moodle's English text.
pub(crate) fn course_error(errorcode: &'static str, message: String) -> CallError {
    Exception::moodle(errorcode, "error", message).into()
}

/// Moodle's `course_validate_dates` on the dates a client sent (an absent date counts as 0, as
/// PHP's `empty()` sees it): when both are set, the end date may not be before the start date,
/// and an end date needs a start date.
pub(crate) fn validate_dates(
    startdate: Option<i64>,
    enddate: Option<i64>,
) -> Result<(), CallError> {
    let (startdate, enddate) = (startdate.unwrap_or(0), enddate.unwrap_or(0));
    if startdate != 0 && enddate != 0 && enddate < startdate {
        return Err(course_error(
            "enddatebeforestartdate",
            "The course end date must be after the start date.".into(),
        ));
    }
    if startdate == 0 && enddate != 0 {
        return Err(course_error(
            "nostartdatenoenddate",
            "A course end date can only be set if a start date is also set.".into(),
        ));
    }
    Ok(())
}

/// `errorcatcontextnotvalid` wrapping the message of the context error `error`.
fn category_context_error(categoryid: i64, error: &CallError) -> CallError {
    Exception::moodle(
        "errorcatcontextnotvalid",
        "webservice",
        format!(
            "You cannot execute functions in the category context (category id:{categoryid}). \
             The context error message was: {}",
            error.to_exception().message
        ),
    )
    .into()
}

impl ExternalFunction for CreateCourses {
    const NAME: &'static str = "core_course_create_courses";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Create new courses";
    const KIND: CallKind = CallKind::Write;
    const CAPABILITIES: &'static [&'static str] =
        &["moodle/course:create", "moodle/course:visibility"];
    type Args = Args;
    type Returns = Vec<Created>;

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<Vec<Created>, CallError> {
        let store = context.store()?;
        let site = context.site();
        let setting = |name: &'static str, default: &'static str| async move {
            plugin_config_or(context, "moodlecourse", name, default).await
        };
        let number = |text: String, default: i64| text.trim().parse().unwrap_or(default);
        let course_themes = config_or(context, "allowcoursethemes", "0").await? == "1";
        let completion_enabled = config_or(context, "enablecompletion", "1").await? == "1";
        let mut batch = Vec::new();
        // Short names and ID numbers of this batch count as taken for the later courses, as
        // they would inside Moodle's transaction.
        let mut shortnames = HashSet::new();
        let mut idnumbers = HashSet::new();
        for new in args.into_inner().courses {
            let categoryid = new.categoryid;
            let Some(target) = category_context(context, categoryid).await? else {
                let error: CallError =
                    Exception::invalid_parameter("Context does not exist").into();
                return Err(category_context_error(categoryid, &error));
            };
            if let Err(error) = validate_context(context, &target).await {
                return Err(category_context_error(categoryid, &error));
            }
            require_capability(context, "moodle/course:create", target.id).await?;
            if new.fullname.trim().is_empty() {
                return Err(invalid_param("fullname"));
            }
            if new.shortname.trim().is_empty() {
                return Err(invalid_param("shortname"));
            }
            let mut lang = String::new();
            if let Some(wanted) = new.lang {
                if !site.installed.languages.contains(&wanted) {
                    return Err(invalid_param("lang"));
                }
                if context.has_capability("moodle/course:setforcedlanguage", target.id).await? {
                    lang = wanted;
                }
            }
            let mut theme = String::new();
            if let Some(wanted) = new.forcetheme
                && course_themes
            {
                if !site.installed.themes.contains(&wanted) {
                    return Err(invalid_param("forcetheme"));
                }
                theme = wanted;
            }
            let category = store.category_by_id(categoryid).await?.ok_or(
                portico_store::StoreError::NotFound { entity: "course_categories", id: categoryid },
            )?;
            let visible = if context.has_capability("moodle/course:visibility", target.id).await? {
                new.visible.unwrap_or(category.visible)
            } else {
                category.visible
            };
            let enablecompletion = if completion_enabled {
                match new.enablecompletion {
                    Some(value) => value,
                    None => number(setting("enablecompletion", "1").await?, 1),
                }
            } else {
                0
            };
            validate_format(new.summaryformat)?;
            let format = match new.format {
                Some(format) => format,
                None => setting("format", "topics").await?,
            };
            // Moodle's create_course makes sections 1..numsections only when numsections is
            // given; the site's `moodlecourse/numsections` serves the course form, not here.
            let mut numsections = new.numsections.unwrap_or(0);
            let mut options: Vec<(String, String)> = Vec::new();
            for (name, default) in format_option_defaults(&format) {
                let value = match (*name, new.hiddensections) {
                    ("hiddensections", Some(hidden)) => hidden.to_string(),
                    _ => setting(name, default).await?,
                };
                options.push(((*name).to_owned(), value));
            }
            for option in new.courseformatoptions.unwrap_or_default() {
                if option.name == "numsections" {
                    numsections = option.value.trim().parse().unwrap_or(numsections);
                }
                if let Some(slot) = options.iter_mut().find(|(name, _)| *name == option.name) {
                    slot.1 = option.value;
                }
            }
            let mut row = Course {
                category: categoryid,
                fullname: new.fullname,
                shortname: new.shortname,
                idnumber: new.idnumber.unwrap_or_default(),
                summary: Some(new.summary.unwrap_or_default()),
                summaryformat: new.summaryformat,
                format,
                startdate: new.startdate.unwrap_or_default(),
                enddate: new.enddate.unwrap_or_default(),
                visible,
                visibleold: visible,
                defaultgroupingid: new.defaultgroupingid,
                lang,
                theme,
                enablecompletion,
                completionnotify: new.completionnotify.unwrap_or(0),
                ..Course::default()
            };
            row.showgrades = match new.showgrades {
                Some(value) => value,
                None => number(setting("showgrades", "1").await?, 1),
            };
            row.newsitems = match new.newsitems {
                Some(value) => value,
                None => number(setting("newsitems", "5").await?, 5),
            };
            row.maxbytes = match new.maxbytes {
                Some(value) => value,
                None => number(setting("maxbytes", "0").await?, 0),
            };
            row.showreports = match new.showreports {
                Some(value) => value,
                None => number(setting("showreports", "0").await?, 0),
            };
            row.groupmode = match new.groupmode {
                Some(value) => value,
                None => number(setting("groupmode", "0").await?, 0),
            };
            row.groupmodeforce = match new.groupmodeforce {
                Some(value) => value,
                None => number(setting("groupmodeforce", "0").await?, 0),
            };
            // Moodle's create_course: short name, then ID number, then dates.
            // PHP's empty(): Moodle checks neither a short name nor an ID number "0".
            if !php_empty(&row.shortname)
                && (shortnames.contains(&row.shortname)
                    || store.course_by_shortname(&row.shortname).await?.is_some())
            {
                let message =
                    format!("Short name is already used for another course ({})", row.shortname);
                return Err(course_error("shortnametaken", message));
            }
            if !php_empty(&row.idnumber)
                && (idnumbers.contains(&row.idnumber)
                    || store.course_by_idnumber(&row.idnumber).await?.is_some())
            {
                let message =
                    format!("ID number is already used for another course ({})", row.idnumber);
                return Err(course_error("courseidnumbertaken", message));
            }
            validate_dates(new.startdate, new.enddate)?;
            shortnames.insert(row.shortname.clone());
            if !php_empty(&row.idnumber) {
                idnumbers.insert(row.idnumber.clone());
            }
            batch.push(NewCourse { course: row, numsections, format_options: options });
        }
        let settings = context.access()?.settings().await?;
        let enrols: Vec<DefaultEnrol> = default_enrols(&settings);
        let created = store.create_courses(&batch, &enrols).await?;
        Ok(created.into_iter().map(|c| Created { id: c.id, shortname: c.shortname }).collect())
    }
}

#[cfg(test)]
mod tests {
    use portico_store::Store;
    use portico_store::model::CONTEXT_COURSE;
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field, int_field, items};

    const NAME: &str = "core_course_create_courses";

    backend_test!(
        create_courses_applies_site_defaults_and_enrols_nobody,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let science = site.category("Science", 0).await;
            let caller = site.custom_caller(site.admin.id, &[NAME]).await;
            let args = format!(
                "courses[0][fullname]=Biology&courses[0][shortname]=BIO&courses[0][categoryid]={id}\
             &courses[0][idnumber]=B1&courses[1][fullname]=Chemistry&courses[1][shortname]=CHEM\
             &courses[1][categoryid]={id}&courses[1][format]=weeks\
             &courses[1][courseformatoptions][0][name]=numsections\
             &courses[1][courseformatoptions][0][value]=2\
             &courses[1][courseformatoptions][1][name]=hiddensections\
             &courses[1][courseformatoptions][1][value]=1",
                id = science.id
            );
            let result = site.call(Some(&caller), NAME, &args).await.unwrap();
            let list = items(&result);
            assert_eq!(field(&list[0], "shortname"), portico_schema::Value::from("BIO"));
            let bio = site.store().course_by_id(int_field(&list[0], "id")).await.unwrap().unwrap();
            assert_eq!(
                (bio.format.as_str(), bio.showgrades, bio.newsitems, bio.maxbytes, bio.groupmode),
                ("topics", 1, 5, 0, 0)
            );
            assert_eq!((bio.visible, bio.enablecompletion, bio.idnumber.as_str()), (1, 1, "B1"));
            // Without numsections Moodle's create_course makes the general section only.
            assert_eq!(site.store().course_section_numbers(bio.id).await.unwrap(), vec![0]);
            let chem = int_field(&list[1], "id");
            assert_eq!(site.store().course_section_numbers(chem).await.unwrap(), vec![0, 1, 2]);
            let options = site.store().course_format_options(chem, "weeks").await.unwrap();
            assert_eq!(
                options,
                [
                    ("automaticenddate".to_owned(), "1".to_owned()),
                    ("coursedisplay".to_owned(), "0".to_owned()),
                    ("hiddensections".to_owned(), "1".to_owned())
                ]
            );
            let instances = site.store().enrol_instances(bio.id).await.unwrap();
            let names: Vec<&str> = instances.iter().map(|e| e.enrol.as_str()).collect();
            assert_eq!(names, ["manual", "guest", "self"]);
            assert!(
                !site
                    .store()
                    .is_enrolled(bio.id, site.admin.id, false, crate::now())
                    .await
                    .unwrap()
            );
            assert!(
                site.store().context_by_instance(CONTEXT_COURSE, bio.id).await.unwrap().is_some()
            );
            let category = site.store().category_by_id(science.id).await.unwrap().unwrap();
            assert_eq!(category.coursecount, 2);
        }
    );

    backend_test!(
        create_courses_reports_each_error_and_creates_nothing,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let science = site.category("Science", 0).await;
            site.course("TAKEN", science.id).await;
            let caller = site.custom_caller(site.admin.id, &[NAME]).await;
            let c = science.id;
            let cases = [
            (
                "courses[1][fullname]=X&courses[1][shortname]=X&courses[1][categoryid]=999999".to_owned(),
                "errorcatcontextnotvalid",
                "You cannot execute functions in the category context (category id:999999). The context error message was: Invalid parameter value detected".to_owned(),
            ),
            (
                format!("courses[1][fullname]=%20&courses[1][shortname]=X&courses[1][categoryid]={c}"),
                "errorinvalidparam",
                "The param \"fullname\" is invalid.".to_owned(),
            ),
            (
                format!("courses[1][fullname]=X&courses[1][shortname]=%20&courses[1][categoryid]={c}"),
                "errorinvalidparam",
                "The param \"shortname\" is invalid.".to_owned(),
            ),
            (
                format!("courses[1][fullname]=X&courses[1][shortname]=X&courses[1][categoryid]={c}&courses[1][lang]=xx"),
                "errorinvalidparam",
                "The param \"lang\" is invalid.".to_owned(),
            ),
            (
                format!("courses[1][fullname]=X&courses[1][shortname]=TAKEN&courses[1][categoryid]={c}"),
                "shortnametaken",
                "Short name is already used for another course (TAKEN)".to_owned(),
            ),
            (
                format!("courses[1][fullname]=X&courses[1][shortname]=FIRST&courses[1][categoryid]={c}"),
                "shortnametaken",
                "Short name is already used for another course (FIRST)".to_owned(),
            ),
            (
                format!("courses[1][fullname]=X&courses[1][shortname]=X&courses[1][categoryid]={c}&courses[1][idnumber]=ID1"),
                "courseidnumbertaken",
                "ID number is already used for another course (ID1)".to_owned(),
            ),
            (
                format!("courses[1][fullname]=X&courses[1][shortname]=X&courses[1][categoryid]={c}&courses[1][startdate]=100&courses[1][enddate]=50"),
                "enddatebeforestartdate",
                "The course end date must be after the start date.".to_owned(),
            ),
            (
                format!("courses[1][fullname]=X&courses[1][shortname]=X&courses[1][categoryid]={c}&courses[1][enddate]=50"),
                "nostartdatenoenddate",
                "A course end date can only be set if a start date is also set.".to_owned(),
            ),
        ];
            for (rest, errorcode, message) in cases {
                let args = format!(
                    "courses[0][fullname]=First&courses[0][shortname]=FIRST&courses[0][idnumber]=ID1\
                 &courses[0][categoryid]={c}&{rest}"
                );
                let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
                assert_eq!(
                    (error.errorcode.as_ref(), error.message),
                    (errorcode, message),
                    "{rest}"
                );
                // Atomic: the valid first course was not created either.
                assert!(site.store().course_by_shortname("FIRST").await.unwrap().is_none());
            }
        }
    );

    backend_test!(
        create_courses_requires_the_capability_and_forces_visibility,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let science = site.category("Science", 0).await;
            let user = site.user("teacher").await;
            let caller = site.custom_caller(user.id, &[NAME]).await;
            let args = format!(
                "courses[0][fullname]=X&courses[0][shortname]=X&courses[0][categoryid]={}",
                science.id
            );
            let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
            assert_eq!(error.errorcode, "nopermissions");
            assert_eq!(
                error.message,
                "Sorry, but you do not currently have permissions to do that (Create courses)."
            );
            // A course creator may create courses but not choose their visibility.
            let creator = site.store().role_by_shortname("coursecreator").await.unwrap().unwrap();
            let mut hidden = portico_store::NewCategory {
                name: "Hidden".into(),
                visible: 0,
                descriptionformat: 1,
                ..Default::default()
            };
            hidden.parent = 0;
            let hidden = site.store().create_categories(&[hidden]).await.unwrap().remove(0);
            site.store()
                .assign_role(&portico_store::NewRoleAssignment {
                    roleid: creator.id,
                    contextid: 1,
                    userid: user.id,
                    component: String::new(),
                    itemid: 0,
                    modifierid: site.admin.id,
                })
                .await
                .unwrap();
            let args = format!(
                "courses[0][fullname]=X&courses[0][shortname]=X&courses[0][categoryid]={}&courses[0][visible]=1",
                hidden.id
            );
            site.call(Some(&caller), NAME, &args).await.unwrap();
            let course = site.store().course_by_shortname("X").await.unwrap().unwrap();
            assert_eq!(course.visible, 0);
        }
    );
    backend_test!(create_courses_checks_no_short_name_or_id_number_0, |store: Store| async move {
        let site = TestSite::install(store).await;
        let science = site.category("Science", 0).await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        // PHP's empty("0"): create_course checks neither value, so both courses are created.
        let args = format!(
            "courses[0][fullname]=A&courses[0][shortname]=0&courses[0][idnumber]=0\
             &courses[0][categoryid]={id}&courses[1][fullname]=B&courses[1][shortname]=0\
             &courses[1][idnumber]=0&courses[1][categoryid]={id}",
            id = science.id
        );
        let result = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(items(&result).len(), 2);
        let category = site.store().category_by_id(science.id).await.unwrap().unwrap();
        assert_eq!(category.coursecount, 2);
    });
    #[test]
    fn create_courses_declares_moodles_defaults() {
        use portico_schema::Value;
        let defaults = crate::testing::param_defaults(NAME, "courses");
        assert_eq!(
            defaults,
            [
                ("summaryformat".to_owned(), Value::from("1")),
                ("defaultgroupingid".to_owned(), Value::Int(0))
            ]
        );
    }
    #[test]
    fn create_courses_keeps_moodles_line_breaks() {
        let text = crate::testing::param_text(NAME, &["courses", "enablecompletion"]);
        let expected = format!(
            "Enabled, control via completion and activity settings. Disabled,\n{}not shown in \
             activity settings.",
            " ".repeat(40)
        );
        assert_eq!(text, expected);
    }
}
