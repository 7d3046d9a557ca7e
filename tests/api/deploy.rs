//! The first deploy on an account the template has never seen, and every deploy after it: the
//! template read as CloudFormation reads it (parsed by cfn-lint's own reader, `tests/cfn_template.py`),
//! held against the limits and behaviours the AWS documentation states. Each test names the
//! documented fact it guards; nothing here can reach AWS, so what could not be checked is listed in
//! docs/deploy.md ("What a first deploy needs").

use std::collections::BTreeMap;
use std::process::Command;

use reset_local::{venv_tool, workspace_root};
use serde_json::{Value, json};

/// template.yaml as JSON, intrinsics in their long form.
pub(crate) fn template() -> &'static Value {
    reset_local::template::template()
}

fn resources() -> &'static serde_json::Map<String, Value> {
    template()["Resources"].as_object().unwrap()
}

fn resources_of(kind: &str) -> Vec<(&'static String, &'static Value)> {
    resources().iter().filter(|(_, r)| r["Type"] == kind).collect()
}

fn parameter(name: &str) -> &'static Value {
    let p = &template()["Parameters"][name];
    assert!(p.is_object(), "parameter {name}");
    p
}

/// Lambda refuses a reservation that would leave fewer than 100 unreserved executions, and a new
/// account's concurrency quota is far below 100 + any reservation: no function reserves by
/// default, the mail worker never does (its event source mapping's MaximumConcurrency paces it),
/// and the HTTP functions' reservations are a choice whose parameter says so.
#[test]
fn no_function_reserves_concurrency_unless_the_operator_asks() {
    for (name, function) in resources_of("AWS::Serverless::Function") {
        let reserved = &function["Properties"]["ReservedConcurrentExecutions"];
        if name == "MailWorkerFunction" {
            assert!(reserved.is_null(), "the mail worker reserves concurrency: {reserved}");
            continue;
        }
        if reserved.is_null() {
            continue;
        }
        // Only as `!If [Reserve..., !Ref <Parameter>, !Ref AWS::NoValue]`, with a parameter that defaults to 0.
        let branches = reserved["Fn::If"].as_array().unwrap_or_else(|| panic!("{name} reserves unconditionally: {reserved}"));
        assert_eq!(branches[2], json!({"Ref": "AWS::NoValue"}), "{name}");
        let param = branches[1]["Ref"].as_str().unwrap();
        assert_eq!(parameter(param)["Default"], json!(0), "{param} defaults to reserving none");
        assert!(parameter(param)["Description"].as_str().unwrap().contains("100"), "{param} names the 100-unreserved floor");
    }
    assert!(template()["Globals"]["Function"]["ReservedConcurrentExecutions"].is_null(), "Globals reserve for every function");
    let mapping = &resources()["MailWorkerEvents"]["Properties"];
    assert_eq!(mapping["ScalingConfig"]["MaximumConcurrency"], json!({"Fn::FindInMap": ["SendRate", {"Ref": "SesMaxSendRate"}, "Concurrency"]}));
    // MaximumConcurrency takes 2 to 1000 (Lambda's ScalingConfig).
    for (rate, row) in template()["Mappings"]["SendRate"].as_object().unwrap() {
        let c = row["Concurrency"].as_u64().unwrap();
        assert!((2..=1000).contains(&c), "{rate}/s: MaximumConcurrency {c}");
    }
}

/// `Retain` keeps a resource also when the create that made it rolls back, so a failed first
/// deploy leaves fixed-name log groups ("already exists" on the retry), a deletion-protected table
/// and secrets behind. Whatever is kept is `RetainExceptOnCreate`.
#[test]
fn what_is_kept_is_deleted_when_its_own_create_rolls_back() {
    let mut kept = 0;
    for (name, resource) in resources() {
        match resource["DeletionPolicy"].as_str() {
            Some("Retain") => panic!("{name}: DeletionPolicy Retain survives a failed first create; use RetainExceptOnCreate"),
            Some("RetainExceptOnCreate") => {
                kept += 1;
                // UpdateReplacePolicy has no RetainExceptOnCreate: a replacement keeps the old one.
                assert_eq!(resource["UpdateReplacePolicy"], "Retain", "{name}");
            }
            _ => {}
        }
    }
    // A rollback must be able to delete what it created: DynamoDB refuses to delete a table with
    // deletion protection, so that is a choice for after the first deploy (a parameter, off).
    let protection = &resources()["UsersTable"]["Properties"]["DeletionProtectionEnabled"];
    assert_eq!(protection, &json!({"Fn::If": ["ProtectUsersTable", true, false]}), "deletion protection only when asked");
    assert_eq!(parameter("UsersTableDeletionProtection")["Default"], "false");
    for name in [
        "UsersTable",
        "SigningKeySecret",
        "HashingKeySecret",
        "RequestResetLogGroup",
        "ResetPasswordLogGroup",
        "MailWorkerLogGroup",
        "EventPublisherLogGroup",
        "ApiAccessLogGroup",
        "DataKey",
        // The admin API's audit: its function's log and its access log.
        "AdminApiLogGroup",
        "AdminApiAccessLogGroup",
    ] {
        assert_eq!(resources()[name]["DeletionPolicy"], "RetainExceptOnCreate", "{name} is kept");
    }
    assert!(kept >= 11, "{kept}");
}

/// Worst-case lengths of what CloudFormation substitutes, from the AWS limits of each.
fn pseudo_or_attribute(name: &str) -> usize {
    match name {
        // The longest region names (ap-southeast-4, ap-northeast-3, us-gov-west-1), with room.
        "AWS::Region" => 20,
        "AWS::URLSuffix" => "amazonaws.com.cn".len(),
        "AWS::AccountId" => 12,
        "AWS::Partition" => "aws-us-gov".len(),
        "AWS::StackName" => 128,
        // A CloudFront domain: d + 13 characters + .cloudfront.net.
        "EdgeDistribution.DomainName" => 64,
        // An API Gateway id is 10 characters.
        "HttpApi" | "EdgeRestApi" => 10,
        other => panic!("no worst-case length known for ${{{other}}}: add it from the AWS limits"),
    }
}

