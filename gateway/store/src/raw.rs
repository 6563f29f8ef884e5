//! Raw input bytes in JSON: a string when they are UTF-8 (the usual case, readable in dumps
//! and `quarantine show`), else `{"hex": "..."}`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Repr {
    Text(String),
    Hex { hex: String },
}

pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    match std::str::from_utf8(bytes) {
        Ok(t) => Repr::Text(t.to_string()),
        Err(_) => Repr::Hex {
            hex: hex::encode(bytes),
        },
    }
    .serialize(s)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    match Repr::deserialize(d)? {
        Repr::Text(t) => Ok(t.into_bytes()),
        Repr::Hex { hex } => hex::decode(hex).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct W(#[serde(with = "super")] Vec<u8>);

    #[test]
    fn text_and_binary_round_trip() {
        for bytes in [b"1N01HEADER.EMJ".to_vec(), vec![0xff, 0x00, 0x41]] {
            let json = serde_json::to_string(&W(bytes.clone())).unwrap();
            assert_eq!(serde_json::from_str::<W>(&json).unwrap(), W(bytes));
        }
        assert_eq!(serde_json::to_string(&W(b"ab".to_vec())).unwrap(), "\"ab\"");
    }
}
