use portico_macros::Describe;

#[derive(Describe)]
struct Args {
    #[describe(optional, default = 0)]
    page: i64,
}

fn main() {}
