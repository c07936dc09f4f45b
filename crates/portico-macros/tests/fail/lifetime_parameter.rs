use portico_macros::Describe;

#[derive(Describe)]
struct Args<'a> {
    name: &'a str,
}

fn main() {}
