use portico_macros::Describe;

/// A misspelt key and a key that belongs on fields.
#[derive(Describe)]
#[describe(optional)]
struct Args {
    /// Short names of services.
    #[describe(defualt)]
    serviceshortnames: Vec<String>,
}

fn main() {}
