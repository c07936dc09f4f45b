//! Where the data lives and where to listen: command-line options, environment variables, the
//! TOML configuration file and the defaults, merged into one [`DataSettings`] or
//! [`ServeSettings`].
//!
//! Precedence is flag, then environment variable (clap reads both), then the file named by
//! `--config`, then the default. This module only resolves values; it must never open the
//! database or bind a socket.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;
use serde::Deserialize;

/// The default data directory, relative to the working directory.
pub(crate) const DEFAULT_DATA_DIR: &str = "./portico-data";
/// The default address to listen on.
pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The SQLite file inside the data directory when no database URL is given.
pub(crate) const DEFAULT_DATABASE_FILE: &str = "portico.db";

/// Options naming where the data lives; every command takes them.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct DataArgs {
    /// Directory for Portico's data; the default database lives here [default: ./portico-data].
    #[arg(long, global = true, env = "PORTICO_DATA_DIR", value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// The database: `sqlite://PATH` or `postgres://USER@HOST/DB`
    /// [default: sqlite://<data-dir>/portico.db].
    #[arg(long, global = true, env = "PORTICO_DATABASE_URL", value_name = "URL")]
    pub(crate) database_url: Option<String>,
    /// A TOML file with the same keys as these options (`data-dir`, `listen`, `database-url`,
    /// `public-url`); flags and environment variables win over it.
    #[arg(long, global = true, env = "PORTICO_CONFIG", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
}

/// Options of `portico serve` beyond [`DataArgs`].
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct ServeArgs {
    /// Address and port to listen on; port 0 picks a free port [default: 127.0.0.1:8080].
    #[arg(long, env = "PORTICO_LISTEN", value_name = "ADDR:PORT")]
    pub(crate) listen: Option<String>,
    /// The site's public address, Moodle's `wwwroot`, as clients reach it (behind a proxy, the
    /// proxy's address) [default: http://<listen address>].
    #[arg(long, env = "PORTICO_PUBLIC_URL", value_name = "URL")]
    pub(crate) public_url: Option<String>,
}

/// The configuration file: the options' long names as keys (`data_dir` spellings also work).
#[derive(Deserialize, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct FileConfig {
    /// `data-dir`; a relative path is relative to the file's directory.
    #[serde(alias = "data_dir")]
    pub(crate) data_dir: Option<PathBuf>,
    /// `listen`.
    pub(crate) listen: Option<String>,
    /// `database-url`.
    #[serde(alias = "database_url")]
    pub(crate) database_url: Option<String>,
    /// `public-url`.
    #[serde(alias = "public_url")]
    pub(crate) public_url: Option<String>,
}

/// Where the data lives, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DataSettings {
    /// The data directory.
    pub(crate) data_dir: PathBuf,
    /// The database URL.
    pub(crate) database_url: String,
    /// Whether `database_url` is the default SQLite file in `data_dir`, which then must exist.
    pub(crate) default_database: bool,
}

/// Everything `portico serve` needs, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServeSettings {
    /// Where the data lives.
    pub(crate) data: DataSettings,
    /// Address to bind.
    pub(crate) listen: String,
    /// `wwwroot`; `None` means "from the bound address", known only once bound.
    pub(crate) public_url: Option<String>,
}

impl FileConfig {
    /// Reads `path`; a relative `data-dir` in it is taken relative to the file's directory.
    pub(crate) fn load(path: &Path) -> anyhow::Result<FileConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
        let mut config: FileConfig = toml::from_str(&text)
            .with_context(|| format!("invalid configuration file {}", path.display()))?;
        if let Some(dir) = config.data_dir.as_mut()
            && dir.is_relative()
            && let Some(base) = path.parent()
        {
            *dir = base.join(&*dir);
        }
        Ok(config)
    }
}

impl DataArgs {
    /// The configuration file's contents, or nothing when no file was named.
    pub(crate) fn file(&self) -> anyhow::Result<FileConfig> {
        self.config.as_deref().map(FileConfig::load).transpose().map(Option::unwrap_or_default)
    }

