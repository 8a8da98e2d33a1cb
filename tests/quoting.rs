//! Rendered az commands run through a real bash: each hazardous value arrives as exactly one
//! argument, byte for byte, and nothing else runs.

use std::process::Command;

use aadsts_wizard::command::{CommandTemplate, Shell, Values};

const HAZARDS: &[&str] = &[
    "plain",
    "11111111-2222-3333-4444-555555555555",
    "user@contoso.com",
    "two words",
    "it's",
    "say \"hi\"",
    "$(touch /tmp/aadsts-wizard-pwned)",
    "`touch /tmp/aadsts-wizard-pwned`",
    "a; touch /tmp/aadsts-wizard-pwned",
    "a && touch /tmp/aadsts-wizard-pwned",
    "line1\nline2",
    "Zoë — ünïcödé",
    "-rf",
    "!!",
    "$HOME",
    "back\\slash",
    "*",
    "~",
    "a|b>c<d",
    "'\"'\"",
];

/// Run `script` in bash and return the NUL-separated arguments printf received.
fn bash_args(script: &str) -> Vec<String> {
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "bash failed on {script:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8 output");
    text.split_terminator('\0').map(str::to_string).collect()
}

fn render(template: &str, value: &str) -> String {
    let values = Values::from([("v".to_string(), value.to_string())]);
    CommandTemplate::new(template).render(Shell::Az, &values)
}

#[test]
fn bare_value_arrives_as_one_argument() {
    for value in HAZARDS {
        let cmd = render("printf '%s\\0' <v>", value);
        assert_eq!(bash_args(&cmd), vec![value.to_string()], "{cmd}");
    }
    assert!(!std::path::Path::new("/tmp/aadsts-wizard-pwned").exists());
}

#[test]
fn value_inside_double_quotes_stays_inside() {
    for value in HAZARDS {
        let cmd = render("printf '%s\\0' \"pre <v> post\"", value);
        assert_eq!(bash_args(&cmd), vec![format!("pre {value} post")], "{cmd}");
    }
    assert!(!std::path::Path::new("/tmp/aadsts-wizard-pwned").exists());
}

#[test]
fn value_inside_single_quotes_stays_inside() {
    for value in HAZARDS {
        let cmd = render("printf '%s\\0' 'pre <v> post'", value);
        assert_eq!(bash_args(&cmd), vec![format!("pre {value} post")], "{cmd}");
    }
}

#[test]
fn odata_literal_doubles_single_quotes() {
    // Inside "... eq '<v>'" the value is an OData string: its quotes are doubled, and bash
    // still sees one argument.
    let cmd = render("printf '%s\\0' \"upn eq '<v>'\"", "o'brien@contoso.com");
    assert_eq!(
        bash_args(&cmd),
        vec!["upn eq 'o''brien@contoso.com'".to_string()]
    );
}

#[test]
fn rendered_commands_parse_with_bash_n() {
    for value in HAZARDS {
        let cmd = render("az ad user show --id <v> --query \"[?x=='<v>']\"", value);
        let st = Command::new("bash")
            .arg("-n")
            .arg("-c")
            .arg(&cmd)
            .status()
            .expect("bash runs");
        assert!(st.success(), "{cmd}");
    }
}