/// The longest value `value` can take in a deployed function's environment.
fn longest(value: &Value) -> usize {
    let t = template();
    match value {
        Value::String(s) => s.len(),
        Value::Number(n) => n.to_string().len(),
        Value::Bool(b) => b.to_string().len(),
        Value::Object(o) if o.contains_key("Ref") => {
            let name = o["Ref"].as_str().unwrap();
            if name == "AWS::NoValue" {
                return 0;
            }
            if let Some(p) = t["Parameters"].get(name) {
                if let Some(values) = p["AllowedValues"].as_array() {
                    return values.iter().map(longest).max().unwrap();
                }
                return match p["Type"].as_str().unwrap() {
                    "String" => {
                        let chars = p["MaxLength"].as_u64().unwrap_or_else(|| panic!("parameter {name} reaches an environment without a MaxLength")) as usize;
                        // MaxLength counts characters, Lambda's limit bytes: free text (no
                        // AllowedPattern) may be any script, up to 4 bytes a character in UTF-8;
                        // patterned values (names, URLs, addresses) are ASCII.
                        if p.get("AllowedPattern").is_some() { chars } else { chars * 4 }
                    }
                    "Number" => {
                        p["MaxValue"].as_u64().unwrap_or_else(|| panic!("parameter {name} reaches an environment without a MaxValue")).to_string().len()
                    }
                    other => panic!("{name}: {other}"),
                };
            }
            if name.starts_with("AWS::") {
                return pseudo_or_attribute(name);
            }
            match t["Resources"][name]["Type"].as_str().unwrap_or_else(|| panic!("Ref to {name}")) {
                // Table and queue names are at most 255 and 80 characters; a queue's Ref is its URL.
                // A generated table name: the stack's name, the logical id and a suffix
                // (stack-LogicalId-1A2B3C4D5E6F7); a given one is a parameter, at most 255.
                "AWS::DynamoDB::Table" => 128 + 1 + name.len() + 1 + 13,
                "AWS::SQS::Queue" => "https://sqs.".len() + 20 + ".amazonaws.com.cn/".len() + 12 + 1 + 80,
                // A secret's Ref is its ARN: a generated name, the logical id and 12 random characters
                // (Secrets Manager's "Create a secret with CloudFormation" example names the secret
                // `CloudFormationCreatedSecret-a1b2c3d4e5f6`), then Secrets Manager's 7 (`-AbCdEf`).
                // (Counted as 128 for the name before the key split: with two secret ARNs the
                // mail worker's environment passed 4 KB on that bound, not on a real name.)
                "AWS::SecretsManager::Secret" => "arn:aws-us-gov:secretsmanager:".len() + 20 + 1 + 12 + ":secret:".len() + name.len() + 1 + 12 + 7,
                "AWS::SES::ConfigurationSet" => 64,
                // A bus's Ref is its name, the one the template gives it.
                "AWS::Events::EventBus" => longest(&t["Resources"][name]["Properties"]["Name"]),
                "AWS::ApiGatewayV2::Api" | "AWS::ApiGateway::RestApi" => pseudo_or_attribute(name),
                other => panic!("no worst-case length for a Ref to {name} ({other})"),
            }
        }
        Value::Object(o) if o.contains_key("Fn::If") => o["Fn::If"].as_array().unwrap()[1..].iter().map(longest).max().unwrap(),
        Value::Object(o) if o.contains_key("Fn::FindInMap") => {
            let map = o["Fn::FindInMap"][0].as_str().unwrap();
            let key = o["Fn::FindInMap"][2].as_str().unwrap();
            t["Mappings"][map].as_object().unwrap().values().map(|row| longest(&row[key])).max().unwrap()
        }
        Value::Object(o) if o.contains_key("Fn::Sub") => {
            let (text, vars) = match &o["Fn::Sub"] {
                Value::String(s) => (s.as_str(), None),
                Value::Array(a) => (a[0].as_str().unwrap(), a[1].as_object()),
                other => panic!("{other}"),
            };
            let mut total = 0;
            let mut rest = text;
            while let Some(start) = rest.find("${") {
                total += start;
                let end = rest[start..].find('}').unwrap() + start;
                let name = &rest[start + 2..end];
                total += match vars.and_then(|v| v.get(name)) {
                    Some(v) => longest(v),
                    None if t["Parameters"].get(name).is_some() || t["Resources"].get(name).is_some() => longest(&json!({"Ref": name})),
                    None => pseudo_or_attribute(name),
                };
                rest = &rest[end + 1..];
            }
            total + rest.len()
        }
        other => panic!("no worst case for {other}"),
    }
}

/// Lambda limits a function's environment variables to 4 KB together, and CloudFormation a
/// parameter value to 4,096 bytes: each function's environment, every parameter at the longest
/// value it allows, every resource name at its longest, serialised as the JSON map Lambda stores,
/// fits in 4 KB.
#[test]
fn each_functions_environment_fits_in_4_kb_at_the_longest_allowed_values() {
    let globals = template()["Globals"]["Function"]["Environment"]["Variables"].as_object().unwrap();
    let mut sizes = BTreeMap::new();
    for (name, function) in resources_of("AWS::Serverless::Function") {
        let mut vars: BTreeMap<&String, &Value> = globals.iter().collect();
        if let Some(own) = function["Properties"]["Environment"]["Variables"].as_object() {
            vars.extend(own.iter());
        }
        // {"KEY":"value",...}: two quotes around each, a colon, a comma, the braces.
        let size: usize = 2 + vars.iter().map(|(k, v)| k.len() + longest(v) + 6).sum::<usize>();
        if size > 4096 {
            let mut parts: Vec<(usize, &String)> = vars.iter().map(|(k, v)| (longest(v), *k)).collect();
            parts.sort();
            println!("{name}: {parts:?}");
        }
        sizes.insert(name.as_str(), size);
    }
    println!("worst-case environment sizes: {sizes:?}");
    for (name, size) in &sizes {
        assert!(*size <= 4096, "{name}'s environment can reach {size} bytes, over Lambda's 4 KB");
    }
    // The branding logo is the longest value: capped so that it fits.
    assert!(parameter("LogoUrl")["MaxLength"].as_u64().unwrap() <= 384);
    for (name, p) in template()["Parameters"].as_object().unwrap() {
        if let Some(max) = p["MaxLength"].as_u64() {
            assert!(max <= 4096, "{name}: a parameter value is at most 4,096 bytes");
        }
    }
}

/// The code's own cap on an inline logo is the template's: a `data:` URL the template could never
/// deploy is not promised (the cold-start check refuses a longer one, naming the limit).
#[test]
fn the_inline_logo_the_code_accepts_fits_the_template() {
    let max = parameter("LogoUrl")["MaxLength"].as_u64().unwrap() as usize;
    assert_eq!(reset_core::settings::branding::MAX_INLINE_LOGO_BYTES, max);
}

/// CloudFront takes certificates from us-east-1 only: the edge certificate is its own parameter,
/// whose pattern refuses any other region, and a Rule requires it with a domain behind the edge.
#[test]
fn the_edge_certificate_comes_from_us_east_1() {
    let pattern = parameter("EdgeCertificateArn")["AllowedPattern"].as_str().unwrap();
    let check = |arn: &str| {
        let out = Command::new(venv_tool("python"))
            .args(["-c", "import re,sys; sys.exit(0 if re.fullmatch(sys.argv[1], sys.argv[2]) else 1)", pattern, arn])
            .output()
            .unwrap();
        out.status.success()
    };
    assert!(check("arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-111122223333"));
    assert!(check(""), "empty without a domain");
    assert!(!check("arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-111122223333"), "another region");
    let viewer = &resources()["EdgeDistribution"]["Properties"]["DistributionConfig"]["ViewerCertificate"];
    assert_eq!(viewer["Fn::If"][1]["AcmCertificateArn"], json!({"Ref": "EdgeCertificateArn"}));
    let domain = &resources()["ApiDomainName"]["Properties"]["DomainNameConfigurations"][0]["CertificateArn"];
    assert_eq!(domain, &json!({"Ref": "CertificateArn"}), "the regional domain keeps the regional certificate");
    let rule = &template()["Rules"]["EdgeDomainNeedsUsEast1Certificate"];
    assert!(rule["Assertions"][0]["Assert"].to_string().contains("EdgeCertificateArn"), "{rule}");
    assert!(parameter("CertificateArn")["Description"].as_str().unwrap().contains("EdgeCertificateArn"));
}

/// The table this stack creates cannot have its key attribute, index, or projected attributes
/// renamed (a replacement, or an update CloudFormation refuses): a Rule holds each of those
/// parameters to its default when the stack creates the table.
#[test]
fn the_created_users_table_keeps_the_names_it_was_made_with() {
    let rule = &template()["Rules"]["CreatedUsersTableKeepsItsNames"];
    assert_eq!(rule["RuleCondition"], json!({"Fn::Equals": [{"Ref": "ExistingUsersTable"}, ""]}));
    let asserted = rule["Assertions"].to_string();
    let table = &resources()["UsersTable"]["Properties"];
    let mut named =
        vec![table["KeySchema"][0]["AttributeName"]["Ref"].as_str().unwrap(), table["GlobalSecondaryIndexes"][0]["IndexName"]["Ref"].as_str().unwrap()];
    named.push(table["GlobalSecondaryIndexes"][0]["KeySchema"][0]["AttributeName"]["Ref"].as_str().unwrap());
    for projected in table["GlobalSecondaryIndexes"][0]["Projection"]["NonKeyAttributes"].as_array().unwrap() {
        named.push(projected["Ref"].as_str().unwrap());
    }
    for param in named {
        let default = parameter(param)["Default"].as_str().unwrap();
        let held = json!({"Fn::Equals": [{"Ref": param}, default]}).to_string();
        assert!(asserted.contains(&held), "the Rule does not hold {param} to {default}");
    }
}

