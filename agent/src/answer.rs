//! The job's output schema: refused at submission when it is not a valid JSON Schema,
//! and the check every `finish(answer)` goes through.

use serde_json::Value;

/// Why an output schema is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SchemaError(String);

/// A compiled output schema.
#[derive(Debug)]
pub struct OutputSchema {
    schema: Value,
    validator: jsonschema::Validator,
}

impl OutputSchema {
    /// Compiles `schema`; refuses it with the reason when it is not an object, not valid
    /// against its meta-schema, or references a resource (only self-contained schemas
    /// are accepted: nothing is fetched).
    pub fn compile(schema: Value) -> Result<Self, SchemaError> {
        if !schema.is_object() {
            return Err(SchemaError(
                "must be a JSON object (a JSON Schema such as {\"type\": \"object\", \"properties\": {...}})"
                    .to_owned(),
            ));
        }
        if schema.get("$schema").is_some()
            && jsonschema::Draft::default().detect(&schema) == jsonschema::Draft::Unknown
        {
            return Err(SchemaError(
                "names an unknown draft in $schema; omit it, or name draft 4, 6, 7, 2019-09 or 2020-12"
                    .to_owned(),
            ));
        }
        if let Err(err) = jsonschema::meta::validate(&schema) {
            return Err(SchemaError(format!(
                "is not a valid JSON Schema: {err} (at {})",
                pointer_or_root(&err.instance_path().to_string())
            )));
        }
        let validator = jsonschema::validator_for(&schema)
            .map_err(|err| SchemaError(format!("cannot be used: {err}")))?;
        Ok(Self { schema, validator })
    }

    /// The schema as given.
    pub fn as_value(&self) -> &Value {
        &self.schema
    }

    /// Every way `answer` fails the schema, each with where; empty when it passes.
    pub fn violations(&self, answer: &Value) -> Vec<String> {
        self.validator
            .iter_errors(answer)
            .map(|err| {
                format!(
                    "{}: {err}",
                    pointer_or_root(&err.instance_path().to_string())
                )
            })
            .collect()
    }
}

fn pointer_or_root(pointer: &str) -> String {
    if pointer.is_empty() {
        "the root".to_owned()
    } else {
        pointer.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_schema_that_is_not_json_schema_is_refused_with_where() {
        let err = OutputSchema::compile(json!({"type": "objekt"})).expect_err("refused");
        assert!(err.to_string().contains("not a valid JSON Schema"), "{err}");
        let err = OutputSchema::compile(json!(["type"])).expect_err("refused");
        assert!(err.to_string().contains("JSON object"), "{err}");
        let err = OutputSchema::compile(json!({"$schema": "https://example.test/mine"}))
            .expect_err("refused, not a panic");
        assert!(err.to_string().contains("unknown draft"), "{err}");
    }

    #[test]
    fn answers_are_checked_field_by_field() {
        let schema = OutputSchema::compile(json!({
            "type": "object",
            "properties": {"price": {"type": "number"}, "delivery": {"type": "string"}},
            "required": ["price", "delivery"],
        }))
        .expect("valid");
        assert!(
            schema
                .violations(&json!({"price": 12.5, "delivery": "2 days"}))
                .is_empty()
        );
        let wrong = schema.violations(&json!({"price": "12.50"}));
        assert_eq!(wrong.len(), 2, "{wrong:?}");
        assert!(wrong.iter().any(|v| v.starts_with("/price")), "{wrong:?}");
    }
}
