use portico_macros::Describe;

#[derive(Describe)]
union Number {
    int: i64,
    float: f64,
}

fn main() {}
