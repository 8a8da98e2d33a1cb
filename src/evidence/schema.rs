//! The normalised shape: the Microsoft Graph beta `signIn` resource, and the names other
//! exports give its fields.
//!
//! Sources (checked 2025):
//! - Graph beta `signIn`: <https://learn.microsoft.com/en-us/graph/api/resources/signin?view=graph-rest-beta>
//!   and its parts `signInStatus`, `deviceDetail`, `signInLocation`, `appliedConditionalAccessPolicy`,
//!   `authenticationRequirementPolicy`, `authenticationDetail`, `managedIdentity`,
//!   `networkLocationDetail`, `keyValue`, `sessionLifetimePolicy`.
//! - Log Analytics tables `SigninLogs`, `AADNonInteractiveUserSignInLogs`,
//!   `AADServicePrincipalSignInLogs`, `AADManagedIdentitySignInLogs`:
//!   <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/signinlogs> (and the
//!   pages beside it). Their columns are the Graph names in PascalCase, except the ones in
//!   [`LOG_ANALYTICS`].
//! - The Entra admin center's download: JSON is the Graph shape
//!   (<https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-sign-ins-log-schema>);
//!   CSV headers are the labels of the sign-in details pane (`Request ID`, `Sign-in error code`, ...).

/// How a field's value is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Str,
    Int,
    Bool,
    /// An object (a JSON string holding one is parsed).
    Obj,
    /// An array (a JSON string holding one is parsed; other text is split at commas).
    List,
    /// Kept as it comes (a JSON string holding an object or array is parsed).
    Any,
}

use Kind::*;

/// Every top-level property of the Graph beta `signIn` resource.
pub const FIELDS: &[(&str, Kind)] = &[
    ("appDisplayName", Str),
    ("appId", Str),
    ("appliedConditionalAccessPolicies", List),
    ("appliedEventListeners", List),
    ("appTokenProtectionStatus", Str),
    ("authenticationAppDeviceDetails", Obj),
    ("authenticationAppPolicyEvaluationDetails", List),
    ("authenticationContextClassReferences", List),
    ("authenticationDetails", List),
    ("authenticationMethodsUsed", List),
    ("authenticationProcessingDetails", List),
    ("authenticationProtocol", Str),
    ("authenticationRequirement", Str),
    ("authenticationRequirementPolicies", List),
    ("autonomousSystemNumber", Int),
    ("azureResourceId", Str),
    ("clientAppUsed", Str),
    ("clientCredentialType", Str),
    ("conditionalAccessAudiences", Any),
    ("conditionalAccessStatus", Str),
    ("correlationId", Str),
    ("createdDateTime", Str),
    ("crossTenantAccessType", Str),
    ("deviceDetail", Obj),
    ("federatedCredentialId", Str),
    ("flaggedForReview", Bool),
    ("globalSecureAccessIpAddress", Str),
    ("homeTenantId", Str),
    ("homeTenantName", Str),
    ("id", Str),
    ("incomingTokenType", Str),
    ("ipAddress", Str),
    ("ipAddressFromResourceProvider", Str),
    ("isInteractive", Bool),
    ("isTenantRestricted", Bool),
    ("isThroughGlobalSecureAccess", Bool),
    ("location", Obj),
    ("managedServiceIdentity", Obj),
    ("mfaDetail", Obj),
    ("networkLocationDetails", List),
    ("originalRequestId", Str),
    ("originalTransferMethod", Str),
    ("privateLinkDetails", Obj),
    ("processingTimeInMilliseconds", Int),
    ("resourceDisplayName", Str),
    ("resourceId", Str),
    ("resourceServicePrincipalId", Str),
    ("resourceTenantId", Str),
    ("riskDetail", Str),
    ("riskEventTypes_v2", List),
    ("riskLevelAggregated", Str),
    ("riskLevelDuringSignIn", Str),
    ("riskState", Str),
    ("servicePrincipalCredentialKeyId", Str),
    ("servicePrincipalCredentialThumbprint", Str),
    ("servicePrincipalId", Str),
    ("servicePrincipalName", Str),
    ("sessionId", Str),
    ("sessionLifetimePolicies", List),
    ("signInEventTypes", List),
    ("signInIdentifier", Str),
    ("signInIdentifierType", Str),
    ("signInTokenProtectionStatus", Str),
    ("status", Obj),
    ("tokenIssuerName", Str),
    ("tokenIssuerType", Str),
    ("uniqueTokenIdentifier", Str),
    ("userAgent", Str),
    ("userDisplayName", Str),
    ("userId", Str),
    ("userPrincipalName", Str),
    ("userType", Str),
];

