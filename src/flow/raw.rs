//! Serde structs that mirror a flow file one-to-one. Nothing clever: every field is optional
//! where the file may leave it out, and the loader decides what a node is.

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::command::Shell;
use crate::flow::{Kind, Licence};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFlow {
    #[serde(default)]
    pub codes: Vec<u32>,
    /// A general flow for every code that has none of its own.
    #[serde(default)]
    pub fallback: bool,
    pub title: String,
    pub start: String,
    #[serde(default, deserialize_with = "pairs")]
    pub entry: Vec<(u32, String)>,
    #[serde(default, deserialize_with = "pairs")]
    pub placeholders: Vec<(String, RawPlaceholder)>,
    #[serde(deserialize_with = "pairs")]
    pub nodes: Vec<(String, RawNode)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlaceholder {
    pub prompt: String,
    pub example: String,
    pub kind: Kind,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNode {
    // Question
    pub question: Option<String>,
    pub help: Option<String>,
    pub checks: Option<Vec<RawCommand>>,
    pub answers: Option<Vec<RawAnswer>>,
    // Leaf
    pub cause: Option<String>,
    pub explanation: Option<String>,
    pub fix: Option<Vec<String>>,
    pub commands: Option<Vec<RawCommand>>,
    pub related: Option<Vec<u32>>,
    pub links: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAnswer {
    pub label: String,
    pub next: String,
    /// A JMESPath condition over the sign-in event that makes this the answer.
    pub when: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCommand {
    pub title: String,
    pub shell: Shell,
    /// The command text; an entry has this or `unavailable`, never both.
    pub command: Option<String>,
    /// Why this shell cannot run the check (said on screen instead of a command).
    pub unavailable: Option<String>,
    pub changes_state: Option<bool>,
    pub needs: Option<RawNeeds>,
}

/// What running a command takes: Graph scopes, a role, a licence.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNeeds {
    #[serde(default)]
    pub scopes: Vec<String>,
    pub role: Option<String>,
    pub licence: Option<Licence>,
}

/// A mapping read as ordered pairs, keeping duplicate keys so the loader can report each one
/// at its own position instead of serde stopping at the first.
fn pairs<'de, D, K, V>(d: D) -> Result<Vec<(K, V)>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de>,
    V: Deserialize<'de>,
{
    struct Pairs<K, V>(std::marker::PhantomData<(K, V)>);
    impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for Pairs<K, V> {
        type Value = Vec<(K, V)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a mapping")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(pair) = map.next_entry()? {
                out.push(pair);
            }
            Ok(out)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_map(Pairs(std::marker::PhantomData))
}
