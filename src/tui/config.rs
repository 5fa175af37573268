//! The TUI's keys and colours: defaults in `assets/tui.toml` (built in),
//! overridden by `tui.toml` in the user's config directory. A file that
//! can't be used stops the TUI with a message naming the file and the
//! entry, rather than starting with keys the user didn't ask for.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use serde::Deserialize;

/// The built-in defaults.
pub const DEFAULTS: &str = include_str!("../../assets/tui.toml");

/// The file's name in the config directory.
pub const FILE_NAME: &str = "tui.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
}

/// What a key can be bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Back,
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
    Open,
    Next,
    Help,
    Filter,
    Command,
    Reload,
    Sort,
    Reverse,
    History,
    Resources,
    Drift,
    Install,
    Upgrade,
    Uninstall,
    Recover,
    Rollback,
    Mark,
    Diff,
    Secrets,
    Copy,
    Write,
}

impl Action {
    /// Every action with its name in the config file.
    pub const NAMES: [(Action, &'static str); 29] = [
        (Action::Quit, "quit"),
        (Action::Back, "back"),
        (Action::Down, "down"),
        (Action::Up, "up"),
        (Action::PageDown, "page_down"),
        (Action::PageUp, "page_up"),
        (Action::Top, "top"),
        (Action::Bottom, "bottom"),
        (Action::Open, "open"),
        (Action::Next, "next"),
        (Action::Help, "help"),
        (Action::Filter, "filter"),
        (Action::Command, "command"),
        (Action::Reload, "reload"),
        (Action::Sort, "sort"),
        (Action::Reverse, "reverse"),
        (Action::History, "history"),
        (Action::Resources, "resources"),
        (Action::Drift, "drift"),
        (Action::Install, "install"),
        (Action::Upgrade, "upgrade"),
        (Action::Uninstall, "uninstall"),
        (Action::Recover, "recover"),
        (Action::Rollback, "rollback"),
        (Action::Mark, "mark"),
        (Action::Diff, "diff"),
        (Action::Secrets, "secrets"),
        (Action::Copy, "copy"),
        (Action::Write, "write"),
    ];

    /// The action's name in the config file.
    pub fn name(self) -> &'static str {
        Action::NAMES
            .iter()
            .find(|(a, _)| *a == self)
            .map_or("", |(_, name)| name)
    }

    fn by_name(name: &str) -> Option<Action> {
        Action::NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(action, _)| *action)
    }
}

