use portico_macros::Describe;

#[derive(Describe)]
struct UserId(i64);

fn main() {}
