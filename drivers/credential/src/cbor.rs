//! Strict reading and plain writing of the integer-keyed CBOR maps that carry the
//! claims, the trust list and the hotlist.
//!
//! Everything read here comes from a scanned card or the network, so reading is
//! strict in one place rather than ad hoc in three: integer keys only, no
//! duplicate keys, no keys this format does not define, exact types, and a
//! nesting limit (ciborium's) so hostile input cannot exhaust the stack.

use ciborium::value::Value;
use time::OffsetDateTime;

use crate::error::{CredentialError, Result};

/// Encodes a value; fails only if the encoder does, which writing to memory does not.
pub(crate) fn encode(value: &Value) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    ciborium::into_writer(value, &mut bytes).map_err(|e| CredentialError::Signing(format!("CBOR encoding: {e}")))?;
    Ok(bytes)
}

/// Decodes exactly one CBOR item filling all of `bytes`.
pub(crate) fn decode(bytes: &[u8], context: &'static str) -> Result<Value> {
    let mut rest = bytes;
    let value: Value =
        ciborium::from_reader(&mut rest).map_err(|e| malformed(context, format_args!("not valid CBOR ({e})")))?;
    if !rest.is_empty() {
        return Err(malformed(
            context,
            format_args!("{} stray bytes after the data", rest.len()),
        ));
    }
    Ok(value)
}

/// A map value with integer keys in the order given (callers give them ascending).
pub(crate) fn int_map(entries: impl IntoIterator<Item = (i64, Value)>) -> Value {
    Value::Map(
        entries
            .into_iter()
            .map(|(key, value)| (Value::Integer(key.into()), value))
            .collect(),
    )
}

/// A NumericDate (RFC 8392): whole seconds since the Unix epoch.
pub(crate) fn numeric_date(at: OffsetDateTime) -> Value {
    Value::Integer(at.unix_timestamp().into())
}

fn malformed(context: &str, detail: std::fmt::Arguments) -> CredentialError {
    CredentialError::Malformed(format!("{context}: {detail}"))
}

/// A decoded map being taken apart field by field; [`IntMap::finish`] refuses leftovers.
pub(crate) struct IntMap {
    context: &'static str,
    entries: Vec<(i64, Value)>,
}

impl IntMap {
    pub(crate) fn new(value: Value, context: &'static str) -> Result<IntMap> {
        let Value::Map(pairs) = value else {
            return Err(malformed(context, format_args!("expected a map")));
        };
        let mut entries: Vec<(i64, Value)> = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            let key = key
                .as_integer()
                .and_then(|k| i64::try_from(k).ok())
                .ok_or_else(|| malformed(context, format_args!("map keys must be integers")))?;
            if entries.iter().any(|(seen, _)| *seen == key) {
                return Err(malformed(context, format_args!("key {key} appears twice")));
            }
            entries.push((key, value));
        }
        Ok(IntMap { context, entries })
    }

    pub(crate) fn optional(&mut self, key: i64, name: &'static str) -> Option<Field> {
        let index = self.entries.iter().position(|(k, _)| *k == key)?;
        let (_, value) = self.entries.swap_remove(index);
        Some(Field {
            context: self.context,
            name,
            value,
        })
    }

    pub(crate) fn required(&mut self, key: i64, name: &'static str) -> Result<Field> {
        self.optional(key, name)
            .ok_or_else(|| malformed(self.context, format_args!("{name} (key {key}) is missing")))
    }

    /// Refuses any key the format does not define.
    pub(crate) fn finish(self) -> Result<()> {
        match self.entries.first() {
            None => Ok(()),
            Some((key, _)) => Err(malformed(self.context, format_args!("unknown key {key}"))),
        }
    }
}

/// One value out of a map or array, named so that a type error says which field it was.
pub(crate) struct Field {
    context: &'static str,
    name: &'static str,
    value: Value,
}

impl Field {
    fn wrong_type(&self, expected: &str) -> CredentialError {
        malformed(self.context, format_args!("{} must be {expected}", self.name))
    }

    /// The same value under another name, for an array's items.
    pub(crate) fn named(self, name: &'static str) -> Field {
        Field { name, ..self }
    }

    pub(crate) fn text(self) -> Result<String> {
        match self.value {
            Value::Text(text) => Ok(text),
            _ => Err(self.wrong_type("text")),
        }
    }

    pub(crate) fn bytes(self) -> Result<Vec<u8>> {
        match self.value {
            Value::Bytes(bytes) => Ok(bytes),
            _ => Err(self.wrong_type("a byte string")),
        }
    }

    pub(crate) fn int(self) -> Result<i64> {
        match self.value.as_integer().and_then(|i| i64::try_from(i).ok()) {
            Some(int) => Ok(int),
            None => Err(self.wrong_type("an integer")),
        }
    }

    pub(crate) fn uint<T: TryFrom<u64>>(self) -> Result<T> {
        match self
            .value
            .as_integer()
            .and_then(|i| u64::try_from(i).ok())
            .and_then(|u| T::try_from(u).ok())
        {
            Some(uint) => Ok(uint),
            None => Err(self.wrong_type("an unsigned integer in range")),
        }
    }

    pub(crate) fn numeric_date(self) -> Result<OffsetDateTime> {
        let (context, name) = (self.context, self.name);
        let seconds = self.int()?;
        OffsetDateTime::from_unix_timestamp(seconds)
            .map_err(|_| malformed(context, format_args!("{name} {seconds} is not a usable date")))
    }

    pub(crate) fn array(self) -> Result<Vec<Field>> {
        let (context, name) = (self.context, self.name);
        match self.value {
            Value::Array(items) => Ok(items.into_iter().map(|value| Field { context, name, value }).collect()),
            _ => Err(self.wrong_type("an array")),
        }
    }

    /// An array whose items are each read by `item`.
    pub(crate) fn array_of<T>(self, item: impl FnMut(Field) -> Result<T>) -> Result<Vec<T>> {
        self.array()?.into_iter().map(item).collect()
    }

    /// An array of exactly `N` items, for the hotlist's fixed-shape entries.
    pub(crate) fn tuple<const N: usize>(self) -> Result<[Field; N]> {
        let (context, name) = (self.context, self.name);
        <[Field; N]>::try_from(self.array()?)
            .map_err(|items| malformed(context, format_args!("{name} must have {N} items, not {}", items.len())))
    }

    pub(crate) fn map(self, context: &'static str) -> Result<IntMap> {
        IntMap::new(self.value, context)
    }
}
