use portico_macros::Describe;

struct Course {
    id: i64,
}

#[derive(Describe)]
struct Courses {
    courses: Vec<Course>,
}

fn main() {}
