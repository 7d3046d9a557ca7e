//! template.yaml as CloudFormation reads it (`tests/cfn_template.py`), evaluated for one set of
//! parameter values: the test and local stacks build the users table's email index from it, and
//! the tests read each function's IAM grants from it, instead of writing either again by hand.
//! `RESET_TEMPLATE` names another template (a changed copy) to see which tests a change fails.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::{venv_tool, workspace_root};

/// The template as JSON, intrinsics in their long form (`{"Ref": ...}`, `{"Fn::If": ...}`).
pub fn template() -> &'static Value {
    static TEMPLATE: OnceLock<Value> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let file = std::env::var("RESET_TEMPLATE").unwrap_or_else(|_| "template.yaml".into());
        let out = Command::new(venv_tool("python"))
            .arg("tests/cfn_template.py")
            .arg(&file)
            .current_dir(workspace_root())
            .output()
            .expect("tests/cfn_template.py runs");
        assert!(out.status.success(), "tests/cfn_template.py {file}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("tests/cfn_template.py prints JSON")
    })
}

/// A parameter's value as CloudFormation passes it on: a string (`Default: 0` is "0").
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The template deployed with some parameters given (the rest at their defaults): references to
/// parameters, conditions, `Fn::If` and `AWS::NoValue` resolved; everything else (`Fn::Sub`,
/// `Fn::GetAtt`, references to resources) kept as written.
#[derive(Debug, Clone, Default)]
pub struct Deployment {
    parameters: BTreeMap<String, String>,
}

impl Deployment {
    /// The deployment whose functions run with `env`: each parameter that a function variable
    /// passes straight through (`USER_LOCALE_ATTRIBUTE: !Ref UserLocaleAttribute`) takes the
    /// value `env` gives that variable.
    pub fn for_env(env: &[(String, String)]) -> Deployment {
        let t = template();
        let mut deployment = Deployment::default();
        let mut passes = vec![&t["Globals"]["Function"]["Environment"]["Variables"]];
        for function in t["Resources"].as_object().expect("Resources").values().filter(|r| r["Type"] == "AWS::Serverless::Function") {
            passes.push(&function["Properties"]["Environment"]["Variables"]);
        }
        for (variable, value) in passes.into_iter().filter_map(Value::as_object).flatten() {
            let Some(parameter) = value["Ref"].as_str().filter(|p| t["Parameters"].get(*p).is_some()) else { continue };
            if let Some((_, given)) = env.iter().rev().find(|(k, _)| k == variable) {
                deployment.parameters.insert(parameter.to_owned(), given.clone());
            }
        }
        deployment
    }

    pub fn parameter(&self, name: &str) -> String {
        if let Some(given) = self.parameters.get(name) {
            return given.clone();
        }
        let declared = &template()["Parameters"][name];
        assert!(declared.is_object(), "template.yaml has no parameter {name}");
        text(&declared["Default"])
    }

    /// Whether the template's condition `name` holds.
    pub fn condition(&self, name: &str) -> bool {
        let declared = &template()["Conditions"][name];
        assert!(!declared.is_null(), "template.yaml has no condition {name}");
        self.holds(declared)
    }

    fn holds(&self, expression: &Value) -> bool {
        let Some((function, arguments)) = expression.as_object().filter(|o| o.len() == 1).and_then(|o| o.iter().next()) else {
            return expression.as_bool().unwrap_or_else(|| panic!("not a condition: {expression}"));
        };
        let each = || arguments.as_array().unwrap_or_else(|| panic!("{function} takes a list: {arguments}")).iter();
        match function.as_str() {
            "Fn::Equals" => {
                let sides: Vec<String> = each().map(|side| self.resolve(side).map(|v| text(&v)).unwrap_or_default()).collect();
                sides[0] == sides[1]
            }
            "Fn::Not" => !self.holds(&arguments[0]),
            "Fn::And" => each().all(|c| self.holds(c)),
            "Fn::Or" => each().any(|c| self.holds(c)),
            "Condition" => self.condition(arguments.as_str().unwrap()),
            other => panic!("no evaluation of {other} in a condition"),
        }
    }