/// Fields inside the objects (`a.b`) and inside each element of the collections (`a[].b`) that
/// flow conditions may name, with the kind their values are coerced to.
pub const NESTED: &[(&str, Kind)] = &[
    ("status.errorCode", Int),
    ("status.failureReason", Str),
    ("status.additionalDetails", Str),
    ("deviceDetail.browser", Str),
    ("deviceDetail.deviceId", Str),
    ("deviceDetail.displayName", Str),
    ("deviceDetail.isCompliant", Bool),
    ("deviceDetail.isManaged", Bool),
    ("deviceDetail.operatingSystem", Str),
    ("deviceDetail.trustType", Str),
    ("location.city", Str),
    ("location.state", Str),
    ("location.countryOrRegion", Str),
    ("location.geoCoordinates", Any),
    ("managedServiceIdentity.msiType", Str),
    ("managedServiceIdentity.associatedResourceId", Str),
    ("managedServiceIdentity.federatedTokenId", Str),
    ("managedServiceIdentity.federatedTokenIssuer", Str),
    ("mfaDetail.authMethod", Str),
    ("mfaDetail.authDetail", Str),
    ("appliedConditionalAccessPolicies[].id", Str),
    ("appliedConditionalAccessPolicies[].displayName", Str),
    ("appliedConditionalAccessPolicies[].result", Str),
    (
        "appliedConditionalAccessPolicies[].conditionsSatisfied",
        Str,
    ),
    (
        "appliedConditionalAccessPolicies[].conditionsNotSatisfied",
        Str,
    ),
    (
        "appliedConditionalAccessPolicies[].enforcedGrantControls",
        List,
    ),
    (
        "appliedConditionalAccessPolicies[].enforcedSessionControls",
        List,
    ),
    (
        "appliedConditionalAccessPolicies[].authenticationStrength",
        Any,
    ),
    (
        "appliedConditionalAccessPolicies[].includeRulesSatisfied",
        List,
    ),
    (
        "appliedConditionalAccessPolicies[].excludeRulesSatisfied",
        List,
    ),
    (
        "authenticationRequirementPolicies[].requirementProvider",
        Str,
    ),
    ("authenticationRequirementPolicies[].detail", Str),
    ("authenticationDetails[].authenticationMethod", Str),
    ("authenticationDetails[].authenticationMethodDetail", Str),
    ("authenticationDetails[].authenticationStepDateTime", Str),
    ("authenticationDetails[].authenticationStepRequirement", Str),
    (
        "authenticationDetails[].authenticationStepResultDetail",
        Str,
    ),
    ("authenticationDetails[].succeeded", Bool),
    ("authenticationProcessingDetails[].key", Str),
    ("authenticationProcessingDetails[].value", Str),
    ("networkLocationDetails[].networkType", Str),
    ("networkLocationDetails[].networkNames", List),
    ("sessionLifetimePolicies[].expirationRequirement", Str),
    ("sessionLifetimePolicies[].detail", Str),
];