/// The dimensions with which each AWS namespace publishes the metrics the alarms watch
/// (CloudWatch's metric tables for DynamoDB, API Gateway HTTP and REST APIs, SQS, Lambda, SES,
/// WAF). An alarm whose dimensions are not one of these sets gets no data and never fires.
const PUBLISHED: &[(&str, &[&str], &[&[&str]])] = &[
    ("AWS/DynamoDB", &["ReadThrottleEvents", "WriteThrottleEvents"], &[&["TableName"], &["TableName", "GlobalSecondaryIndexName"]]),
    // ThrottledRequests only with an Operation (and TableName): listed so that using it without one fails.
    ("AWS/DynamoDB", &["ThrottledRequests"], &[&["TableName", "Operation"]]),
    ("AWS/ApiGateway", &["5xx", "4xx", "Count", "Latency"], &[&["ApiId"], &["ApiId", "Stage"]]),
    ("AWS/ApiGateway", &["5XXError", "4XXError", "Count", "Latency"], &[&["ApiName"], &["ApiName", "Stage"]]),
    ("AWS/SQS", &["ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"], &[&["QueueName"]]),
    ("AWS/Lambda", &["Errors", "Throttles", "IteratorAge"], &[&["FunctionName"], &["FunctionName", "Resource"]]),
    ("AWS/SES", &["Reputation.BounceRate", "Reputation.ComplaintRate"], &[&[]]),
    ("AWS/WAFV2", &["BlockedRequests", "AllowedRequests"], &[&["WebACL", "Region", "Rule"]]),
    // The code's own metrics, from the metric filters: no dimensions.
    ("PasswordReset", &["*"], &[&[]]),
];

/// Every metric an alarm reads: (alarm, namespace, metric, dimension names).
fn alarm_metrics() -> Vec<(String, String, String, Vec<String>)> {
    let mut found = Vec::new();
    let dims = |d: &Value| -> Vec<String> {
        let mut names: Vec<String> = d.as_array().map(|a| a.iter().map(|x| x["Name"].as_str().unwrap().to_owned()).collect()).unwrap_or_default();
        names.sort();
        names
    };
    for (name, alarm) in resources_of("AWS::CloudWatch::Alarm") {
        let p = &alarm["Properties"];
        if let Some(metric) = p["MetricName"].as_str() {
            found.push((name.clone(), p["Namespace"].as_str().unwrap().to_owned(), metric.to_owned(), dims(&p["Dimensions"])));
        }
        for query in p["Metrics"].as_array().into_iter().flatten() {
            let stat = &query["MetricStat"]["Metric"];
            // Either branch of an `Fn::If` (the HTTP API's metric or the REST API's).
            let variants: Vec<&Value> = match stat["Fn::If"].as_array() {
                Some(branches) => branches[1..].iter().collect(),
                None if stat.is_object() => vec![stat],
                None => vec![],
            };
            for m in variants {
                found.push((name.clone(), m["Namespace"].as_str().unwrap().to_owned(), m["MetricName"].as_str().unwrap().to_owned(), dims(&m["Dimensions"])));
            }
        }
    }
    found
}

