//! Checks request bodies against Discord's own OpenAPI description.
//!
//! `openapi.json` (Discord's `discord-api-spec`, MIT) is vendored in this crate. Each
//! request is matched to its operation by method and path template; a JSON body is
//! validated against the operation's `requestBody` schema (application/json).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

const SPEC_TEXT: &str = include_str!("../openapi.json");

/// One operation of the spec.
struct Operation {
    id: String,
    segments: Vec<Option<String>>, // None: a `{parameter}`
    body_pointer: Option<String>,
}

pub struct OpenApi {
    spec: Value,
    operations: HashMap<String, Vec<Operation>>, // by uppercase method
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

/// The outcome of checking one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Check {
    pub operation: Option<String>,
    pub violations: Vec<String>,
}

/// The process-wide checker: the spec is parsed once per test binary.
pub fn openapi() -> &'static OpenApi {
    static SPEC: OnceLock<OpenApi> = OnceLock::new();
    SPEC.get_or_init(OpenApi::load)
}

impl OpenApi {
    fn load() -> Self {
        let mut spec: Value = serde_json::from_str(SPEC_TEXT).expect("openapi.json parses");
        allow_snowflake_quirks(&mut spec);
        let mut operations: HashMap<String, Vec<Operation>> = HashMap::new();
        if let Some(paths) = spec["paths"].as_object() {
            for (template, item) in paths {
                let Some(methods) = item.as_object() else {
                    continue;
                };
                for (method, operation) in methods {
                    let Some(id) = operation["operationId"].as_str() else {
                        continue;
                    };
                    let has_json_body =
                        !operation["requestBody"]["content"]["application/json"]["schema"]
                            .is_null();
                    let body_pointer = has_json_body.then(|| {
                        format!(
                            "#/paths/{}/{method}/requestBody/content/application~1json/schema",
                            template
                                .replace('~', "~0")
                                .replace('/', "~1")
                                .replace('{', "%7B")
                                .replace('}', "%7D")
                        )
                    });
                    operations
                        .entry(method.to_uppercase())
                        .or_default()
                        .push(Operation {
                            id: id.to_owned(),
                            segments: template
                                .trim_start_matches('/')
                                .split('/')
                                .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                                .collect(),
                            body_pointer,
                        });
                }
            }
        }
        Self {
            spec,
            operations,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// Matches `method path` (the part after `/api/v10`) and validates `body`.
    pub fn check(&self, method: &str, path: &str, body: Option<&Value>) -> Check {
        let Some(operation) = self.find(method, path) else {
            return Check {
                operation: None,
                violations: vec![format!(
                    "{method} {path} is not an operation of Discord's API"
                )],
            };
        };
        let mut check = Check {
            operation: Some(operation.id.clone()),
            violations: Vec::new(),
        };
        match (&operation.body_pointer, body) {
            (Some(pointer), Some(body)) => {
                let validator = self.validator(pointer);
                check.violations = validator
                    .iter_errors(body)
                    .map(|error| {
                        format!(
                            "{}: body at `{}`: {error}",
                            operation.id, error.instance_path
                        )
                    })
                    .collect();
            }
            (None, Some(body)) if !body.is_null() => check
                .violations
                .push(format!("{}: takes no JSON body, got {body}", operation.id)),
            _ => {}
        }
        check
    }

    /// The operation whose template matches `path`, preferring literal segments
    /// (`messages/@original` over `messages/{message_id}`).
    fn find(&self, method: &str, path: &str) -> Option<&Operation> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        self.operations
            .get(method)?
            .iter()
            .filter(|op| {
                op.segments.len() == segments.len()
                    && op
                        .segments
                        .iter()
                        .zip(&segments)
                        .all(|(template, actual)| template.as_deref().is_none_or(|t| t == *actual))
            })
            .max_by_key(|op| op.segments.iter().filter(|s| s.is_some()).count())
    }

    fn validator(&self, pointer: &str) -> Arc<jsonschema::Validator> {
        let mut cache = self.validators.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .entry(pointer.to_owned())
            .or_insert_with(|| {
                // The whole spec is the root document so `#/components/...` refs resolve;
                // its other top-level keys are not schema keywords and are ignored.
                let mut root = serde_json::json!({ "$ref": pointer });
                root["components"] = self.spec["components"].clone();
                root["paths"] = self.spec["paths"].clone();
                Arc::new(
                    jsonschema::options()
                        .with_draft(jsonschema::Draft::Draft202012)
                        .should_validate_formats(false)
                        .build(&root)
                        .expect("the spec's request schemas compile"),
                )
            })
            .clone()
    }
}

/// Discord's documented quirks, handled here and nowhere else. Snowflakes are strings
/// in the spec but Discord also accepts integers; and 64-bit integers (permission
/// bitfields such as `default_member_permissions`, int64 ids) may be sent as decimal
/// strings, which is how Discord's own docs and every client library send them.
fn allow_snowflake_quirks(spec: &mut Value) {
    if let Some(snowflake) = spec.pointer_mut("/components/schemas/SnowflakeType") {
        *snowflake = serde_json::json!({
            "anyOf": [
                { "type": "string", "pattern": "^(0|[1-9][0-9]*)$" },
                { "type": "integer", "minimum": 0 }
            ]
        });
    }
    allow_wide_integers_as_strings(spec);
}

fn allow_wide_integers_as_strings(node: &mut Value) {
    match node {
        Value::Object(map) => {
            let is_integer = match map.get("type") {
                Some(Value::String(t)) => t == "integer",
                Some(Value::Array(types)) => types.iter().any(|t| t == "integer"),
                _ => false,
            };
            let wide = map.get("format").is_some_and(|f| f == "int64")
                || map
                    .get("maximum")
                    .and_then(Value::as_f64)
                    .is_some_and(|max| max > 9_007_199_254_740_991.0);
            if is_integer && wide {
                let original = Value::Object(std::mem::take(map));
                map.insert(
                    "anyOf".to_owned(),
                    serde_json::json!([original, { "type": "string", "pattern": "^[0-9]+$" }]),
                );
                return;
            }
            for value in map.values_mut() {
                allow_wide_integers_as_strings(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(allow_wide_integers_as_strings),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_valid_message_passes_and_a_message_whose_embeds_is_not_an_array_fails() {
        let spec = openapi();
        let ok = spec.check(
            "POST",
            "/channels/1/messages",
            Some(&json!({"content": "hi", "embeds": []})),
        );
        assert_eq!(ok.operation.as_deref(), Some("create_message"));
        assert!(ok.violations.is_empty(), "{:?}", ok.violations);
        let bad = spec.check(
            "POST",
            "/channels/1/messages",
            Some(&json!({"embeds": {"title": "x"}})),
        );
        assert!(!bad.violations.is_empty());
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        let check = openapi().check(
            "PATCH",
            "/webhooks/1/tok/messages/@original",
            Some(&json!({"content": "x"})),
        );
        assert_eq!(
            check.operation.as_deref(),
            Some("update_original_webhook_message")
        );
    }

    #[test]
    fn snowflakes_may_be_strings_or_integers() {
        let body = json!({"content": "x", "message_reference": {"message_id": 123}});
        assert!(
            openapi()
                .check("POST", "/channels/1/messages", Some(&body))
                .violations
                .is_empty()
        );
        let body = json!({"content": "x", "message_reference": {"message_id": "123"}});
        assert!(
            openapi()
                .check("POST", "/channels/1/messages", Some(&body))
                .violations
                .is_empty()
        );
    }

    #[test]
    fn permission_bitfields_may_be_decimal_strings() {
        let body = json!([{ "name": "x", "description": "d", "default_member_permissions": "32" }]);
        let check = openapi().check("PUT", "/applications/1/commands", Some(&body));
        assert!(check.violations.is_empty(), "{:?}", check.violations);
        let bad =
            json!([{ "name": "x", "description": "d", "default_member_permissions": "manage" }]);
        assert!(
            !openapi()
                .check("PUT", "/applications/1/commands", Some(&bad))
                .violations
                .is_empty()
        );
    }

    #[test]
    fn an_unknown_route_is_reported() {
        let check = openapi().check("GET", "/no/such/route", None);
        assert_eq!(check.operation, None);
        assert_eq!(check.violations.len(), 1);
    }
}