    /// `value` as deployed; `None` where it is `AWS::NoValue` (a property or list entry left out).
    pub fn resolve(&self, value: &Value) -> Option<Value> {
        match value {
            Value::Object(o) if o.len() == 1 => {
                let (function, arguments) = o.iter().next().unwrap();
                match function.as_str() {
                    "Ref" => match arguments.as_str().unwrap() {
                        "AWS::NoValue" => None,
                        name if template()["Parameters"].get(name).is_some() => Some(Value::String(self.parameter(name))),
                        _ => Some(value.clone()),
                    },
                    "Fn::If" => {
                        let branch = if self.condition(arguments[0].as_str().unwrap()) { &arguments[1] } else { &arguments[2] };
                        self.resolve(branch)
                    }
                    "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" | "Condition" => Some(Value::Bool(self.holds(value))),
                    _ => Some(Value::Object(Map::from_iter([(function.clone(), self.resolve(arguments).unwrap_or(Value::Null))]))),
                }
            }
            Value::Object(o) => Some(Value::Object(o.iter().filter_map(|(k, v)| Some((k.clone(), self.resolve(v)?))).collect())),
            Value::Array(a) => Some(Value::Array(a.iter().filter_map(|v| self.resolve(v)).collect())),
            other => Some(other.clone()),
        }
    }

    /// A resource's properties as deployed.
    pub fn properties(&self, resource: &str) -> Value {
        let declared = &template()["Resources"][resource];
        assert!(declared.is_object(), "template.yaml has no resource {resource}");
        self.resolve(&declared["Properties"]).unwrap_or(Value::Null)
    }

    /// The users table's email index projection: its type (`ALL`, `KEYS_ONLY`, `INCLUDE`) and the
    /// non-key attributes it copies.
    pub fn email_index_projection(&self) -> (String, Vec<String>) {
        let table = self.properties("UsersTable");
        let indexes = table["GlobalSecondaryIndexes"].as_array().expect("the users table has indexes");
        let index_name = self.parameter("EmailIndexName");
        let index = indexes.iter().find(|i| text(&i["IndexName"]) == index_name).expect("the email index");
        let projection = &index["Projection"];
        let attributes = projection["NonKeyAttributes"].as_array().into_iter().flatten().map(text).collect();
        (text(&projection["ProjectionType"]), attributes)
    }

    /// The statements of `function`'s policies that allow `dynamodb:<operation>` on the users
    /// table (for `Query`, on its email index).
    pub fn users_table_grants(&self, function: &str, operation: &str) -> Vec<Grant> {
        let action = format!("dynamodb:{operation}");
        let policies = self.properties(function)["Policies"].clone();
        let mut grants = Vec::new();
        for statement in policies.as_array().into_iter().flatten().flat_map(|p| p["Statement"].as_array().cloned().unwrap_or_default()) {
            let actions = match &statement["Action"] {
                Value::String(a) => vec![a.clone()],
                Value::Array(a) => a.iter().map(text).collect(),
                _ => Vec::new(),
            };
            let resource = statement["Resource"].to_string();
            let on_users_table = resource.contains(r#"{"Ref":"UsersTable"}"#) || resource.contains(r#"{"Ref":"ExistingUsersTable"}"#);
            if statement["Effect"] == "Allow" && actions.contains(&action) && on_users_table && resource.contains("/index/") == (operation == "Query") {
                grants.push(Grant { sid: text(&statement["Sid"]), condition: statement["Condition"].clone() });
            }
        }
        grants
    }
}

/// One statement allowing an operation on the users table.
#[derive(Debug, Clone)]
pub struct Grant {
    pub sid: String,
    pub condition: Value,
}

impl Grant {
    /// The attributes the statement's `dynamodb:Attributes` condition allows; `None` if it
    /// names none (every attribute).
    pub fn attributes(&self) -> Option<Vec<String>> {
        self.only_operator("dynamodb:Attributes", "ForAllValues:StringEquals");
        let listed = self.condition["ForAllValues:StringEquals"]["dynamodb:Attributes"].as_array()?;
        Some(listed.iter().map(text).collect())
    }

    /// The value a `StringEqualsIfExists` condition requires of a request parameter
    /// (`dynamodb:Select`, `dynamodb:ReturnValues`), if it requires one.
    pub fn requires(&self, key: &str) -> Option<String> {
        self.only_operator(key, "StringEqualsIfExists");
        self.condition["StringEqualsIfExists"].get(key).map(text)
    }

    /// Fails if a condition operator other than `expected` names `key`: this reader would take
    /// such a grant for "no restriction" and hold the code to nothing.
    fn only_operator(&self, key: &str, expected: &str) {
        for (operator, keys) in self.condition.as_object().into_iter().flatten() {
            assert!(operator == expected || keys.get(key).is_none(), "{}: {operator} on {key}, which these tests cannot read", self.sid);
        }
    }
}
