use portico_macros::Describe;

#[derive(Describe)]
enum Format {
    Html5,
    Plain,
}

fn main() {}
