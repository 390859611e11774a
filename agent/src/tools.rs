//! The tools a model may call: the step vocabulary, addressed by the element numbers of
//! the observation instead of CSS selectors, plus `finish(answer)`. Their parameters are
//! generated from the argument types below, so the schema the model sees and the parser
//! cannot disagree.

use jetcrawl_proto::v1::{Click, Navigate, Scroll, Step, TypeText, WaitForText, step};
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::wire::{FunctionDefinition, ToolDefinition};

/// The attribute the observation numbers interactive elements with.
pub const ELEMENT_ATTRIBUTE: &str = "data-jetcrawl-el";

/// Arguments of `navigate`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NavigateArgs {
    /// Absolute http or https URL to open.
    pub url: String,
}

/// Arguments of `click`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClickArgs {
    /// Number of the element in the page text, e.g. 3 for `[3]`.
    pub element: u32,
}

/// Arguments of `type_text`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TypeTextArgs {
    /// Number of the input field in the page text.
    pub element: u32,
    /// Text to type into it.
    pub text: String,
}

/// Arguments of `scroll`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScrollArgs {
    /// Number of the element to scroll to; omit to scroll by `pixels`.
    #[serde(default)]
    pub element: Option<u32>,
    /// Pixels to scroll down (negative: up) when no element is given.
    #[serde(default)]
    pub pixels: Option<i32>,
}

/// Arguments of `wait_for_text`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitForTextArgs {
    /// Text to wait for on the page.
    pub text: String,
}

/// What a model asked for, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Open a URL.
    Navigate(NavigateArgs),
    /// Click a numbered element.
    Click(ClickArgs),
    /// Type into a numbered field.
    TypeText(TypeTextArgs),
    /// Scroll.
    Scroll(ScrollArgs),
    /// Wait until a text appears.
    WaitForText(WaitForTextArgs),
    /// The answer; checked against the output schema.
    Finish(Value),
}

/// Why a tool call could not be parsed; said back to the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolCallError {
    /// No tool has that name.
    #[error("there is no tool {name:?}; call one of: {}", TOOL_NAMES.join(", "))]
    Unknown {
        /// The name the model used.
        name: String,
    },
    /// The arguments are not JSON, or not the tool's.
    #[error(
        "the arguments of {name} are invalid ({reason}); send a JSON object that matches its parameters"
    )]
    Arguments {
        /// The tool.
        name: String,
        /// What is wrong with them.
        reason: String,
    },
}

/// The tools' names, in the order they are offered.
pub const TOOL_NAMES: [&str; 6] = [
    "navigate",
    "click",
    "type_text",
    "scroll",
    "wait_for_text",
    "finish",
];

/// Parses a tool call's name and raw JSON arguments.
pub fn parse_call(name: &str, arguments: &str) -> Result<Action, ToolCallError> {
    let args = if arguments.trim().is_empty() {
        "{}"
    } else {
        arguments
    };
    match name {
        "navigate" => parse(name, args).map(Action::Navigate),
        "click" => parse(name, args).map(Action::Click),
        "type_text" => parse(name, args).map(Action::TypeText),
        "scroll" => parse(name, args).map(Action::Scroll),
        "wait_for_text" => parse(name, args).map(Action::WaitForText),
        "finish" => {
            let mut object: serde_json::Map<String, Value> = parse(name, args)?;
            let answer = object.remove("answer");
            let bad = |reason: String| ToolCallError::Arguments {
                name: name.to_owned(),
                reason,
            };
            if let Some(extra) = object.keys().next() {
                return Err(bad(format!("unknown field `{extra}`, expected `answer`")));
            }
            answer
                .map(Action::Finish)
                .ok_or_else(|| bad("missing field `answer`".to_owned()))
        }
        other => Err(ToolCallError::Unknown {
            name: other.to_owned(),
        }),
    }
}

fn parse<T: DeserializeOwned>(name: &str, args: &str) -> Result<T, ToolCallError> {
    serde_json::from_str(args).map_err(|err| ToolCallError::Arguments {
        name: name.to_owned(),
        reason: err.to_string(),
    })
}

