//! The direction of an impairment.

use std::fmt;

/// Which way MQTT packets are impaired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Way {
    /// `up`: module → broker.
    Up,
    /// `down`: broker → module.
    Down,
    /// `both`: both directions (the default when a fault's text leaves the direction out).
    Both,
}

impl Way {
    /// Every direction, in the order of the text's `up|down|both`.
    pub const ALL: [Way; 3] = [Way::Up, Way::Down, Way::Both];

    /// Whether packets module → broker are impaired.
    pub fn up(self) -> bool {
        matches!(self, Way::Up | Way::Both)
    }

    /// Whether packets broker → module are impaired.
    pub fn down(self) -> bool {
        matches!(self, Way::Down | Way::Both)
    }

    /// The word of the text: `up`, `down` or `both`.
    pub fn as_str(self) -> &'static str {
        match self {
            Way::Up => "up",
            Way::Down => "down",
            Way::Both => "both",
        }
    }

    /// Reads `up`, `down` or `both`.
    pub fn from_word(word: &str) -> Option<Way> {
        Way::ALL.into_iter().find(|w| w.as_str() == word)
    }
}

impl fmt::Display for Way {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
