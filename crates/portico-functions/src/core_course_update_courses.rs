//! `core_course_update_courses` (spec 04 §5.4): update courses one by one, as Moodle does (no
//! transaction around the batch); anything that stops a course becomes a warning naming it and
//! the next course is processed.
//!
//! This module owns the checks of Moodle's `update_courses` and `update_course` (a capability
//! for each kind of change, names, language, theme, upload limit, uniqueness, dates). It must
//! never write except through one `Store::update_course` call per course.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, Valid};
use portico_store::CourseUpdate;
use portico_store::model::{CONTEXT_COURSE, SITEID};

use crate::core_course_create_courses::{
    CustomFieldValue, FormatOption, course_error, format_option_defaults, validate_dates,
};
use crate::support::{
    Warning, config_or, invalid_param, plugin_config_or, require_capability, validate_context,
    validate_format,
};
use crate::user_details::php_empty;

/// Update courses
pub struct UpdateCourses;

/// The new values of one course; absent keys keep their value.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct CourseChanges {
    /// ID of the course
    pub id: i64,
    /// full name
    #[describe(param = Text)]
    pub fullname: Option<String>,
    /// course short name
    #[describe(param = Text)]
    pub shortname: Option<String>,
    /// category id
    pub categoryid: Option<i64>,
    /// id number
    pub idnumber: Option<String>,
    /// summary
    pub summary: Option<String>,
    /// summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN
    pub summaryformat: Option<i64>,
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
    /// (deprecated, use courseformatoptions) How the hidden sections in the course are
    /// displayed to students
    #[describe(
        desc = "(deprecated, use courseformatoptions) How the hidden sections in the course are
                                        displayed to students"
    )]
    pub hiddensections: Option<i64>,
    /// no group, separate, visible
    pub groupmode: Option<i64>,
    /// 1: yes, 0: no
    pub groupmodeforce: Option<i64>,
    /// default grouping id
    pub defaultgroupingid: Option<i64>,
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
    /// Custom fields
    pub customfields: Option<Vec<CustomFieldValue>>,
}

/// Parameters of `core_course_update_courses`.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Args {
    /// courses to update
    pub courses: Vec<CourseChanges>,
}

/// The result: one warning per course that was not updated.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Updated {
    /// list of warnings
    #[describe(optional)]
    pub warnings: Vec<Warning>,
}

impl ExternalFunction for UpdateCourses {
    const NAME: &'static str = "core_course_update_courses";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Update courses";
    const KIND: CallKind = CallKind::Write;
    const CAPABILITIES: &'static [&'static str] = &[
        "moodle/course:update",
        "moodle/course:changecategory",
        "moodle/course:changefullname",
        "moodle/course:changeshortname",
        "moodle/course:changeidnumber",
        "moodle/course:changesummary",
        "moodle/course:visibility",
    ];
    type Args = Args;
    type Returns = Updated;

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<Updated, CallError> {
        let mut warnings = Vec::new();
        for changes in args.into_inner().courses {
            let id = changes.id;
            if let Err(error) = update_one(context, changes).await {
                let exception = error.to_exception();
                warnings.push(Warning::new(
                    "course",
                    id,
                    exception.errorcode.as_ref(),
                    exception.message,
                ));
            }
        }
        Ok(Updated { warnings })
    }
}

