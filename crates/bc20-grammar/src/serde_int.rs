//! The note writes flags as 0/1; JSON keeps them as the same integers.

/// `bool` as 0/1.
pub mod bool_int {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes 0 or 1.
    pub fn serialize<S: Serializer>(v: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(u8::from(*v))
    }

    /// Reads 0 or 1 (or a JSON boolean).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Flag {
            Int(u64),
            Bool(bool),
        }
        match Flag::deserialize(d)? {
            Flag::Bool(b) => Ok(b),
            Flag::Int(0) => Ok(false),
            Flag::Int(1) => Ok(true),
            Flag::Int(n) => Err(serde::de::Error::custom(format_args!(
                "{n} is not a flag (0 or 1)"
            ))),
        }
    }
}

/// `Option<bool>` as an optional 0/1.
pub mod opt_bool_int {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes 0, 1 or null.
    pub fn serialize<S: Serializer>(v: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_u8(u8::from(*b)),
            None => s.serialize_none(),
        }
    }

    /// Reads 0, 1 or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "super::bool_int")] bool);
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}