#[test]
fn every_alarm_watches_a_metric_with_the_dimensions_it_is_published_with() {
    let metrics = alarm_metrics();
    assert!(metrics.len() >= 30, "{} alarm metrics", metrics.len());
    for (alarm, namespace, metric, dims) in &metrics {
        let published = PUBLISHED.iter().filter(|(ns, names, _)| ns == namespace && (names.contains(&metric.as_str()) || names == &["*"]));
        let ok = published.clone().any(|(_, _, sets)| {
            sets.iter().any(|set| {
                let mut set: Vec<&str> = set.to_vec();
                set.sort();
                set == dims.iter().map(String::as_str).collect::<Vec<_>>()
            })
        });
        assert!(ok, "{alarm}: {namespace} {metric} is not published with the dimensions {dims:?}");
    }
    // Where a dimension's value must equal what another resource publishes under, it does.
    let r = resources();
    let blocked = &r["EdgeOriginBlockedAlarm"]["Properties"]["Dimensions"];
    let acl_metric = &r["EdgeOriginWebAcl"]["Properties"]["VisibilityConfig"]["MetricName"];
    assert_eq!(blocked.as_array().unwrap().iter().find(|d| d["Name"] == "WebACL").unwrap()["Value"], *acl_metric, "WebACL is the web ACL's metric name");
    let api_name = &r["EdgeRestApi"]["Properties"]["Name"];
    for alarm in ["Api5xxAlarm", "ApiLatencyAlarm"] {
        for query in r[alarm]["Properties"]["Metrics"].as_array().unwrap() {
            let stat = &query["MetricStat"]["Metric"];
            if stat.is_null() {
                continue;
            }
            assert_eq!(stat["Fn::If"][1]["Dimensions"][0]["Value"], *api_name, "{alarm}: ApiName is the REST API's name");
            assert_eq!(stat["Fn::If"][2]["Dimensions"][0]["Value"], json!({"Ref": "HttpApi"}), "{alarm}: ApiId is the HTTP API's");
        }
    }
    for (alarm, table) in [("UsersTableReadThrottlesAlarm", "UsersTable"), ("RateLimitTableThrottlesAlarm", "RateLimitTable")] {
        assert!(r[alarm]["Properties"]["Dimensions"][0]["Value"].to_string().contains(&format!(r#"{{"Ref":"{table}"}}"#)), "{alarm}");
    }
    // DynamoDB throttling is watched on both tables and on the email index.
    let watched = |metric: &str, dims: &[&str]| metrics.iter().filter(|(_, ns, m, d)| ns == "AWS/DynamoDB" && m == metric && d.len() == dims.len()).count();
    assert!(watched("ReadThrottleEvents", &["TableName"]) >= 1 && watched("WriteThrottleEvents", &["TableName"]) >= 2);
    assert!(
        watched("ReadThrottleEvents", &["GlobalSecondaryIndexName", "TableName"]) >= 1
            && watched("WriteThrottleEvents", &["GlobalSecondaryIndexName", "TableName"]) >= 1
    );
}

/// Every alarm tells the topic when it fires and when it stops; the queue's age is alarmed (with
/// the event source mapping disabled nothing else fires); the API's 5xx share is judged only over
/// enough requests that one 5xx at night does not page.
#[test]
fn alarms_fire_say_when_they_stop_and_do_not_page_for_one_request() {
    for (name, alarm) in resources_of("AWS::CloudWatch::Alarm") {
        let p = &alarm["Properties"];
        assert_eq!(p["AlarmActions"], json!([{"Ref": "AlarmTopic"}]), "{name}");
        assert_eq!(p["OKActions"], json!([{"Ref": "AlarmTopic"}]), "{name} says when it stops");
    }
    let age = alarm_metrics().into_iter().any(|(_, ns, m, d)| ns == "AWS/SQS" && m == "ApproximateAgeOfOldestMessage" && d == ["QueueName"]);
    assert!(age, "no alarm on the mail queue's oldest message");
    let queue_age = &resources()["MailQueueAgeAlarm"]["Properties"];
    assert_eq!(queue_age["Dimensions"][0]["Value"], json!({"Fn::GetAtt": ["MailQueue", "QueueName"]}));
    let threshold = queue_age["Threshold"].as_u64().unwrap();
    assert!(threshold < parameter("MailMaxAgeSeconds")["Default"].as_u64().unwrap() / 2, "fires well before mail goes stale");

    let api = &resources()["Api5xxAlarm"]["Properties"];
    let expression = api["Metrics"].as_array().unwrap().iter().find(|m| m["ReturnData"] == true).unwrap()["Expression"].as_str().unwrap();
    let minimum: u64 = expression.split(">=").nth(1).and_then(|s| s.split(',').next()).and_then(|n| n.trim().parse().ok()).unwrap_or(0);
    assert!(minimum >= 10, "the 5xx share needs a minimum request count: {expression}");
}

/// AWS WAF keeps sampled requests (cookies, query strings: reset tokens) for three hours: off on
/// every rule and web ACL. The optional WAF log redacts the cookie, the origin secret and the query
/// string, and goes to a group whose name WAF accepts.
#[test]
fn waf_keeps_no_sample_and_logs_no_secret() {
    fn visibility_configs<'v>(v: &'v Value, found: &mut Vec<&'v Value>) {
        match v {
            Value::Object(o) => {
                if let Some(config) = o.get("VisibilityConfig") {
                    found.push(config);
                }
                o.values().for_each(|x| visibility_configs(x, found));
            }
            Value::Array(a) => a.iter().for_each(|x| visibility_configs(x, found)),
            _ => {}
        }
    }
    let mut configs = Vec::new();
    visibility_configs(&template()["Resources"], &mut configs);
    assert!(configs.len() >= 6, "{} visibility configs", configs.len());
    for config in configs {
        assert_eq!(config["SampledRequestsEnabled"], json!(false), "a web ACL or rule samples requests: {config}");
    }
    assert!(resources_of("AWS::WAFv2::WebACL").len() >= 2);
    let logging = &resources()["EdgeWafLoggingConfiguration"]["Properties"];
    let redacted = logging["RedactedFields"].to_string().to_lowercase();
    for field in [r#"{"singleheader":{"name":"cookie"}}"#, r#"{"singleheader":{"name":"x-origin-verify"}}"#, r#"{"querystring":{}}"#] {
        assert!(redacted.contains(field), "the WAF log does not redact {field}: {redacted}");
    }
    let group = resources()["EdgeWafLogGroup"]["Properties"]["LogGroupName"]["Fn::Sub"].as_str().unwrap();
    assert!(group.starts_with("aws-waf-logs-"), "{group}");
    let destination = logging["LogDestinationConfigs"][0]["Fn::Sub"].as_str().unwrap();
    assert!(!destination.ends_with(":*"), "WAF refuses a log group ARN ending in :*");
}

/// With EdgeProtection, the edge is the only door for the public API: a REST API (which takes a
/// regional web ACL) serves the same paths as the HTTP API, to the same functions, and its web ACL
/// blocks by default and allows only CloudFront's secret header, the value CloudFront sends (and
/// during a rotation the previous one). No public HTTP API exists then; CloudFront's origin is the
/// REST API's stage. The admin API (with AdminCallerArns) is the one other door, in either front:
/// an HTTP API of its own whose every route takes SigV4-signed calls only (AWS_IAM), never on the
/// REST API or behind CloudFront, which a signature would not survive.
#[test]
fn with_edge_protection_only_cloudfronts_requests_reach_the_api() {
    let r = resources();
    // The HTTP API and everything on it exist only without the edge; the admin API only with callers.
    for (name, resource) in r {
        let kind = resource["Type"].as_str().unwrap();
        if kind.starts_with("AWS::ApiGatewayV2::") && name.starts_with("Admin") {
            assert_eq!(resource["Condition"], "HasAdminApi", "{name} exists without AdminCallerArns");
            if kind == "AWS::ApiGatewayV2::Route" {
                assert_eq!(resource["Properties"]["AuthorizationType"], "AWS_IAM", "{name} takes unsigned calls");
                assert_eq!(resource["Properties"]["ApiId"], json!({"Ref": "AdminHttpApi"}), "{name}");
            }
        } else if kind.starts_with("AWS::ApiGatewayV2::") && !name.starts_with("ApiDomain") {
            assert_eq!(resource["Condition"], "HttpApiFront", "{name} exists behind the edge");
        }
        if kind.starts_with("AWS::ApiGateway::") || kind.starts_with("AWS::WAFv2::WebACLAssociation") {
            assert_eq!(resource["Condition"], "UseEdge", "{name}");
        }
    }
    // Same paths to the same functions as the public HTTP API's routes.
    let mut http: Vec<(String, String)> = resources_of("AWS::ApiGatewayV2::Route")
        .iter()
        .filter(|(_, route)| route["Properties"]["ApiId"] == json!({"Ref": "HttpApi"}))
        .map(|(_, route)| {
            let path = route["Properties"]["RouteKey"].as_str().unwrap().split_once(' ').unwrap().1.to_owned();
            let integration = route["Properties"]["Target"]["Fn::Sub"].as_str().unwrap().trim_start_matches("integrations/${").trim_end_matches('}').to_owned();
            let function = r[&integration]["Properties"]["IntegrationUri"]["Ref"].as_str().unwrap().trim_end_matches(".Alias").to_owned();
            (path, function)
        })
        .collect();
    http.sort();
    http.dedup();
    let path_of = |resource: &str| path_of_parent(r, resource);
    let mut rest: Vec<(String, String)> = resources_of("AWS::ApiGateway::Method")
        .iter()
        .map(|(_, m)| {
            let p = &m["Properties"];
            assert_eq!(p["HttpMethod"], "ANY");
            assert_eq!(p["Integration"]["Type"], "AWS_PROXY");
            let function = p["Integration"]["Uri"]["Fn::Sub"][1]["Alias"]["Ref"].as_str().unwrap().trim_end_matches(".Alias").to_owned();
            (path_of(p["ResourceId"]["Ref"].as_str().unwrap()), function)
        })
        .collect();
    rest.sort();
    assert_eq!(rest, http, "the REST API and the HTTP API serve the same paths to the same functions");
    assert!(rest.iter().all(|(path, function)| !path.starts_with("/admin") && function != "AdminApiFunction"), "the admin API behind CloudFront: {rest:?}");

    // An unrouted path gets the functions' 404 body, not API Gateway's 403 "Missing Authentication Token".
    let not_found = &r["EdgeRestNotFoundResponse"]["Properties"];
    assert_eq!((not_found["ResponseType"].as_str(), not_found["StatusCode"].as_str()), (Some("MISSING_AUTHENTICATION_TOKEN"), Some("404")));
    let body: Value = serde_json::from_str(not_found["ResponseTemplates"]["application/json"].as_str().unwrap()).unwrap();
    assert_eq!(body["error"], reset_http::ErrorCode::NotFound.as_str());

    let acl = &r["EdgeOriginWebAcl"]["Properties"];
    assert_eq!(acl["Scope"], "REGIONAL");
    assert_eq!(acl["DefaultAction"], json!({"Block": {}}), "blocks whatever the rule does not allow");
    let rules = acl["Rules"].as_array().unwrap();
    assert_eq!(rules.len(), 1, "one allow rule");
    assert_eq!(rules[0]["Action"], json!({"Allow": {}}));
    let statements = rules[0]["Statement"].to_string();
    assert!(statements.contains(r#""SingleHeader":{"Name":"x-origin-verify"}"#) && statements.contains(r#""PositionalConstraint":"EXACTLY""#), "{statements}");
    // The web ACL allows exactly what CloudFront sends (the same dynamic reference).
    let origin = &r["EdgeDistribution"]["Properties"]["DistributionConfig"]["Origins"][0];
    let sent = origin["OriginCustomHeaders"][0]["HeaderValue"].to_string();
    let allowed_now = &rules[0]["Statement"]["Fn::If"][2]["ByteMatchStatement"]["SearchString"];
    assert_eq!(allowed_now.to_string(), sent, "the web ACL allows what CloudFront sends");
    // During a rotation the web ACL allows both the value CloudFront sends and the previous one,
    // and it is updated before CloudFront (a stack update changes what a resource depends on first).
    let during = &rules[0]["Statement"]["Fn::If"];
    assert_eq!(during[0], "AllowPreviousOriginVerify");
    let both = during[1]["OrStatement"]["Statements"].as_array().unwrap();
    assert_eq!(both[0]["ByteMatchStatement"]["SearchString"].to_string(), sent, "the value sent");
    assert!(both[1]["ByteMatchStatement"]["SearchString"].to_string().contains("${OriginVerifyPreviousVersion}"), "and the previous one");
    assert_eq!(r["EdgeDistribution"]["DependsOn"], "EdgeOriginWebAcl");
    assert_eq!(origin["DomainName"]["Fn::Sub"], "${EdgeRestApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}");
    assert_eq!(origin["OriginPath"], "/live");
    assert_eq!(r["EdgeRestStage"]["Properties"]["StageName"], "live", "CloudFront's origin path is the stage");
    let association = &r["EdgeOriginWebAclAssociation"]["Properties"];
    assert!(association["ResourceArn"]["Fn::Sub"].as_str().unwrap().contains("/restapis/${EdgeRestApi}/stages/${EdgeRestStage}"));
}

/// A function told the origin-verify secret reads it at cold start (its versions' labels, then
/// their values) and does not start without it: each such function's role may do exactly that,
/// and the mail worker, which serves no HTTP and has no such grant, is not told it.
#[test]
fn only_functions_that_may_read_the_origin_secret_are_told_it() {
    let globals = &template()["Globals"]["Function"]["Environment"]["Variables"];
    assert!(globals.get("ORIGIN_VERIFY_SECRET_ID").is_none(), "Globals would tell the mail worker too");
    let mut told = Vec::new();
    for (name, function) in resources_of("AWS::Serverless::Function") {
        if function["Properties"]["Environment"]["Variables"].get("ORIGIN_VERIFY_SECRET_ID").is_none() {
            continue;
        }
        told.push(name.as_str());
        let policies = function["Properties"]["Policies"].to_string();
        for action in ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"] {
            let granted = function["Properties"]["Policies"][0]["Statement"].as_array().unwrap().iter().any(|s| {
                let s = s.get("Fn::If").map_or(s, |branches| &branches[1]);
                s["Action"].to_string().contains(action) && s["Resource"].to_string().contains(r#"{"Ref":"OriginVerifySecret"}"#)
            });
            assert!(granted, "{name} is told the origin secret but may not {action} it: {policies}");
        }
    }
    told.sort();
    assert_eq!(told, ["RequestResetFunction", "ResetPasswordFunction"]);
}

/// CloudFormation refuses, before creating anything, a template whose resources depend on each
/// other in a circle or name one that does not exist under the conditions in force. cfn-lint and
/// `sam validate` do not see the versions and aliases SAM adds, so the template is transformed by
/// SAM's own translator per variant (tests/cfn_graph.py) and the graph checked there.
#[test]
fn no_variant_has_a_dependency_cycle_or_names_a_resource_it_lacks() {
    let cert = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-111122223333";
    let regional = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-111122223333";
    let variants = [
        json!({"name": "default", "parameters": {}}),
        json!({"name": "edge", "parameters": {"EdgeProtection": "true"}}),
        json!({"name": "edge, domain, everything optional", "parameters": {"EdgeProtection": "true", "DomainName": "auth.example.com", "EdgeCertificateArn": cert, "HostedZoneId": "Z0123456789ABCDEFGHIJ", "EdgeWafLogging": "true", "Tracing": "true", "CustomerManagedKey": "true", "UsersTableDeletionProtection": "true", "OriginVerifySecretVersion": "v2", "OriginVerifyPreviousVersion": "v1"}}),
        json!({"name": "edge with an existing web ACL", "parameters": {"EdgeProtection": "true", "EdgeWebAclArn": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1", "EdgeWafLogging": "true"}}),
        json!({"name": "regional domain", "parameters": {"DomainName": "auth.example.com", "CertificateArn": regional, "HostedZoneId": "Z0123456789ABCDEFGHIJ"}}),
        json!({"name": "existing table, own page, reservations", "parameters": {"ExistingUsersTable": "accounts", "ResetPageUrl": "https://app.example.com/reset", "SesConfigurationSetName": "set", "UserLocaleAttribute": "language", "RequestResetReservedConcurrency": "5", "ResetPasswordReservedConcurrency": "5", "AlarmEmail": "ops@example.com", "OperatorRoleArn": "arn:aws:iam::123456789012:role/ops"}}),
        json!({"name": "webhook on an existing bus", "parameters": {"EventBusName": "default", "WebhookUrl": WEBHOOK, "WebhookApiKey": WEBHOOK_KEY}}),
        json!({"name": "webhook on its own bus, behind the edge", "parameters": {"WebhookUrl": WEBHOOK, "WebhookApiKey": WEBHOOK_KEY, "EdgeProtection": "true", "DomainName": "auth.example.com", "EdgeCertificateArn": cert}}),
        json!({"name": "webhook on a named bus, with operator and deployers", "parameters": {"EventBusName": "acme-events", "WebhookUrl": WEBHOOK, "WebhookApiKey": WEBHOOK_KEY, "OperatorRoleArn": "arn:aws:iam::123456789012:role/ops", "DeployerRoleArns": "arn:aws:iam::123456789012:role/ci,arn:aws:iam::123456789012:role/cfn"}}),
        json!({"name": "admin API", "parameters": {"AdminCallerArns": ADMIN_CALLERS}}),
        json!({"name": "admin API behind the edge, everything optional", "parameters": {"AdminCallerArns": ADMIN_CALLERS, "EdgeProtection": "true", "DomainName": "auth.example.com", "EdgeCertificateArn": cert, "CustomerManagedKey": "true", "Tracing": "true", "ExistingUsersTable": "accounts", "UserLocaleAttribute": "language", "OperatorRoleArn": "arn:aws:iam::123456789012:role/ops", "DeployerRoleArns": "arn:aws:iam::123456789012:role/ci"}}),
    ];
    let mut cmd = Command::new(workspace_root().join(".venv-sam/bin/python"));
    let file = std::env::var("RESET_TEMPLATE").unwrap_or_else(|_| "template.yaml".to_owned());
    cmd.arg("tests/cfn_graph.py").arg(file).current_dir(workspace_root());
    for mut v in variants {
        v["parameters"]["SenderEmail"] = "no-reply@example.com".into();
        cmd.arg(v.to_string());
    }
    let out = cmd.output().expect(".venv-sam (scripts/setup)");
    assert!(out.status.success(), "tests/cfn_graph.py: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(report.as_object().unwrap().len(), 11);
    for (name, graph) in report.as_object().unwrap() {
        assert!(graph["resources"].as_u64().unwrap() > 80, "{name}: {graph}");
        assert_eq!(graph["missing"], json!([]), "{name}: references to resources that do not exist");
        assert_eq!(graph["cycle"], Value::Null, "{name}: a dependency cycle");
        // The webhook's resources exist exactly when a WebhookUrl is given; the stack's own bus
        // exactly when no EventBusName is.
        let has = |resource: &str| graph["names"].as_array().unwrap().iter().any(|n| n == resource);
        let webhook = name.starts_with("webhook");
        for resource in WEBHOOK_RESOURCES {
            assert_eq!(has(resource), webhook, "{name}: {resource}");
        }
        let own_bus = !name.starts_with("webhook on an existing bus") && !name.starts_with("webhook on a named bus");
        assert_eq!(has("EventBus"), own_bus, "{name}: the stack's own bus");
        assert_eq!(has("EventBusPolicy"), own_bus, "{name}: the bus's policy, exactly with the stack's own bus");
        for resource in ["EventOutboxTable", "EventPublisherFunction", "EventPublisherEvents", "EventDeadLetterQueue", "EventDeadLetterAlarm"] {
            assert!(has(resource), "{name}: {resource}");
        }
        // The admin API and everything SAM makes of its function (role, version, alias, CodeDeploy
        // group) exist exactly with AdminCallerArns.
        let admin = name.starts_with("admin API");
        for resource in ADMIN_RESOURCES {
            assert_eq!(has(resource), admin, "{name}: {resource}");
        }
        let generated = graph["names"].as_array().unwrap().iter().filter(|n| n.as_str().unwrap().starts_with("AdminApiFunction")).count();
        assert_eq!(generated, if admin { 5 } else { 0 }, "{name}: the admin function, its role, version, alias and deployment group: {graph}");
    }
}

/// Role ARNs the AdminCallerArns pattern accepts.
const ADMIN_CALLERS: &str = "arn:aws:iam::123456789012:role/ResetOperators,arn:aws:iam::123456789012:user/ops/alice";

/// What the admin API adds, each only with AdminCallerArns.
const ADMIN_RESOURCES: &[&str] = &[
    "AdminHttpApi",
    "AdminHttpApiStage",
    "AdminApiAccessLogGroup",
    "AdminApiIntegration",
    "AdminResetRoute",
    "AdminInviteRoute",
    "AdminApiInvokePermission",
    "AdminApiFunction",
    "AdminApiFunctionRole",
    "AdminApiFunctionAliaslive",
    "AdminApiFunctionDeploymentGroup",
    "AdminApiLogGroup",
    "AdminCallRefusedMetric",
    "AdminCallRefusedAlarm",
    "AdminApiErrorsAlarm",
    "AdminApiThrottlesAlarm",
];

/// A webhook endpoint the parameter's pattern accepts.
const WEBHOOK: &str = "https://hooks.example.com/password-reset?tenant=a1";

/// A webhook key the parameter's pattern accepts (32 characters, as `openssl rand -hex 16` makes).
const WEBHOOK_KEY: &str = "0123456789abcdef0123456789abcdef";

/// Everything the webhook adds, each only with `WebhookUrl`.
const WEBHOOK_RESOURCES: &[&str] = &[
    "WebhookConnection",
    "WebhookDestination",
    "WebhookRole",
    "WebhookRule",
    "WebhookDeadLetterQueue",
    "WebhookDeadLetterQueuePolicy",
    "WebhookDeadLetterAlarm",
];

/// Without `WebhookUrl` nothing calls out: every resource of the webhook (and every EventBridge
/// connection, API destination and rule) is conditional on `HasWebhook`, which is exactly "a
/// WebhookUrl is given", and a Rule refuses a URL without a key before anything is created
/// (EventBridge refuses an empty `ApiKeyValue`, and a webhook without one would take anybody's
/// POSTs for ours). The connection, destination, role, rule and dead-letter queue are wired as
/// the EventBridge documentation has them: an API key connection; a POST destination at the
/// URL; a role only `events.amazonaws.com` assumes, allowed `events:InvokeApiDestination` on that
/// destination alone; a rule on the service's bus matching its source, whose retry policy stays in
/// EventBridge's bounds (at most 185 attempts, 60 s to 24 h of age) and whose dead-letter queue
/// lets EventBridge send only for this rule (`aws:SourceArn`).
#[test]
fn the_webhook_exists_only_with_a_url_and_is_wired_as_eventbridge_documents() {
    let r = resources();
    assert_eq!(template()["Conditions"]["HasWebhook"], json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "WebhookUrl"}, ""]}]}));
    assert_eq!(parameter("WebhookUrl")["Default"], "");
    for name in WEBHOOK_RESOURCES {
        assert_eq!(r[*name]["Condition"], "HasWebhook", "{name} exists without a webhook");
    }
    for kind in ["AWS::Events::Connection", "AWS::Events::ApiDestination", "AWS::Events::Rule"] {
        for (name, resource) in resources_of(kind) {
            assert_eq!(resource["Condition"], "HasWebhook", "{name} ({kind}) exists without a webhook");
        }
    }
    assert_eq!(template()["Outputs"]["WebhookDeadLetterQueueUrl"]["Condition"], "HasWebhook");
    let rule = &template()["Rules"]["WebhookNeedsApiKey"];
    assert_eq!(rule["RuleCondition"], json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "WebhookUrl"}, ""]}]}));
    assert_eq!(rule["Assertions"][0]["Assert"], json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "WebhookApiKey"}, ""]}]}));
    assert_eq!(parameter("WebhookApiKey")["NoEcho"], json!(true), "the key is not shown by describe-stacks");

    let connection = &r["WebhookConnection"]["Properties"];
    assert_eq!(connection["AuthorizationType"], "API_KEY");
    let key = &connection["AuthParameters"]["ApiKeyAuthParameters"];
    assert_eq!(key["ApiKeyName"], json!({"Ref": "WebhookApiKeyHeader"}));
    assert!(key["ApiKeyValue"].to_string().contains("${WebhookApiKey}") || key["ApiKeyValue"] == json!({"Ref": "WebhookApiKey"}), "{key}");
    let destination = &r["WebhookDestination"]["Properties"];
    assert_eq!(destination["ConnectionArn"], json!({"Fn::GetAtt": ["WebhookConnection", "Arn"]}));
    assert_eq!(destination["HttpMethod"], "POST");
    assert_eq!(destination["InvocationEndpoint"], json!({"Ref": "WebhookUrl"}));
    assert!(destination["InvocationRateLimitPerSecond"].as_u64().is_some_and(|n| n >= 1), "{destination}");

    let role = &r["WebhookRole"]["Properties"];
    let trust = &role["AssumeRolePolicyDocument"]["Statement"];
    assert_eq!(trust.as_array().unwrap().len(), 1);
    assert_eq!(trust[0]["Principal"], json!({"Service": "events.amazonaws.com"}));
    assert_eq!(trust[0]["Action"], "sts:AssumeRole");
    let granted: Vec<&Value> = role["Policies"].as_array().unwrap().iter().flat_map(|p| p["PolicyDocument"]["Statement"].as_array().unwrap()).collect();
    assert_eq!(granted.len(), 1, "{granted:?}");
    assert_eq!(granted[0]["Action"], "events:InvokeApiDestination");
    for resource in granted[0]["Resource"].as_array().unwrap() {
        assert_eq!(resource["Fn::GetAtt"][0], "WebhookDestination", "the role may call only the webhook: {resource}");
    }

    let rule = &r["WebhookRule"]["Properties"];
    let publisher_bus = &r["EventPublisherFunction"]["Properties"]["Environment"]["Variables"]["EVENT_BUS_NAME"];
    assert_eq!(&rule["EventBusName"], publisher_bus, "the rule is on the bus the publisher puts events on");
    assert_eq!(rule["EventPattern"], json!({"source": [{"Ref": "EventSource"}]}));
    assert_eq!(rule["State"], "ENABLED");
    let targets = rule["Targets"].as_array().unwrap();
    assert_eq!(targets.len(), 1);
    let target = &targets[0];
    assert_eq!(target["Arn"], json!({"Fn::GetAtt": ["WebhookDestination", "Arn"]}));
    assert_eq!(target["RoleArn"], json!({"Fn::GetAtt": ["WebhookRole", "Arn"]}));
    let attempts = target["RetryPolicy"]["MaximumRetryAttempts"].as_u64().unwrap();
    let age = target["RetryPolicy"]["MaximumEventAgeInSeconds"].as_u64().unwrap();
    assert!(attempts <= 185 && (60..=86_400).contains(&age), "EventBridge's retry bounds: {attempts} attempts, {age} s");
    assert!(attempts >= 100 && age >= 3_600, "a webhook down for an hour loses nothing: {attempts} attempts, {age} s");
    assert_eq!(target["DeadLetterConfig"]["Arn"], json!({"Fn::GetAtt": ["WebhookDeadLetterQueue", "Arn"]}));

    let policy = &r["WebhookDeadLetterQueuePolicy"]["Properties"];
    assert_eq!(policy["Queues"], json!([{"Ref": "WebhookDeadLetterQueue"}]));
    let statements = policy["PolicyDocument"]["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 1);
    let allow = &statements[0];
    assert_eq!((allow["Effect"].as_str(), allow["Action"].as_str()), (Some("Allow"), Some("sqs:SendMessage")));
    assert_eq!(allow["Principal"], json!({"Service": "events.amazonaws.com"}));
    assert_eq!(allow["Resource"], json!({"Fn::GetAtt": ["WebhookDeadLetterQueue", "Arn"]}));
    assert_eq!(allow["Condition"], json!({"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["WebhookRule", "Arn"]}}}), "only this rule");
    for queue in ["WebhookDeadLetterQueue", "EventDeadLetterQueue"] {
        let p = &r[queue]["Properties"];
        assert_eq!(p["SqsManagedSseEnabled"], json!(true), "{queue} is encrypted");
        assert_eq!(p["MessageRetentionPeriod"], json!(1_209_600), "{queue} keeps its messages 14 days, SQS's most");
    }
}

/// Finding 2 of the events' review: a receiver trusts the key, so the key is long. `WebhookApiKey`
/// is empty (no webhook) or 32 to 512 characters without control characters; not `MinLength`,
/// which the empty default would fail for every stack without a webhook. The Rule still refuses a
/// URL without a key.
#[test]
fn the_webhook_key_is_at_least_32_characters() {
    let p = parameter("WebhookApiKey");
    assert_eq!(p["Default"], "");
    assert!(p.get("MinLength").is_none(), "MinLength would refuse the empty default: {p}");
    let pattern = p["AllowedPattern"].as_str().unwrap().to_owned();
    let matches = |value: &str| {
        Command::new(venv_tool("python"))
            .args(["-c", "import re,sys; sys.exit(0 if re.fullmatch(sys.argv[1], sys.argv[2]) else 1)", &pattern, value])
            .output()
            .unwrap()
            .status
            .success()
    };
    for good in ["", WEBHOOK_KEY, &"k".repeat(32), &"K3y/+= ~!".repeat(20), &"x".repeat(512)] {
        assert!(matches(good), "WebhookApiKey of {} characters refused", good.len());
    }
    for bad in ["k3y", &"k".repeat(31), &format!("{}\n", "k".repeat(31)), &format!("{WEBHOOK_KEY}\t")] {
        assert!(!matches(bad), "WebhookApiKey {bad:?} ({} characters) accepted", bad.len());
    }
    assert!(p["MaxLength"].as_u64().is_some_and(|m| m <= 512), "EventBridge's ApiKeyValue holds at most 512 characters");
    assert!(p["ConstraintDescription"].as_str().unwrap().contains("32"), "{p}");
    let rule = &template()["Rules"]["WebhookNeedsApiKey"];
    assert_eq!(rule["Assertions"][0]["Assert"], json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "WebhookApiKey"}, ""]}]}));
}