/// Checks and writes one course, failing with the exception Moodle would raise.
async fn update_one(context: &CallContext, changes: CourseChanges) -> Result<(), CallError> {
    let store = context.store()?;
    let missing = |entity| portico_store::StoreError::NotFound { entity, id: changes.id };
    let course_context =
        store.context_by_instance(CONTEXT_COURSE, changes.id).await?.ok_or(missing("course"))?;
    validate_context(context, &course_context).await?;
    let old = store.course_by_id(changes.id).await?.ok_or(missing("course"))?;
    let contextid = course_context.id;
    require_capability(context, "moodle/course:update", contextid).await?;
    let mut course = old.clone();
    if let Some(category) = changes.categoryid
        && category != old.category
    {
        require_capability(context, "moodle/course:changecategory", contextid).await?;
        // Moodle's update_course ignores category 0.
        if category != 0 {
            course.category = category;
        }
    }
    if let Some(fullname) = changes.fullname
        && fullname != old.fullname
    {
        require_capability(context, "moodle/course:changefullname", contextid).await?;
        if fullname.trim().is_empty() {
            return Err(invalid_param("fullname"));
        }
        course.fullname = fullname;
    }
    if let Some(shortname) = changes.shortname
        && shortname != old.shortname
    {
        require_capability(context, "moodle/course:changeshortname", contextid).await?;
        if shortname.trim().is_empty() {
            return Err(invalid_param("shortname"));
        }
        course.shortname = shortname;
    }
    if let Some(idnumber) = changes.idnumber
        && idnumber != old.idnumber
    {
        require_capability(context, "moodle/course:changeidnumber", contextid).await?;
        course.idnumber = idnumber;
    }
    if let Some(summary) = changes.summary
        && Some(&summary) != old.summary.as_ref()
    {
        require_capability(context, "moodle/course:changesummary", contextid).await?;
        course.summary = Some(summary);
    }
    if let Some(summaryformat) = changes.summaryformat
        && summaryformat != old.summaryformat
    {
        require_capability(context, "moodle/course:changesummary", contextid).await?;
        validate_format(summaryformat)?;
        course.summaryformat = summaryformat;
    }
    if let Some(visible) = changes.visible
        && visible != old.visible
    {
        require_capability(context, "moodle/course:visibility", contextid).await?;
        course.visible = visible;
        course.visibleold = visible;
    }
    if let Some(lang) = changes.lang
        && lang != old.lang
    {
        require_capability(context, "moodle/course:setforcedlanguage", contextid).await?;
        if !context.site().installed.languages.contains(&lang) {
            return Err(invalid_param("lang"));
        }
        course.lang = lang;
    }
    if let Some(theme) = changes.forcetheme
        && config_or(context, "allowcoursethemes", "0").await? == "1"
    {
        if !context.site().installed.themes.contains(&theme) {
            return Err(invalid_param("forcetheme"));
        }
        course.theme = theme;
    }
    if let Some(maxbytes) = changes.maxbytes {
        // 0 means "the site limit"; any other value is capped at the site limit.
        let site_limit: i64 =
            config_or(context, "maxbytes", "0").await?.trim().parse().unwrap_or(0);
        course.maxbytes =
            if maxbytes != 0 && site_limit > 0 { maxbytes.min(site_limit) } else { maxbytes };
    }
    let set = |target: &mut i64, value: Option<i64>| {
        if let Some(value) = value {
            *target = value;
        }
    };
    set(&mut course.showgrades, changes.showgrades);
    set(&mut course.newsitems, changes.newsitems);
    set(&mut course.startdate, changes.startdate);
    set(&mut course.enddate, changes.enddate);
    set(&mut course.showreports, changes.showreports);
    set(&mut course.groupmode, changes.groupmode);
    set(&mut course.groupmodeforce, changes.groupmodeforce);
    set(&mut course.defaultgroupingid, changes.defaultgroupingid);
    set(&mut course.enablecompletion, changes.enablecompletion);
    set(&mut course.completionnotify, changes.completionnotify);
    if let Some(format) = changes.format {
        // Moodle: a format without announcements (single activity) shows no news items.
        if format == "singleactivity" {
            course.newsitems = 0;
        }
        course.format = format;
    }
    // Every option of the (new) format is stored: the value sent, else the stored one (the
    // store keeps only the current format's options), else the site default.
    let mut given: Vec<(String, String)> = Vec::new();
    if let Some(hidden) = changes.hiddensections {
        given.push(("hiddensections".into(), hidden.to_string()));
    }
    for option in changes.courseformatoptions.unwrap_or_default() {
        given.push((option.name, option.value));
    }
    let stored = store.course_format_options(old.id, &old.format).await?;
    let mut options: Vec<(String, String)> = Vec::new();
    for (name, default) in format_option_defaults(&course.format) {
        let sent = given.iter().rev().find(|(key, _)| key == name).map(|(_, value)| value.clone());
        let kept = stored.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
        let value = match sent.or(kept) {
            Some(value) => value,
            None => plugin_config_or(context, "moodlecourse", name, default).await?,
        };
        options.push(((*name).to_owned(), value));
    }
    // Moodle's update_course: never the site course, then uniqueness of a changed short name
    // and ID number, then dates.
    if old.id == SITEID {
        return Err(Exception::moodle("invalidcourse", "error", "Invalid course").into());
    }
    // PHP's empty(): Moodle checks neither a short name nor an ID number "0".
    if !php_empty(&course.shortname)
        && course.shortname != old.shortname
        && store.course_by_shortname(&course.shortname).await?.is_some_and(|c| c.id != old.id)
    {
        let message =
            format!("Short name is already used for another course ({})", course.shortname);
        return Err(course_error("shortnametaken", message));
    }
    if !php_empty(&course.idnumber)
        && course.idnumber != old.idnumber
        && store.course_by_idnumber(&course.idnumber).await?.is_some_and(|c| c.id != old.id)
    {
        let message = format!("ID number is already used for another course ({})", course.idnumber);
        return Err(course_error("courseidnumbertaken", message));
    }
    validate_dates(changes.startdate, changes.enddate)?;
    if course.category != old.category {
        let Some(category) = store.category_by_id(course.category).await? else {
            return Err(Exception::new(
                "dml_missing_record_exception",
                "invalidrecord",
                "error",
                "Can't find data record in database table course_categories.",
            )
            .into());
        };
        // A course moved into a hidden category is hidden, unless its visibility was set.
        if course.visible == old.visible && category.visible == 0 {
            course.visible = 0;
        }
    }
    store.update_course(&CourseUpdate { course, format_options: options }).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_store::model::{CONTEXT_COURSE, CONTEXT_COURSECAT};
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field, items};

    const NAME: &str = "core_course_update_courses";

    fn warnings(result: &Value) -> Vec<(i64, String, String)> {
        items(&field(result, "warnings"))
            .iter()
            .map(|w| {
                let text = |key| field(w, key).as_str().unwrap_or_default().to_owned();
                let Value::Int(id) = field(w, "itemid") else { panic!("an item id") };
                (id, text("warningcode"), text("message"))
            })
            .collect()
    }

    backend_test!(update_courses_changes_values_and_moves_the_context, |store: Store| async move {
        let site = TestSite::install(store).await;
        let science = site.category("Science", 0).await;
        let arts = site.category("Arts", 0).await;
        let bio = site.course("BIO", science.id).await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args = format!(
            "courses[0][id]={}&courses[0][fullname]=Biology%20II&courses[0][shortname]=BIO2\
             &courses[0][categoryid]={}&courses[0][idnumber]=B2&courses[0][visible]=0\
             &courses[0][courseformatoptions][0][name]=hiddensections\
             &courses[0][courseformatoptions][0][value]=1",
            bio.id, arts.id
        );
        let result = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert!(warnings(&result).is_empty(), "{result:?}");
        let store = site.store();
        let course = store.course_by_id(bio.id).await.unwrap().unwrap();
        assert_eq!(
            (course.fullname.as_str(), course.shortname.as_str(), course.idnumber.as_str()),
            ("Biology II", "BIO2", "B2")
        );
        assert_eq!((course.category, course.visible), (arts.id, 0));
        assert_eq!(store.category_by_id(science.id).await.unwrap().unwrap().coursecount, 0);
        assert_eq!(store.category_by_id(arts.id).await.unwrap().unwrap().coursecount, 1);
        let parent = store.context_by_instance(CONTEXT_COURSECAT, arts.id).await.unwrap().unwrap();
        let moved = store.context_by_instance(CONTEXT_COURSE, bio.id).await.unwrap().unwrap();
        assert_eq!(moved.path, Some(format!("{}/{}", parent.path.unwrap(), moved.id)));
        assert_eq!(moved.depth, parent.depth + 1);
        let options = store.course_format_options(bio.id, "topics").await.unwrap();
        assert_eq!(
            options,
            [
                ("coursedisplay".to_owned(), "0".to_owned()),
                ("hiddensections".to_owned(), "1".to_owned())
            ]
        );
    });

    backend_test!(update_courses_warns_per_course_and_continues, |store: Store| async move {
        let site = TestSite::install(store).await;
        let science = site.category("Science", 0).await;
        let bio = site.course("BIO", science.id).await;
        let chem = site.course("CHEM", science.id).await;
        let bio = site.store().course_by_id(bio.id).await.unwrap().unwrap();
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args = format!(
            "courses[0][id]={bio}&courses[0][shortname]=CHEM\
             &courses[1][id]=999999&courses[1][fullname]=X\
             &courses[2][id]={bio}&courses[2][fullname]=%20\
             &courses[3][id]={bio}&courses[3][lang]=xx\
             &courses[4][id]={bio}&courses[4][categoryid]=999999\
             &courses[5][id]={chem}&courses[5][fullname]=Chemistry",
            bio = bio.id,
            chem = chem.id
        );
        let result = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(
            warnings(&result),
            [
                (
                    bio.id,
                    "shortnametaken".into(),
                    "Short name is already used for another course (CHEM)".into()
                ),
                (
                    999_999,
                    "invalidrecord".into(),
                    "Can't find data record in database table course.".into()
                ),
                (bio.id, "errorinvalidparam".into(), "The param \"fullname\" is invalid.".into()),
                (bio.id, "errorinvalidparam".into(), "The param \"lang\" is invalid.".into()),
                (
                    bio.id,
                    "invalidrecord".into(),
                    "Can't find data record in database table course_categories.".into()
                ),
            ]
        );
        let store = site.store();
        assert_eq!(store.course_by_id(bio.id).await.unwrap().unwrap(), bio);
        assert_eq!(store.course_by_id(chem.id).await.unwrap().unwrap().fullname, "Chemistry");
    });

    backend_test!(update_courses_follows_moodles_update_course, |store: Store| async move {
        let site = TestSite::install(store).await;
        let science = site.category("Science", 0).await;
        let hidden = portico_store::NewCategory {
            name: "Hidden".into(),
            descriptionformat: 1,
            ..Default::default()
        };
        let hidden = site.store().create_categories(&[hidden]).await.unwrap().remove(0);
        let bio = site.course("BIO", science.id).await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args = format!(
            "courses[0][id]=1&courses[0][fullname]=Site\
             &courses[1][id]={bio}&courses[1][startdate]=200&courses[1][enddate]=100\
             &courses[2][id]={bio}&courses[2][categoryid]={hidden}&courses[2][format]=weeks\
             &courses[3][id]={bio}&courses[3][enddate]=500",
            bio = bio.id,
            hidden = hidden.id
        );
        let result = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(
            warnings(&result),
            [
                (1, "invalidcourse".into(), "Invalid course".into()),
                (
                    bio.id,
                    "enddatebeforestartdate".into(),
                    "The course end date must be after the start date.".into()
                ),
                // Moodle checks the dates sent, not the stored ones: an end date alone fails.
                (
                    bio.id,
                    "nostartdatenoenddate".into(),
                    "A course end date can only be set if a start date is also set.".into()
                ),
            ]
        );
        assert_eq!(site.store().course_by_id(1).await.unwrap().unwrap().fullname, "Portico");
        let course = site.store().course_by_id(bio.id).await.unwrap().unwrap();
        // Moved into a hidden category, the course is hidden; the weeks format has its options.
        assert_eq!(
            (course.category, course.visible, course.format.as_str()),
            (hidden.id, 0, "weeks")
        );
        let names: Vec<String> = site
            .store()
            .course_format_options(bio.id, "weeks")
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.0)
            .collect();
        assert_eq!(names, ["automaticenddate", "coursedisplay", "hiddensections"]);
    });

    backend_test!(update_courses_needs_each_capability, |store: Store| async move {
        let site = TestSite::install(store).await;
        let science = site.category("Science", 0).await;
        let bio = site.course("BIO", science.id).await;
        let teacher = site.user("teacher").await;
        let student = site.user("student").await;
        site.enrol(teacher.id, bio.id, 4).await;
        site.enrol(student.id, bio.id, 5).await;
        let args = format!("courses[0][id]={}&courses[0][fullname]=New", bio.id);
        let caller = site.custom_caller(student.id, &[NAME]).await;
        let result = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(
            warnings(&result),
            [(
                bio.id,
                "nopermissions".into(),
                "Sorry, but you do not currently have permissions to do that (Update course settings)."
                    .into()
            )]
        );
        // An editing teacher may update the course but a non-editing teacher holds nothing.
        let editing = site.user("editing").await;
        site.enrol(editing.id, bio.id, 3).await;
        let caller = site.custom_caller(editing.id, &[NAME]).await;
        let result = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert!(warnings(&result).is_empty(), "{result:?}");
        let course = site.store().course_by_id(bio.id).await.unwrap().unwrap();
        assert_eq!(course.fullname, "New");
    });
    backend_test!(update_courses_checks_no_id_number_0, |store: Store| async move {
        let site = TestSite::install(store).await;
        let science = site.category("Science", 0).await;
        let bio = site.course("BIO", science.id).await;
        let chem = site.course("CHEM", science.id).await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        // PHP's empty("0"): update_course does not look for another course with ID number "0".
        let args = format!(
            "courses[0][id]={}&courses[0][idnumber]=0&courses[1][id]={}&courses[1][idnumber]=0",
            bio.id, chem.id
        );
        let result = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert!(warnings(&result).is_empty());
        let chem = site.store().course_by_id(chem.id).await.unwrap().unwrap();
        assert_eq!(chem.idnumber, "0");
    });
    #[test]
    fn update_courses_returns_moodles_external_warnings() {
        crate::testing::assert_declares_warnings(NAME);
    }
    #[test]
    fn update_courses_keeps_moodles_line_breaks() {
        let text = crate::testing::param_text(NAME, &["courses", "enablecompletion"]);
        let expected = format!(
            "Enabled, control via completion and activity settings. Disabled,\n{}not shown in \
             activity settings.",
            " ".repeat(40)
        );
        assert_eq!(text, expected);
        let text = crate::testing::param_text(NAME, &["courses", "hiddensections"]);
        let expected = format!(
            "(deprecated, use courseformatoptions) How the hidden sections in the course are\n\
             {}displayed to students",
            " ".repeat(40)
        );
        assert_eq!(text, expected);
    }
}