/// The values of the enumerations flows test, from the Graph beta pages above. Exports that
/// show words (`Not Applied`, `Client secret`, `Multifactor authentication`) are mapped to these
/// by [`canonical`].
pub const ENUMS: &[(&str, &[&str])] = &[
    (
        "clientCredentialType",
        &[
            "none",
            "clientSecret",
            "clientAssertion",
            "federatedIdentityCredential",
            "managedIdentity",
            "certificate",
            "unknownFutureValue",
        ],
    ),
    (
        "conditionalAccessStatus",
        &["success", "failure", "notApplied", "unknownFutureValue"],
    ),
    (
        "crossTenantAccessType",
        &[
            "none",
            "b2bCollaboration",
            "b2bDirectConnect",
            "microsoftSupport",
            "serviceProvider",
            "unknownFutureValue",
            "passthrough",
        ],
    ),
    (
        "incomingTokenType",
        &[
            "none",
            "primaryRefreshToken",
            "saml11",
            "saml20",
            "unknownFutureValue",
            "remoteDesktopToken",
            "refreshToken",
        ],
    ),
    (
        "authenticationProtocol",
        &[
            "none",
            "oAuth2",
            "ropc",
            "wsFederation",
            "saml20",
            "deviceCode",
            "unknownFutureValue",
            "authenticationTransfer",
            "nativeAuth",
        ],
    ),
    (
        "authenticationRequirement",
        &["singleFactorAuthentication", "multiFactorAuthentication"],
    ),
    ("userType", &["member", "guest", "unknownFutureValue"]),
    (
        "signInIdentifierType",
        &[
            "userPrincipalName",
            "phoneNumber",
            "proxyAddress",
            "qrCode",
            "onPremisesUserPrincipalName",
            "unknownFutureValue",
        ],
    ),
    (
        "tokenIssuerType",
        &[
            "AzureAD",
            "ADFederationServices",
            "UnknownFutureValue",
            "AzureADBackupAuth",
            "ADFederationServicesMFAAdapter",
            "NPSExtension",
        ],
    ),
    (
        "originalTransferMethod",
        &[
            "none",
            "deviceCodeFlow",
            "authenticationTransfer",
            "unknownFutureValue",
        ],
    ),
    (
        "appliedConditionalAccessPolicies[].result",
        &[
            "success",
            "failure",
            "notApplied",
            "notEnabled",
            "unknown",
            "unknownFutureValue",
            "reportOnlySuccess",
            "reportOnlyFailure",
            "reportOnlyNotApplied",
            "reportOnlyInterrupted",
        ],
    ),
];

/// The Graph spelling of an enumeration value written as words (`Not Applied` ->
/// `notApplied`); other values as they are.
pub fn canonical(path: &str, value: &str) -> Option<&'static str> {
    let (_, values) = ENUMS.iter().find(|(p, _)| *p == path)?;
    let k = key(value);
    values.iter().find(|v| v.eq_ignore_ascii_case(&k)).copied()
}

/// What a column or key of an export stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A signIn field, or a field inside one (`status.errorCode`).
    Field(&'static str, Kind),
    /// Log Analytics `Category` / `Type`: which log the row came from (gives `signInEventTypes`).
    Table,
    /// The admin center CSV's `Status` word (`Success`, `Failure`, `Interrupted`).
    StatusWord,
    /// Known, but not part of the sign-in event (workspace metadata, deprecated copies).
    Ignored,
}

/// Names the Log Analytics sign-in tables give Graph fields (compared after [`key`]).
pub const LOG_ANALYTICS: &[(&str, Target)] = &[
    ("resulttype", Target::Field("status.errorCode", Int)),
    (
        "resultdescription",
        Target::Field("status.failureReason", Str),
    ),
    ("locationdetails", Target::Field("location", Obj)),
    (
        "conditionalaccesspolicies",
        Target::Field("appliedConditionalAccessPolicies", List),
    ),
    ("resourceidentity", Target::Field("resourceId", Str)),
    // `ResourceId` is the workspace's Azure resource (`/tenants/…/providers/Microsoft.aadiam`);
    // the signed-in resource's id is `ResourceIdentity`.
    ("resourceid", Target::Ignored),
    ("createddatetimeutc", Target::Field("createdDateTime", Str)),
    ("category", Target::Table),
    ("type", Target::Table),
    ("aadtenantid", Target::Ignored),
    ("tenantid", Target::Ignored),
    ("sourcesystem", Target::Ignored),
    ("timegenerated", Target::Ignored),
    ("timegeneratedutc", Target::Ignored),
    ("operationname", Target::Ignored),
    ("operationversion", Target::Ignored),
    ("level", Target::Ignored),
    ("location", Target::Ignored), // the Azure region of the log, not the sign-in's place
    ("resource", Target::Ignored),
    ("resourcegroup", Target::Ignored),
    ("resourceprovider", Target::Ignored),
    ("resultsignature", Target::Ignored),
    ("durationms", Target::Ignored),
    ("identity", Target::Ignored),
    ("isrisky", Target::Ignored),
    ("alternatesigninname", Target::Ignored),
    ("riskeventtypes", Target::Ignored),
    ("tablename", Target::Ignored),
    ("_billedsize", Target::Ignored),
    ("_isbillable", Target::Ignored),
    ("_resourceid", Target::Ignored),
    ("_subscriptionid", Target::Ignored),
    ("_itemid", Target::Ignored),
    ("_internal_workspaceresource", Target::Ignored),
    (
        "msitype",
        Target::Field("managedServiceIdentity.msiType", Str),
    ),
];

