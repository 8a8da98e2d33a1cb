//! `when:` conditions on answers: a JMESPath expression over a sign-in event in the shape
//! [`crate::evidence`] produces. The loader checks that a condition parses and names only
//! fields that shape has; the wizard and `walk --evidence` evaluate it.
//!
//! An answer is taken from the event when its condition holds, the conditions of the other
//! answers do not, and every field those conditions name is in the event (for a field inside
//! an object, such as `deviceDetail.deviceId`, the object). A condition over a field the event
//! lacks is unknown, never false: an export without `clientCredentialType` must not answer
//! "the app sends no secret". Answers without `when:` are never chosen from the event.

use serde_json::Value;

use crate::evidence::schema::{self, Kind};

/// A checked `when:` condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// The expression as written.
    pub text: String,
    /// The fields it reads, as `status.errorCode` or `appliedConditionalAccessPolicies`
    /// (a collection is named, not its elements' fields).
    pub fields: Vec<String>,
}

/// Why a `when:` condition was refused; one line, for the validator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConditionError {
    /// JMESPath's own first line (its `Display` adds a caret drawing below).
    #[error("condition '{text}' does not parse: {reason}")]
    Syntax { text: String, reason: String },
    #[error("condition '{text}': {problem}")]
    Field { text: String, problem: FieldProblem },
    #[error("condition '{text}' names no sign-in field, so it never depends on the event")]
    NoField { text: String },
}

/// What is wrong with a field or function a condition names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldProblem {
    /// A top-level name the sign-in schema lacks, with a field differing only in case.
    #[error("'{name}' is not a field of a sign-in event{}", match .hint {
        Some(f) => format!("; did you mean '{f}'?"),
        None => String::new(),
    })]
    Unknown { name: String, hint: Option<String> },
    #[error("'{path}' is not a field of a sign-in event")]
    UnknownNested { path: String },
    #[error("'{path}' is a list; write '{path}[].{name}' or filter it with '{path}[?...]'")]
    FieldOfList { path: String, name: String },
    #[error("'{path}' has no field '{name}'")]
    FieldOfScalar { path: String, name: String },
    #[error("'{name}' is not a JMESPath function")]
    NoSuchFunction { name: String },
}

/// The loader keeps problems as text with a position (`FlowError`).
impl From<ConditionError> for String {
    fn from(e: ConditionError) -> String {
        e.to_string()
    }
}

/// What a condition says about an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Truth {
    Holds,
    Fails,
    /// The event lacks these fields.
    Unknown(Vec<String>),
}

impl Condition {
    /// Parse and check `text`; the error is one line for the validator.
    pub fn parse(text: &str) -> Result<Condition, ConditionError> {
        let expr = jmespath::compile(text).map_err(|e| ConditionError::Syntax {
            text: text.to_string(),
            reason: one_line(&e),
        })?;
        let mut fields = Vec::new();
        check(expr.as_ast(), &Ctx::Root, &mut fields).map_err(|problem| ConditionError::Field {
            text: text.to_string(),
            problem,
        })?;
        fields.sort();
        fields.dedup();
        if fields.is_empty() {
            return Err(ConditionError::NoField {
                text: text.to_string(),
            });
        }
        Ok(Condition {
            text: text.to_string(),
            fields,
        })
    }

    /// Evaluate against a normalised sign-in event.
    pub fn eval(&self, event: &Value) -> Truth {
        // A top-level field must be there; for a field inside an object, the object must be
        // (exports drop empty values, so `deviceDetail.deviceId == null` has to be testable).
        let mut missing: Vec<String> = self
            .fields
            .iter()
            .map(|f| f.split('.').next().unwrap_or(f))
            .filter(|head| lookup(event, head).is_none())
            .map(str::to_string)
            .collect();
        missing.dedup();
        if !missing.is_empty() {
            return Truth::Unknown(missing);
        }
        // Parsed once at load time; a failure here would be a jmespath bug, so it counts as
        // unknown rather than as an answer.
        let Ok(expr) = jmespath::compile(&self.text) else {
            return Truth::Unknown(self.fields.clone());
        };
        match expr.search(event) {
            Ok(v) if v.is_truthy() => Truth::Holds,
            Ok(_) => Truth::Fails,
            Err(_) => Truth::Unknown(self.fields.clone()),
        }
    }

    /// `field = value` for each field the condition reads, for the one-line reason.
    pub fn explain(&self, event: &Value) -> String {
        self.fields
            .iter()
            .map(|f| format!("{f} = {}", show(lookup(event, f))))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A field of the event by dotted path; `None` when absent or null.
pub fn lookup<'a>(event: &'a Value, path: &str) -> Option<&'a Value> {
    let mut v = event;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    (!v.is_null()).then_some(v)
}