/// What CloudFormation makes of `value` for a stack named `password-reset` in us-east-1 with
/// `given` parameters (the rest at their defaults): the intrinsics the webhook's names use (Ref of
/// a parameter, a pseudo parameter or the stack's own bus, Fn::Sub with or without variables,
/// Fn::Select, Fn::Split, Fn::Join, Fn::If with the template's own conditions).
fn evaluated(value: &Value, given: &BTreeMap<&str, &str>) -> Value {
    let text = |v: &Value| evaluated(v, given).as_str().unwrap_or_else(|| panic!("not a string: {v}")).to_owned();
    let reference = |name: &str| -> String {
        match name {
            "AWS::Partition" => "aws".into(),
            "AWS::Region" => "us-east-1".into(),
            "AWS::AccountId" => "123456789012".into(),
            "AWS::StackName" => "password-reset".into(),
            "AWS::StackId" => "arn:aws:cloudformation:us-east-1:123456789012:stack/password-reset/0f1e2d3c-aaaa-bbbb-cccc-111122223333".into(),
            "EventBus" => text(&resources()["EventBus"]["Properties"]["Name"]),
            parameter_name => given.get(parameter_name).map_or_else(|| parameter(parameter_name)["Default"].as_str().unwrap().to_owned(), |v| (*v).to_owned()),
        }
    };
    let holds = |condition: &str| evaluated(&template()["Conditions"][condition], given) == json!(true);
    let Some((function, args)) = value.as_object().filter(|m| m.len() == 1).and_then(|m| m.iter().next()) else {
        return value.clone();
    };
    match function.as_str() {
        "Ref" => json!(reference(args.as_str().unwrap())),
        "Condition" => json!(holds(args.as_str().unwrap())),
        "Fn::Equals" => json!(evaluated(&args[0], given) == evaluated(&args[1], given)),
        "Fn::Not" => json!(evaluated(&args[0], given) != json!(true)),
        "Fn::And" => json!(args.as_array().unwrap().iter().all(|a| evaluated(a, given) == json!(true))),
        "Fn::Or" => json!(args.as_array().unwrap().iter().any(|a| evaluated(a, given) == json!(true))),
        "Fn::If" => evaluated(if holds(args[0].as_str().unwrap()) { &args[1] } else { &args[2] }, given),
        "Fn::Select" => evaluated(&args[1], given)[args[0].as_u64().or_else(|| args[0].as_str().and_then(|s| s.parse().ok())).unwrap() as usize].clone(),
        "Fn::Split" => json!(text(&args[1]).split(args[0].as_str().unwrap()).collect::<Vec<_>>()),
        "Fn::Join" => json!(args[1].as_array().unwrap().iter().map(text).collect::<Vec<_>>().join(args[0].as_str().unwrap())),
        "Fn::Sub" => {
            let (pattern, variables) = match args {
                Value::String(pattern) => (pattern.clone(), serde_json::Map::new()),
                list => (list[0].as_str().unwrap().to_owned(), list[1].as_object().unwrap().clone()),
            };
            let mut out = String::new();
            let mut rest = pattern.as_str();
            while let Some(start) = rest.find("${") {
                out.push_str(&rest[..start]);
                let end = rest[start..].find('}').unwrap() + start;
                let name = &rest[start + 2..end];
                assert!(!name.contains('.'), "an attribute this test cannot compute: {name}");
                out.push_str(&variables.get(name).map_or_else(|| reference(name), text));
                rest = &rest[end + 1..];
            }
            out.push_str(rest);
            json!(out)
        }
        other => panic!("an intrinsic this test cannot compute: {other}"),
    }
}

