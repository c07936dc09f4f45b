use portico_macros::Describe;

#[derive(Describe)]
enum Display {
    Inline,
    Popup { width: i64 },
}

fn main() {}