impl Action {
    /// The tool's name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Navigate(_) => "navigate",
            Self::Click(_) => "click",
            Self::TypeText(_) => "type_text",
            Self::Scroll(_) => "scroll",
            Self::WaitForText(_) => "wait_for_text",
            Self::Finish(_) => "finish",
        }
    }

    /// The step the executor runs for it; `None` for `finish`.
    pub fn to_step(&self) -> Option<Step> {
        let kind = match self {
            Self::Navigate(a) => step::Kind::Navigate(Navigate { url: a.url.clone() }),
            Self::Click(a) => step::Kind::Click(Click {
                selector: element_selector(a.element),
            }),
            Self::TypeText(a) => step::Kind::Type(TypeText {
                selector: element_selector(a.element),
                text: a.text.clone(),
            }),
            Self::Scroll(a) => step::Kind::Scroll(Scroll {
                selector: a.element.map(element_selector).unwrap_or_default(),
                pixels: a
                    .pixels
                    .unwrap_or(if a.element.is_some() { 0 } else { 600 }),
            }),
            Self::WaitForText(a) => step::Kind::WaitForText(WaitForText {
                text: a.text.clone(),
                selector: String::new(),
            }),
            Self::Finish(_) => return None,
        };
        Some(Step {
            kind: Some(kind),
            timeout_ms: 0,
        })
    }
}

/// The CSS selector of the observation's element `n`.
pub fn element_selector(n: u32) -> String {
    format!("[{ELEMENT_ATTRIBUTE}=\"{n}\"]")
}

/// One browser tool as an MCP server offers it.
#[derive(Debug, Clone, PartialEq)]
pub struct BrowserTool {
    /// The tool's name.
    pub name: &'static str,
    /// What it does.
    pub description: &'static str,
    /// Its arguments' JSON Schema.
    pub parameters: Value,
}

/// The browser tools without `finish`, as the model sees them: what an MCP client of a
/// browser session gets (with `observe`).
pub fn browser_tools() -> Vec<BrowserTool> {
    steps()
        .into_iter()
        .map(|t| BrowserTool {
            name: t.function.name,
            description: t.function.description,
            parameters: t.function.parameters,
        })
        .collect()
}

/// The tool definitions offered to the model; `finish` takes an answer of `output`'s
/// schema.
pub(crate) fn definitions(output: &Value) -> Vec<ToolDefinition> {
    let mut tools = steps();
    tools.push(ToolDefinition {
        kind: "function",
        function: FunctionDefinition {
            name: "finish",
            description: "Give the final answer, once the page shows everything the goal asks for.",
            parameters: json!({
                "type": "object",
                "properties": { "answer": output },
                "required": ["answer"],
            }),
        },
    });
    tools
}

/// The step tools, in the order they are offered.
fn steps() -> Vec<ToolDefinition> {
    vec![
        tool::<NavigateArgs>("navigate", "Open a web page by its URL."),
        tool::<ClickArgs>(
            "click",
            "Click a numbered element of the page (link, button, ...).",
        ),
        tool::<TypeTextArgs>("type_text", "Type text into a numbered input field."),
        tool::<ScrollArgs>(
            "scroll",
            "Scroll the page to a numbered element, or by some pixels.",
        ),
        tool::<WaitForTextArgs>(
            "wait_for_text",
            "Wait until a text appears on the page (after an action that loads content).",
        ),
    ]
}

fn tool<T: JsonSchema>(name: &'static str, description: &'static str) -> ToolDefinition {
    let mut parameters = serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null);
    if let Some(object) = parameters.as_object_mut() {
        object.remove("$schema");
        object.remove("title");
        object.remove("description");
    }
    ToolDefinition {
        kind: "function",
        function: FunctionDefinition {
            name,
            description,
            parameters,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_offered_parses_back() {
        let defs = definitions(&json!({"type": "object"}));
        let names: Vec<&str> = defs.iter().map(|d| d.function.name).collect();
        assert_eq!(names, TOOL_NAMES);
        let click = &defs[1].function.parameters;
        assert_eq!(click["required"], json!(["element"]), "{click}");
        assert!(click["properties"]["element"]["description"].is_string());
    }

    #[test]
    fn a_call_becomes_the_step_on_the_numbered_element() {
        let action = parse_call("click", r#"{"element": 4}"#).expect("parses");
        let step = action.to_step().expect("a step");
        assert_eq!(
            step.kind,
            Some(step::Kind::Click(Click {
                selector: "[data-jetcrawl-el=\"4\"]".to_owned()
            }))
        );
    }

    #[test]
    fn bad_calls_say_what_to_send() {
        let unknown = parse_call("download", "{}").expect_err("unknown");
        assert!(unknown.to_string().contains("navigate, click"), "{unknown}");
        let bad = parse_call("click", r#"{"element": "four"}"#).expect_err("bad args");
        assert!(bad.to_string().contains("arguments of click"), "{bad}");
        let not_json = parse_call("navigate", "{url: x").expect_err("not JSON");
        assert!(matches!(not_json, ToolCallError::Arguments { .. }));
        let no_answer = parse_call("finish", "{}").expect_err("no answer");
        assert!(no_answer.to_string().contains("answer"), "{no_answer}");
    }
}