/// Finding 2: EventBridge assumes the webhook's role for the webhook's rule only. The trust policy
/// names the rule's ARN (`aws:SourceArn`, which EventBridge sets to the ARN of the rule that sends
/// the event) besides this account (`aws:SourceAccount`). The rule cannot be named there by
/// `!GetAtt` (it names the role: a cycle), so it has a name of its own and the role builds its
/// ARN: computed here for the stack's own bus, the default bus (whose rules' ARNs have no bus
/// name) and another named bus, it is the rule's ARN as EventBridge forms it.
#[test]
fn the_webhook_role_is_assumed_for_the_webhook_rule_only() {
    let r = resources();
    let trust = &r["WebhookRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"];
    assert_eq!(trust.as_array().unwrap().len(), 1);
    let condition = &trust[0]["Condition"];
    assert_eq!(condition["StringEquals"], json!({"aws:SourceAccount": {"Ref": "AWS::AccountId"}}));
    assert_eq!(condition["ArnEquals"].as_object().unwrap().keys().collect::<Vec<_>>(), ["aws:SourceArn"], "{condition}");
    let rule = &r["WebhookRule"]["Properties"];
    for bus in ["", "default", "acme-events"] {
        let given: BTreeMap<&str, &str> = [("EventBusName", bus), ("WebhookUrl", WEBHOOK), ("WebhookApiKey", WEBHOOK_KEY)].into_iter().collect();
        let name = evaluated(&rule["Name"], &given);
        let name = name.as_str().unwrap_or_else(|| panic!("the rule has a name: {rule}"));
        assert!(name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "EventBridge's rule names: {name:?}");
        let on = evaluated(&rule["EventBusName"], &given);
        let on = on.as_str().unwrap();
        let rule_arn = if on == "default" {
            format!("arn:aws:events:us-east-1:123456789012:rule/{name}")
        } else {
            format!("arn:aws:events:us-east-1:123456789012:rule/{on}/{name}")
        };
        assert_eq!(evaluated(&condition["ArnEquals"]["aws:SourceArn"], &given), json!(rule_arn), "EventBusName {bus:?}: the trust names the webhook's rule");
    }
    assert_eq!(evaluated(&rule["EventBusName"], &BTreeMap::new()), json!("password-reset-password-reset"), "the stack's own bus");
}