/// Headers of the Entra admin center's CSV download that are not a Graph name with spaces.
pub const PORTAL_CSV: &[(&str, Target)] = &[
    ("dateutc", Target::Field("createdDateTime", Str)),
    ("date", Target::Field("createdDateTime", Str)),
    ("requestid", Target::Field("id", Str)),
    ("user", Target::Field("userDisplayName", Str)),
    ("username", Target::Field("userPrincipalName", Str)),
    ("application", Target::Field("appDisplayName", Str)),
    ("applicationid", Target::Field("appId", Str)),
    ("resource", Target::Field("resourceDisplayName", Str)),
    ("status", Target::StatusWord),
    ("signinerrorcode", Target::Field("status.errorCode", Int)),
    ("failurereason", Target::Field("status.failureReason", Str)),
    (
        "additionaldetails",
        Target::Field("status.additionalDetails", Str),
    ),
    ("clientapp", Target::Field("clientAppUsed", Str)),
    ("deviceid", Target::Field("deviceDetail.deviceId", Str)),
    ("browser", Target::Field("deviceDetail.browser", Str)),
    (
        "operatingsystem",
        Target::Field("deviceDetail.operatingSystem", Str),
    ),
    ("compliant", Target::Field("deviceDetail.isCompliant", Bool)),
    ("managed", Target::Field("deviceDetail.isManaged", Bool)),
    ("jointype", Target::Field("deviceDetail.trustType", Str)),
    (
        "conditionalaccess",
        Target::Field("conditionalAccessStatus", Str),
    ),
    (
        "latency",
        Target::Field("processingTimeInMilliseconds", Int),
    ),
    (
        "ipaddressseenbyresource",
        Target::Field("ipAddressFromResourceProvider", Str),
    ),
    (
        "throughglobalsecureaccess",
        Target::Field("isThroughGlobalSecureAccess", Bool),
    ),
    (
        "credentialkeyid",
        Target::Field("servicePrincipalCredentialKeyId", Str),
    ),
    (
        "credentialthumbprint",
        Target::Field("servicePrincipalCredentialThumbprint", Str),
    ),
    (
        "managedidentitytype",
        Target::Field("managedServiceIdentity.msiType", Str),
    ),
    (
        "associatedresourceid",
        Target::Field("managedServiceIdentity.associatedResourceId", Str),
    ),
    (
        "federatedtokenid",
        Target::Field("managedServiceIdentity.federatedTokenId", Str),
    ),
    (
        "federatedtokenissuer",
        Target::Field("managedServiceIdentity.federatedTokenIssuer", Str),
    ),
    ("interactive", Target::Field("isInteractive", Bool)),
    ("multifactorauthenticationresult", Target::Ignored),
    ("multifactorauthenticationauthmethod", Target::Ignored),
    ("multifactorauthenticationauthdetail", Target::Ignored),
    ("tokenprotectionsigninsession", Target::Ignored),
    (
        "risklevelaggregate",
        Target::Field("riskLevelAggregated", Str),
    ),
    (
        "risklevelsignin",
        Target::Field("riskLevelDuringSignIn", Str),
    ),
];