/// A key as bound: the code and the ctrl/alt modifiers. Shift is part of
/// the character (`H`), as terminals report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn of(event: KeyEvent) -> Key {
        Key {
            code: event.code,
            ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
            alt: event.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Reads a key as the config file writes it (`H`, `ctrl-d`, `pgdown`).
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut rest = text;
        let (mut ctrl, mut alt) = (false, false);
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-").filter(|r| !r.is_empty()) {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-").filter(|r| !r.is_empty()) {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest {
                "enter" => KeyCode::Enter,
                "esc" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "space" => KeyCode::Char(' '),
                "backspace" => KeyCode::Backspace,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pgup" => KeyCode::PageUp,
                "pgdown" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                f if f.starts_with('f') => match f[1..].parse::<u8>() {
                    Ok(n @ 1..=12) => KeyCode::F(n),
                    _ => return Err(format!("unknown key {text:?}")),
                },
                _ => return Err(format!("unknown key {text:?}")),
            },
        };
        Ok(Key { code, ctrl, alt })
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("backtab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdown"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Which keys do what.
#[derive(Clone, Debug, Default)]
pub struct Keymap {
    bindings: BTreeMap<Action, Vec<Key>>,
}

impl Keymap {
    /// The action a key press stands for.
    pub fn action(&self, event: KeyEvent) -> Option<Action> {
        let key = Key::of(event);
        self.bindings
            .iter()
            .find(|(_, keys)| keys.contains(&key))
            .map(|(action, _)| *action)
    }

    /// The keys of an action as help shows them: `j, ↓`.
    pub fn keys(&self, action: Action) -> String {
        self.bindings
            .get(&action)
            .map(|keys| {
                keys.iter()
                    .map(Key::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    }

    /// The first key of an action, for the hints line.
    pub fn key(&self, action: Action) -> String {
        self.bindings
            .get(&action)
            .and_then(|keys| keys.first())
            .map(Key::to_string)
            .unwrap_or_else(|| "(unbound)".into())
    }
}

/// The colours of the TUI (all `Reset` by default).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Theme {
    pub deployed: Color,
    pub failed: Color,
    pub pending: Color,
    pub selected: Color,
    pub banner: Color,
    pub error: Color,
    pub added: Color,
    pub removed: Color,
    pub hunk: Color,
    pub yaml_key: Color,
    pub comment: Color,
}

/// Keys and colours together, as the TUI uses them.
#[derive(Clone, Debug)]
pub struct Config {
    pub keys: Keymap,
    pub theme: Theme,
}

/// The file's shape; every entry optional so a user file may name a few.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    keys: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    theme: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl Default for Config {
    fn default() -> Config {
        // The built-in file is checked by a unit test; should it ever be
        // broken, every action stays unbound rather than panicking.
        Config::from_files(&[("assets/tui.toml", DEFAULTS)]).unwrap_or_else(|_| Config {
            keys: Keymap::default(),
            theme: Theme::default(),
        })
    }
}

impl Config {
    /// Where the user's file is looked for.
    pub fn user_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "wheelhouse")
            .map(|dirs| dirs.config_dir().join(FILE_NAME))
    }

    /// The defaults with the user's file over them, when there is one.
    pub fn load(user: Option<&Path>) -> Result<Config, ConfigError> {
        let Some(path) = user.filter(|p| p.exists()) else {
            return Config::from_files(&[("assets/tui.toml", DEFAULTS)]);
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Config::from_files(&[
            ("assets/tui.toml", DEFAULTS),
            (&path.display().to_string(), &text),
        ])
    }

    /// Reads the files in order, each over the ones before.
    fn from_files(files: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut keys: BTreeMap<Action, (Vec<Key>, String)> = BTreeMap::new();
        let mut colours: BTreeMap<String, (Color, String)> = BTreeMap::new();
        for (path, text) in files {
            let invalid = |message: String| ConfigError::Invalid {
                path: path.to_string(),
                message,
            };
            let file: File = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
            for (name, bound) in file.keys {
                let action = Action::by_name(&name).ok_or_else(|| {
                    invalid(format!(
                        "keys.{name}: no such action; the actions are {}",
                        Action::NAMES.map(|(_, name)| name).join(", ")
                    ))
                })?;
                let texts = match bound {
                    OneOrMany::One(t) => vec![t],
                    OneOrMany::Many(ts) => ts,
                };
                let parsed = texts
                    .iter()
                    .map(|t| Key::parse(t))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| invalid(format!("keys.{name}: {e}")))?;
                keys.insert(action, (parsed, path.to_string()));
            }
            for (name, value) in file.theme {
                if !THEME_NAMES.contains(&name.as_str()) {
                    return Err(invalid(format!(
                        "theme.{name}: no such colour; the colours are {}",
                        THEME_NAMES.join(", ")
                    )));
                }
                let colour = Color::from_str(&value)
                    .map_err(|_| invalid(format!("theme.{name}: {value:?} is not a colour")))?;
                colours.insert(name, (colour, path.to_string()));
            }
        }
        check_conflicts(&keys)?;
        let colour = |name: &str| -> Result<Color, ConfigError> {
            colours
                .get(name)
                .map(|(c, _)| *c)
                .ok_or_else(|| ConfigError::Invalid {
                    path: "assets/tui.toml".into(),
                    message: format!("theme.{name} is missing"),
                })
        };
        if let Some((_, missing)) = Action::NAMES.iter().find(|(a, _)| !keys.contains_key(a)) {
            return Err(ConfigError::Invalid {
                path: "assets/tui.toml".into(),
                message: format!("keys.{missing} is missing"),
            });
        }
        Ok(Config {
            keys: Keymap {
                bindings: keys.into_iter().map(|(a, (k, _))| (a, k)).collect(),
            },
            theme: Theme {
                deployed: colour("deployed")?,
                failed: colour("failed")?,
                pending: colour("pending")?,
                selected: colour("selected")?,
                banner: colour("banner")?,
                error: colour("error")?,
                added: colour("added")?,
                removed: colour("removed")?,
                hunk: colour("hunk")?,
                yaml_key: colour("yaml_key")?,
                comment: colour("comment")?,
            },
        })
    }
}