/// Each new parameter's pattern or bounds allow what the functions and EventBridge accept, and
/// refuse what they would refuse at cold start or at create time (a value the template lets
/// through but a function refuses deploys, then fails every cold start): the dispute settings are
/// read by reset-password's own configuration code.
#[test]
fn the_events_and_dispute_parameters_allow_what_the_code_and_eventbridge_accept() {
    let matches = |parameter_name: &str, value: &str| {
        let pattern = parameter(parameter_name)["AllowedPattern"].as_str().unwrap().to_owned();
        let out = Command::new(venv_tool("python"))
            .args(["-c", "import re,sys; sys.exit(0 if re.fullmatch(sys.argv[1], sys.argv[2]) else 1)", &pattern, value])
            .output()
            .unwrap();
        out.status.success()
    };
    // The source: the default and reverse-DNS names pass; aws.* (EventBridge's own) is refused.
    for good in ["password-reset", "com.example.password-reset", "acme/auth"] {
        assert!(matches("EventSource", good), "EventSource {good:?} refused");
    }
    assert_eq!(parameter("EventSource")["Default"], "password-reset");
    for bad in ["aws.events", "aws.password-reset", "", "two words"] {
        assert!(!matches("EventSource", bad), "EventSource {bad:?} accepted");
    }
    // The bus: a name (the default bus's too) or empty for the stack's own; not an ARN, which the
    // publisher's grant would not match.
    for good in ["", "default", "acme-events", "acme.events/prod"] {
        assert!(matches("EventBusName", good), "EventBusName {good:?} refused");
    }
    for bad in ["arn:aws:events:us-east-1:123456789012:event-bus/acme", "two words"] {
        assert!(!matches("EventBusName", bad), "EventBusName {bad:?} accepted");
    }
    // The webhook: https only (EventBridge API destinations call https), or nothing.
    for good in ["", WEBHOOK, "https://h.example.com/", "https://h.example.com:8443/a/b?x=1&y=%20"] {
        assert!(matches("WebhookUrl", good), "WebhookUrl {good:?} refused");
    }
    for bad in ["http://h.example.com/hook", "https://h.example.com/a#frag", "https://h.example.com/a b", "ftp://h.example.com"] {
        assert!(!matches("WebhookUrl", bad), "WebhookUrl {bad:?} accepted");
    }
    assert!(matches("WebhookApiKeyHeader", "x-api-key") && matches("WebhookApiKeyHeader", "Authorization"));
    assert!(!matches("WebhookApiKeyHeader", "x api key") && !matches("WebhookApiKeyHeader", "x-api-key:"));
    let long = "s3cr3t/+=".repeat(4);
    assert!(matches("WebhookApiKey", "") && matches("WebhookApiKey", &long) && !matches("WebhookApiKey", &format!("{long}line\nbreak")));
    // The lock status: one plain status token, like those UserActiveStatuses lists.
    assert_eq!(parameter("DisputeLockStatus")["Default"], "locked");
    for good in ["locked", "DISPUTED", "locked:by-owner"] {
        assert!(matches("DisputeLockStatus", good), "DisputeLockStatus {good:?} refused");
    }
    for bad in ["", "locked,active", "two words"] {
        assert!(!matches("DisputeLockStatus", bad), "DisputeLockStatus {bad:?} accepted");
    }
    let rule = template()["Rules"]["DisputeLockIsNotActive"]["Assertions"][0]["Assert"].to_string();
    assert!(rule.contains("DisputeLockStatus") && rule.contains("UserActiveStatuses"), "{rule}");
    // What reset-password's cold start makes of them: the lock statuses the pattern allows are
    // accepted, those it refuses are refused (and the default active status with its default lock).
    let config = |pairs: &[(&str, String)]| {
        let mut vars: std::collections::HashMap<String, String> =
            [("RESET_PAGE_URL", "https://auth.example.com/reset-password"), ("HASHING_KEY_SECRET_ID", "k")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        vars.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())));
        reset_wiring::Config::from_vars(&vars)
    };
    for good in ["locked", "DISPUTED", "locked:by-owner"] {
        assert!(config(&[("DISPUTE_LOCK_STATUS", good.to_owned())]).is_ok(), "DISPUTE_LOCK_STATUS {good:?}: the template allows it, reset-password refuses it");
    }
    for bad in ["locked,active", "two words", &"x".repeat(49)] {
        assert!(config(&[("DISPUTE_LOCK_STATUS", bad.to_string())]).is_err(), "DISPUTE_LOCK_STATUS {bad:?} starts");
    }
    let defaults = (parameter("UserActiveStatuses")["Default"].as_str().unwrap(), parameter("DisputeLockStatus")["Default"].as_str().unwrap());
    assert!(config(&[("USER_ACTIVE_STATUSES", defaults.0.to_owned()), ("DISPUTE_LOCK_STATUS", defaults.1.to_owned())]).is_ok(), "{defaults:?}");
    assert!(config(&[("DISPUTE_LOCK_STATUS", "active".to_owned())]).is_err(), "a lock that is the active status starts");
    // The dispute link's lifetime: an hour to 30 days, a week by default, as the config bounds it.
    let ttl = parameter("DisputeTokenTtlSeconds");
    let (min, default, max) = (ttl["MinValue"].as_u64().unwrap(), ttl["Default"].as_u64().unwrap(), ttl["MaxValue"].as_u64().unwrap());
    assert_eq!((min, default, max), (3_600, 604_800, 2_592_000));
    for ok in [min, default, max] {
        assert!(config(&[("DISPUTE_TOKEN_TTL_SECONDS", ok.to_string())]).is_ok(), "DisputeTokenTtlSeconds {ok} is allowed by the template but refused");
    }
    for bad in [min - 1, max + 1] {
        assert!(config(&[("DISPUTE_TOKEN_TTL_SECONDS", bad.to_string())]).is_err(), "DisputeTokenTtlSeconds {bad} is refused by the template but accepted");
    }
    assert_eq!(config(&[]).unwrap().settings.dispute_token_ttl.as_secs(), default, "the code's default is the template's");
    assert_eq!(config(&[]).unwrap().settings.dispute_lock_status, parameter("DisputeLockStatus")["Default"]);
}