/// Names any shape may use: PowerShell's SDK model names and metadata keys.
pub const COMMON: &[(&str, Target)] = &[
    ("riskeventtypesv2", Target::Field("riskEventTypes_v2", List)),
    ("additionalproperties", Target::Ignored),
    ("odatatype", Target::Ignored),
    ("odatacontext", Target::Ignored),
    ("odataid", Target::Ignored),
    ("odataetag", Target::Ignored),
];

/// A column or key compared loosely: lowercase letters, digits and `_` only, so
/// `Correlation ID`, `CorrelationId` and `correlationId` are one name.
pub fn key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Which shape's extra names apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Names {
    /// Graph, PowerShell and the admin center's JSON: Graph names in any case.
    Graph,
    LogAnalytics,
    PortalCsv,
}

/// What the column or key `name` stands for, or `None` when this tool does not know it.
pub fn target(names: Names, name: &str) -> Option<Target> {
    let k = key(name);
    let extra: &[(&str, Target)] = match names {
        Names::Graph => &[],
        Names::LogAnalytics => LOG_ANALYTICS,
        Names::PortalCsv => PORTAL_CSV,
    };
    let lookup = |k: &str| {
        extra
            .iter()
            .chain(COMMON)
            .find(|(n, _)| *n == k)
            .map(|(_, t)| *t)
            .or_else(|| {
                FIELDS
                    .iter()
                    .find(|(f, _)| f.eq_ignore_ascii_case(k))
                    .map(|(f, kind)| Target::Field(f, *kind))
            })
    };
    lookup(&k).or_else(|| k.strip_suffix("utc").and_then(lookup))
}

/// The kind of a nested path (`status.errorCode`), if it is one this tool knows.
pub fn nested_kind(path: &str) -> Option<Kind> {
    NESTED.iter().find(|(p, _)| *p == path).map(|(_, k)| *k)
}

/// The kind of a top-level field.
pub fn field_kind(name: &str) -> Option<Kind> {
    FIELDS.iter().find(|(f, _)| *f == name).map(|(_, k)| *k)
}

/// `signInEventTypes` for a Log Analytics `Category` or `Type` value.
pub fn event_type_of_table(table: &str) -> Option<&'static str> {
    match key(table).as_str() {
        "signinlogs" => Some("interactiveUser"),
        "aadnoninteractiveusersigninlogs" | "noninteractiveusersigninlogs" => {
            Some("nonInteractiveUser")
        }
        "aadserviceprincipalsigninlogs" | "serviceprincipalsigninlogs" => Some("servicePrincipal"),
        "aadmanagedidentitysigninlogs" | "managedidentitysigninlogs" => Some("managedIdentity"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_name_in_every_spelling() {
        for name in [
            "correlationId",
            "CorrelationId",
            "Correlation ID",
            "correlation_id",
        ] {
            let want = if name.contains('_') {
                None
            } else {
                Some(Target::Field("correlationId", Str))
            };
            assert_eq!(target(Names::Graph, name), want, "{name}");
        }
        assert_eq!(
            target(Names::LogAnalytics, "ResultType"),
            Some(Target::Field("status.errorCode", Int))
        );
        assert_eq!(
            target(Names::PortalCsv, "Sign-in error code"),
            Some(Target::Field("status.errorCode", Int))
        );
        assert_eq!(
            target(Names::LogAnalytics, "CreatedDateTime [UTC]"),
            Some(Target::Field("createdDateTime", Str))
        );
        assert_eq!(
            target(Names::LogAnalytics, "RiskEventTypes_V2"),
            Some(Target::Field("riskEventTypes_v2", List))
        );
        assert_eq!(target(Names::Graph, "ResultType"), None);
        assert_eq!(target(Names::PortalCsv, "Favourite colour"), None);
    }

    #[test]
    fn nested_paths_start_with_a_known_field() {
        for (path, _) in NESTED {
            let head = path.split(['.', '[']).next().unwrap_or_default();
            assert!(field_kind(head).is_some(), "{path}");
        }
        for (_, t) in LOG_ANALYTICS.iter().chain(PORTAL_CSV).chain(COMMON) {
            if let Target::Field(p, _) = t {
                assert!(
                    field_kind(p).is_some() || nested_kind(p).is_some(),
                    "{p} is neither a field nor a nested path"
                );
            }
        }
    }
}