const THEME_NAMES: [&str; 11] = [
    "deployed", "failed", "pending", "selected", "banner", "error", "added", "removed", "hunk",
    "yaml_key", "comment",
];

/// Two actions on one key would make one of them unreachable.
fn check_conflicts(keys: &BTreeMap<Action, (Vec<Key>, String)>) -> Result<(), ConfigError> {
    let all: Vec<(Action, &Key, &String)> = keys
        .iter()
        .flat_map(|(action, (ks, path))| ks.iter().map(move |k| (*action, k, path)))
        .collect();
    for (i, (a, key, path)) in all.iter().enumerate() {
        if let Some((b, _, other)) = all[i + 1..].iter().find(|(b, k, _)| k == key && b != a) {
            // Name the user's file when it is one of the two.
            let path = if path.as_str() == "assets/tui.toml" {
                other
            } else {
                path
            };
            return Err(ConfigError::Invalid {
                path: path.to_string(),
                message: format!(
                    "the key {key} is bound to both keys.{} and keys.{}; give one of them another key",
                    a.name(),
                    b.name()
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> Result<Config, ConfigError> {
        Config::from_files(&[("assets/tui.toml", DEFAULTS), ("user.toml", text)])
    }

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn the_defaults_bind_every_action_once() {
        let config = Config::from_files(&[("assets/tui.toml", DEFAULTS)]).unwrap();
        for (action, name) in Action::NAMES {
            assert!(!config.keys.keys(action).is_empty(), "{name}");
            assert_eq!(action.name(), name);
        }
        assert_eq!(
            config
                .keys
                .action(press(KeyCode::Char('H'), KeyModifiers::SHIFT)),
            Some(Action::History)
        );
        assert_eq!(
            config
                .keys
                .action(press(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Some(Action::PageDown)
        );
        assert_eq!(config.keys.keys(Action::Down), "j, ↓");
        assert_eq!(config.theme.deployed, Color::Green);
    }

    #[test]
    fn a_user_file_replaces_only_what_it_names() {
        let config =
            user("[keys]\nrollback = \"ctrl-r\"\n[theme]\ndeployed = \"#00ff00\"\n").unwrap();
        let key = |c| press(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(
            config
                .keys
                .action(press(KeyCode::Char('r'), KeyModifiers::CONTROL)),
            Some(Action::Rollback)
        );
        assert_eq!(config.keys.action(key('r')), None);
        assert_eq!(config.keys.action(key('H')), Some(Action::History));
        assert_eq!(config.theme.deployed, Color::Rgb(0, 255, 0));
        assert_eq!(config.theme.failed, Color::Red);
    }

    #[test]
    fn mistakes_name_the_file_and_the_entry() {
        let message = |text| user(text).unwrap_err().to_string();
        assert!(
            message("[keys]\nrolback = \"r\"\n")
                .starts_with("user.toml: keys.rolback: no such action")
        );
        assert_eq!(
            message("[keys]\nrollback = \"ctrl-\"\n"),
            "user.toml: keys.rollback: unknown key \"ctrl-\""
        );
        assert_eq!(
            message("[keys]\nrollback = \"f13\"\n"),
            "user.toml: keys.rollback: unknown key \"f13\""
        );
        assert_eq!(
            message("[keys]\nrollback = \"H\"\n"),
            "user.toml: the key H is bound to both keys.history and keys.rollback; give one of them another key"
        );
        assert_eq!(
            message("[theme]\ndeployed = \"greenish\"\n"),
            "user.toml: theme.deployed: \"greenish\" is not a colour"
        );
        assert!(
            message("[theme]\nok = \"green\"\n").starts_with("user.toml: theme.ok: no such colour")
        );
        assert!(message("[keyz]\n").starts_with("user.toml: "));
    }

    #[test]
    fn keys_read_and_print_alike() {
        for text in [
            "H",
            "ctrl-d",
            "alt-x",
            "enter",
            "space",
            "f5",
            "pgdown",
            "ctrl-alt-k",
        ] {
            assert_eq!(Key::parse(text).unwrap().to_string(), text);
        }
        assert!(Key::parse("").is_err());
        assert!(Key::parse("banana").is_err());
    }

    #[test]
    fn a_missing_user_file_means_the_defaults() {
        let config = Config::load(Some(Path::new("/nonexistent/wheelhouse/tui.toml"))).unwrap();
        assert_eq!(config.keys.keys(Action::Rollback), "r");
    }
}