/// The operators' parameters allow exactly what the functions accept at cold start (a value the
/// template lets through but a function refuses deploys, then fails every cold start):
/// `InvitationTtlSeconds` has the config's bounds and default; `PasswordlessUsersMayRequest` the
/// two values the config reads, off by default as in the code; `AdminCallerArns` takes IAM role and
/// user ARNs with their paths, comma-separated, and refuses what would not name a caller (an
/// assumed-role session's ARN, a wildcard, spaces, a trailing comma).
#[test]
fn the_operators_parameters_allow_what_the_functions_accept() {
    let matches = |parameter_name: &str, value: &str| {
        let pattern = parameter(parameter_name)["AllowedPattern"].as_str().unwrap().to_owned();
        let out = Command::new(venv_tool("python"))
            .args(["-c", "import re,sys; sys.exit(0 if re.fullmatch(sys.argv[1], sys.argv[2]) else 1)", &pattern, value])
            .output()
            .unwrap();
        out.status.success()
    };
    let config = |pairs: &[(&str, String)]| {
        let mut vars: std::collections::HashMap<String, String> =
            [("RESET_PAGE_URL", "https://auth.example.com/reset-password"), ("HASHING_KEY_SECRET_ID", "k")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        vars.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())));
        reset_wiring::Config::from_vars(&vars)
    };
    // The invitation's lifetime: an hour to 30 days, 72 hours by default, as the config bounds it.
    let ttl = parameter("InvitationTtlSeconds");
    let (min, default, max) = (ttl["MinValue"].as_u64().unwrap(), ttl["Default"].as_u64().unwrap(), ttl["MaxValue"].as_u64().unwrap());
    assert_eq!((min, default, max), (3_600, 259_200, 2_592_000));
    for ok in [min, default, max] {
        assert!(config(&[("INVITATION_TTL_SECONDS", ok.to_string())]).is_ok(), "InvitationTtlSeconds {ok} is allowed by the template but refused");
    }
    for bad in [min - 1, max + 1] {
        assert!(config(&[("INVITATION_TTL_SECONDS", bad.to_string())]).is_err(), "InvitationTtlSeconds {bad} is refused by the template but accepted");
    }
    assert_eq!(config(&[]).unwrap().settings.invitation_ttl.as_secs(), default, "the code's default is the template's");
    assert_eq!(reset_core::settings::DEFAULT_INVITATION_TTL.as_secs(), default);
    // The passwordless setting: "false" or "true", off by default in both.
    let allowed: Vec<&str> = parameter("PasswordlessUsersMayRequest")["AllowedValues"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(allowed, ["false", "true"]);
    for value in &allowed {
        let c = config(&[("PASSWORDLESS_USERS_MAY_REQUEST", (*value).to_owned())]).unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(c.settings.passwordless_may_request, *value == "true", "{value}");
    }
    assert!(config(&[("PASSWORDLESS_USERS_MAY_REQUEST", "yes".to_owned())]).is_err(), "a value the template refuses starts");
    assert_eq!(parameter("PasswordlessUsersMayRequest")["Default"], "false");
    assert!(!config(&[]).unwrap().settings.passwordless_may_request, "the code's default is the template's");
    // Who may call the admin API: role or user ARNs with their paths, comma-separated.
    assert_eq!(parameter("AdminCallerArns")["Default"], "", "no admin API unless someone may call it");
    for good in [
        "",
        "arn:aws:iam::123456789012:role/ResetOperators",
        "arn:aws:iam::123456789012:role/ops/team-a/ResetOperators,arn:aws:iam::123456789012:user/alice",
        "arn:aws-us-gov:iam::123456789012:user/ops/bob.smith+admin@example.com",
    ] {
        assert!(matches("AdminCallerArns", good), "AdminCallerArns {good:?} refused");
    }
    for bad in [
        "arn:aws:sts::123456789012:assumed-role/ResetOperators/alice",
        "arn:aws:iam::123456789012:role/a, arn:aws:iam::123456789012:role/b",
        "arn:aws:iam::123456789012:role/a,",
        "arn:aws:iam::123456789012:group/admins",
        "arn:aws:iam::123456789012:root",
        "arn:aws:iam::123456789012:role/*",
        "*",
    ] {
        assert!(!matches("AdminCallerArns", bad), "AdminCallerArns {bad:?} accepted");
    }
}

/// A REST API resource's path, from its parents.
fn path_of_parent(r: &serde_json::Map<String, Value>, resource: &str) -> String {
    let p = &r[resource]["Properties"];
    let parent = match &p["ParentId"] {
        v if v.get("Fn::GetAtt").is_some() => String::new(),
        v => path_of_parent(r, v["Ref"].as_str().unwrap()),
    };
    format!("{parent}/{}", p["PathPart"].as_str().unwrap())
}