fn show(v: Option<&Value>) -> String {
    let s = match v {
        None => "(absent)".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) if items.is_empty() => "[] (empty)".to_string(),
        Some(other) => other.to_string(),
    };
    let s = crate::text::clean(&s);
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

fn one_line(e: &jmespath::JmespathError) -> String {
    // Its Display draws the expression and a caret over three lines.
    e.to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// What the value at a point of the expression is.
#[derive(Clone, Debug)]
enum Ctx {
    /// The event.
    Root,
    /// An object field (`deviceDetail`).
    Obj(String),
    /// A collection field (`appliedConditionalAccessPolicies`).
    List(String),
    /// One element of a collection field.
    Elem(String),
    /// A string, number or boolean field.
    Scalar(String),
    /// Something this check does not follow (a literal, a function result).
    Any,
}

fn ctx_for(path: String, kind: Kind) -> Ctx {
    match kind {
        Kind::Obj => Ctx::Obj(path),
        Kind::List => Ctx::List(path),
        Kind::Any => Ctx::Any,
        Kind::Str | Kind::Int | Kind::Bool => Ctx::Scalar(path),
    }
}

fn field(ctx: &Ctx, name: &str, fields: &mut Vec<String>) -> Result<Ctx, FieldProblem> {
    match ctx {
        Ctx::Root => {
            let kind = schema::field_kind(name).ok_or_else(|| FieldProblem::Unknown {
                name: name.to_string(),
                hint: schema::FIELDS
                    .iter()
                    .find(|(f, _)| f.eq_ignore_ascii_case(name))
                    .map(|(f, _)| f.to_string()),
            })?;
            fields.push(name.to_string());
            Ok(ctx_for(name.to_string(), kind))
        }
        Ctx::Obj(p) => {
            let path = format!("{p}.{name}");
            let kind = schema::nested_kind(&path)
                .ok_or_else(|| FieldProblem::UnknownNested { path: path.clone() })?;
            // The object itself is recorded already; its field is what must be present.
            fields.retain(|f| f != p);
            fields.push(path.clone());
            Ok(ctx_for(path, kind))
        }
        Ctx::Elem(p) => {
            let path = format!("{p}[].{name}");
            let kind = schema::nested_kind(&path)
                .ok_or_else(|| FieldProblem::UnknownNested { path: path.clone() })?;
            Ok(ctx_for(path, kind))
        }
        Ctx::List(p) => Err(FieldProblem::FieldOfList {
            path: p.clone(),
            name: name.to_string(),
        }),
        Ctx::Scalar(p) => Err(FieldProblem::FieldOfScalar {
            path: p.clone(),
            name: name.to_string(),
        }),
        Ctx::Any => Ok(Ctx::Any),
    }
}

fn element(ctx: &Ctx) -> Ctx {
    match ctx {
        Ctx::List(p) => Ctx::Elem(p.clone()),
        _ => Ctx::Any,
    }
}

/// Walk the expression, checking every field name against the sign-in schema.
fn check(
    ast: &jmespath::ast::Ast,
    ctx: &Ctx,
    fields: &mut Vec<String>,
) -> Result<Ctx, FieldProblem> {
    use jmespath::ast::Ast;
    Ok(match ast {
        Ast::Field { name, .. } => field(ctx, name, fields)?,
        Ast::Subexpr { lhs, rhs, .. } => {
            let c = check(lhs, ctx, fields)?;
            check(rhs, &c, fields)?
        }
        Ast::Projection { lhs, rhs, .. } => {
            let c = check(lhs, ctx, fields)?;
            check(rhs, &element(&c), fields)?;
            Ctx::Any
        }
        Ast::Flatten { node, .. } => match check(node, ctx, fields)? {
            c @ Ctx::List(_) => c,
            _ => Ctx::Any,
        },
        Ast::Index { .. } => element(ctx),
        Ast::Slice { .. } => ctx.clone(),
        Ast::ObjectValues { node, .. } => {
            check(node, ctx, fields)?;
            Ctx::Any
        }
        Ast::Condition {
            predicate, then, ..
        } => {
            check(predicate, ctx, fields)?;
            check(then, ctx, fields)?
        }
        Ast::Comparison { lhs, rhs, .. } | Ast::And { lhs, rhs, .. } | Ast::Or { lhs, rhs, .. } => {
            check(lhs, ctx, fields)?;
            check(rhs, ctx, fields)?;
            Ctx::Any
        }
        Ast::Not { node, .. } => {
            check(node, ctx, fields)?;
            Ctx::Any
        }
        Ast::Function { name, args, .. } => {
            if jmespath::DEFAULT_RUNTIME.get_function(name).is_none() {
                return Err(FieldProblem::NoSuchFunction {
                    name: name.to_string(),
                });
            }
            let mut first = None;
            for a in args {
                let c = match a {
                    // `sort_by(list, &field)`: the expression reads each element of the list.
                    Ast::Expref { ast, .. } => {
                        let elem = first.as_ref().map_or(Ctx::Any, element);
                        check(ast, &elem, fields)?
                    }
                    a => check(a, ctx, fields)?,
                };
                first.get_or_insert(c);
            }
            Ctx::Any
        }
        Ast::Expref { ast, .. } => {
            check(ast, &Ctx::Any, fields)?;
            Ctx::Any
        }
        Ast::MultiList { elements, .. } => {
            for e in elements {
                check(e, ctx, fields)?;
            }
            Ctx::Any
        }
        Ast::MultiHash { elements, .. } => {
            for kv in elements {
                check(&kv.value, ctx, fields)?;
            }
            Ctx::Any
        }
        Ast::Identity { .. } => ctx.clone(),
        Ast::Literal { .. } => Ctx::Any,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn conditions_are_checked_against_the_schema() {
        let ok = [
            (
                "clientCredentialType == 'clientSecret'",
                vec!["clientCredentialType"],
            ),
            ("status.errorCode == `7000222`", vec!["status.errorCode"]),
            (
                "deviceDetail.isCompliant == `false` && deviceDetail.trustType != `null`",
                vec!["deviceDetail.isCompliant", "deviceDetail.trustType"],
            ),
            (
                "length(appliedConditionalAccessPolicies[?result == 'failure' && contains(enforcedGrantControls, 'Mfa')]) > `0`",
                vec!["appliedConditionalAccessPolicies"],
            ),
            (
                "contains(authenticationRequirementPolicies[].requirementProvider, 'user')",
                vec!["authenticationRequirementPolicies"],
            ),
            (
                "userType == 'guest' || crossTenantAccessType == 'b2bCollaboration'",
                vec!["crossTenantAccessType", "userType"],
            ),
        ];
        for (text, fields) in ok {
            let c = Condition::parse(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(c.fields, fields, "{text}");
        }
        let bad = [
            ("clientCredentialType ==", "does not parse"),
            (
                "credentialType == 'clientSecret'",
                "'credentialType' is not a field",
            ),
            (
                "ClientCredentialType == 'x'",
                "did you mean 'clientCredentialType'",
            ),
            ("status.code == `1`", "'status.code' is not a field"),
            (
                "appliedConditionalAccessPolicies.result == 'failure'",
                "is a list",
            ),
            (
                "appliedConditionalAccessPolicies[?colour == 'red']",
                "'appliedConditionalAccessPolicies[].colour'",
            ),
            ("appId.foo == 'x'", "has no field 'foo'"),
            ("nosuch(appId)", "not a JMESPath function"),
            ("`true`", "names no sign-in field"),
        ];
        for (text, want) in bad {
            let e = Condition::parse(text).expect_err(text).to_string();
            assert!(e.contains(want), "{text}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn missing_fields_make_a_condition_unknown() {
        let c = Condition::parse("clientCredentialType == 'clientSecret'").expect("parses");
        let ev = json!({"clientCredentialType": "clientSecret"});
        assert_eq!(c.eval(&ev), Truth::Holds);
        assert_eq!(c.explain(&ev), "clientCredentialType = clientSecret");
        assert_eq!(
            c.eval(&json!({"clientCredentialType": "certificate"})),
            Truth::Fails
        );
        assert_eq!(
            c.eval(&json!({"appId": "x"})),
            Truth::Unknown(vec!["clientCredentialType".to_string()])
        );
        let n = Condition::parse("deviceDetail.isCompliant == `false`").expect("parses");
        assert_eq!(
            n.eval(&json!({"appId": "a"})),
            Truth::Unknown(vec!["deviceDetail".to_string()])
        );
        // The object is there without the field: a test for null can still be decided.
        assert_eq!(
            n.eval(&json!({"deviceDetail": {"deviceId": "d"}})),
            Truth::Fails
        );
        let empty = Condition::parse("deviceDetail.deviceId == `null`").expect("parses");
        assert_eq!(
            empty.eval(&json!({"deviceDetail": {"browser": "Edge"}})),
            Truth::Holds
        );
        assert_eq!(
            n.eval(&json!({"deviceDetail": {"isCompliant": false}})),
            Truth::Holds
        );
    }
}
