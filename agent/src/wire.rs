//! The OpenAI chat-completions wire format, as much of it as the loop uses.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ChatMessage {
    pub role: Role,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tool_calls: Vec<WireToolCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    pub fn system(content: String) -> Self {
        Self::text(Role::System, content)
    }

    pub fn user(content: String) -> Self {
        Self::text(Role::User, content)
    }

    pub fn tool(call_id: &str, content: String) -> Self {
        Self {
            tool_call_id: Some(call_id.to_owned()),
            ..Self::text(Role::Tool, content)
        }
    }

    fn text(role: Role, content: String) -> Self {
        Self {
            role,
            content: Some(content),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
}

/// Who speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Role {
    System,
    User,
    Assistant,
    Tool,
}

/// A tool call as the model sends it: the arguments are a JSON text, which may not parse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct WireToolCall {
    #[serde(default)]
    pub id: String,
    #[serde(rename = "type", default = "function_type")]
    pub kind: String,
    pub function: WireFunction,
}

fn function_type() -> String {
    "function".to_owned()
}

/// The called function's name and raw arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct WireFunction {
    pub name: String,
    /// JSON text; some servers send an object instead, kept as its text.
    #[serde(default, deserialize_with = "arguments_text")]
    pub arguments: String,
}

/// `null` (some proxies send it) as no tool call.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<WireToolCall>, D::Error> {
    Ok(Option::<Vec<WireToolCall>>::deserialize(d)?.unwrap_or_default())
}

fn arguments_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(text) => text,
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ToolDefinition {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub function: FunctionDefinition,
}

/// A tool's name, what it does, and the JSON Schema of its arguments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct FunctionDefinition {
    pub name: &'static str,
    pub description: &'static str,
    pub parameters: Value,
}

/// The request body.
#[derive(Debug, Serialize)]
pub(crate) struct ChatRequest<'a> {
    pub model: &'a str,
    pub messages: &'a [ChatMessage],
    pub tools: &'a [ToolDefinition],
    pub tool_choice: &'static str,
    pub temperature: f32,
    pub max_tokens: u32,
}

/// The response body.
#[derive(Debug, Deserialize)]
pub(crate) struct ChatResponse {
    #[serde(default)]
    pub choices: Vec<Choice>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
}

/// One choice; the loop asks for one.
#[derive(Debug, Deserialize)]
pub(crate) struct Choice {
    pub message: ChatMessage,
}

/// Token counts of one call.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
pub(crate) struct WireUsage {
    #[serde(default)]
    pub prompt_tokens: u64,
    #[serde(default)]
    pub completion_tokens: u64,
}