    /// Merges these options with `file` and the defaults.
    pub(crate) fn resolve(&self, file: &FileConfig) -> anyhow::Result<DataSettings> {
        let data_dir = self
            .data_dir
            .clone()
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let explicit = self.database_url.clone().or_else(|| file.database_url.clone());
        let (database_url, default_database) = match explicit {
            Some(url) if url.trim().is_empty() => bail!("the database URL is empty"),
            Some(url) => (url, false),
            None => {
                let file = data_dir.join(DEFAULT_DATABASE_FILE);
                let Some(path) = file.to_str() else {
                    bail!(
                        "the data directory {} is not valid UTF-8; give --database-url",
                        data_dir.display()
                    );
                };
                (format!("sqlite://{path}"), true)
            }
        };
        Ok(DataSettings { data_dir, database_url, default_database })
    }
}

impl ServeArgs {
    /// Merges these options and `data` with `file` and the defaults.
    pub(crate) fn resolve(
        &self,
        data: DataSettings,
        file: &FileConfig,
    ) -> anyhow::Result<ServeSettings> {
        let listen = self
            .listen
            .clone()
            .or_else(|| file.listen.clone())
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let public_url = self.public_url.clone().or_else(|| file.public_url.clone());
        let public_url = public_url.map(|url| normalise_public_url(&url)).transpose()?;
        Ok(ServeSettings { data, listen, public_url })
    }
}

/// `url` as Moodle keeps `wwwroot`: an `http` or `https` URL without a trailing slash.
pub(crate) fn normalise_public_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['?', '#', ' ']) => Ok(url.to_owned()),
        _ => bail!(
            "the public URL {url:?} must be an http:// or https:// address, like https://lms.example.org"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(data_dir: Option<&str>, database_url: Option<&str>) -> DataArgs {
        DataArgs {
            data_dir: data_dir.map(PathBuf::from),
            database_url: database_url.map(str::to_owned),
            config: None,
        }
    }

    #[test]
    fn defaults_put_sqlite_in_the_data_directory() {
        let settings = data(None, None).resolve(&FileConfig::default()).unwrap();
        assert_eq!(settings.data_dir, PathBuf::from("./portico-data"));
        assert_eq!(settings.database_url, "sqlite://./portico-data/portico.db");
        assert!(settings.default_database);
        let settings = data(Some("/srv/p"), None).resolve(&FileConfig::default()).unwrap();
        assert_eq!(settings.database_url, "sqlite:///srv/p/portico.db");
    }

    #[test]
    fn options_win_over_the_file() {
        let file = FileConfig {
            data_dir: Some("/from/file".into()),
            listen: Some("0.0.0.0:9000".into()),
            database_url: Some("postgres://file/db".into()),
            public_url: Some("https://file.example/".into()),
        };
        let settings = data(None, None).resolve(&file).unwrap();
        assert_eq!(settings.data_dir, PathBuf::from("/from/file"));
        assert_eq!(settings.database_url, "postgres://file/db");
        assert!(!settings.default_database);
        let serve = ServeArgs::default().resolve(settings, &file).unwrap();
        assert_eq!(serve.listen, "0.0.0.0:9000");
        assert_eq!(serve.public_url.as_deref(), Some("https://file.example"));

        let settings = data(Some("/flag"), Some("sqlite:///x.db")).resolve(&file).unwrap();
        assert_eq!(settings.data_dir, PathBuf::from("/flag"));
        assert_eq!(settings.database_url, "sqlite:///x.db");
        let args = ServeArgs { listen: Some("127.0.0.1:0".into()), public_url: None };
        assert_eq!(args.resolve(settings, &file).unwrap().listen, "127.0.0.1:0");
    }

    #[test]
    fn the_file_accepts_both_spellings_and_rejects_unknown_keys() {
        let kebab: FileConfig = toml::from_str("data-dir = \"d\"\ndatabase-url = \"u\"").unwrap();
        let snake: FileConfig = toml::from_str("data_dir = \"d\"\ndatabase_url = \"u\"").unwrap();
        assert_eq!(kebab, snake);
        assert!(toml::from_str::<FileConfig>("lisen = \"x\"").is_err());
    }

    #[test]
    fn public_urls_are_checked() {
        let check = |url: &str, expected: Option<&str>| {
            assert_eq!(normalise_public_url(url).ok().as_deref(), expected, "{url}");
        };
        check("http://127.0.0.1:8080", Some("http://127.0.0.1:8080"));
        check("https://lms.example.org/moodle/", Some("https://lms.example.org/moodle"));
        check("lms.example.org", None);
        check("ftp://x", None);
        check("http://", None);
    }
}
