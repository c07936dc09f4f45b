use portico_macros::Describe;

#[derive(Describe)]
struct SiteInfo {
    /// Site name, ready to display.
    #[describe(param = Txt)]
    sitename: String,
}

fn main() {}
