//! Triage of sign-in log exports: what is failing, for whom, since when. [`read`] streams
//! events out of the export files, [`Tally`] counts them (failures by code, app, user, IP,
//! resource or Conditional Access policy) without keeping the events, and [`Tally::finish`]
//! turns the counts into [`Summary`] rows with their top values and what changed. [`kql`]
//! writes the same summary as a Log Analytics query.
//!
//! Field names follow the Graph beta `signIn` resource
//! (<https://learn.microsoft.com/graph/api/resources/signin?view=graph-rest-beta>; checked
//! against `tools/data/graph-beta.json`): `createdDateTime`, `status.errorCode`,
//! `appDisplayName`/`appId`, `userPrincipalName`/`userId`,
//! `servicePrincipalName`/`servicePrincipalId`, `ipAddress`, `location.city`/
//! `location.countryOrRegion`, `clientAppUsed`, `resourceDisplayName`/`resourceId`,
//! `appliedConditionalAccessPolicies[].displayName`/`.result`.

pub mod kql;
pub mod read;
mod strings;
pub mod time;

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use strings::{FxMap, Strings};

/// A string from the input, borrowed from it when it has no escapes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

impl Text<'_> {
    fn as_str(&self) -> &str {
        &self.0
    }
}

/// The part of one Graph beta `signIn` event the summary reads; everything else in the record
/// is skipped unread.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event<'a> {
    #[serde(borrow)]
    pub id: Option<Text<'a>>,
    #[serde(borrow)]
    pub created_date_time: Option<Text<'a>>,
    pub status: Option<Status>,
    #[serde(borrow)]
    pub app_display_name: Option<Text<'a>>,
    #[serde(borrow)]
    pub app_id: Option<Text<'a>>,
    #[serde(borrow)]
    pub user_principal_name: Option<Text<'a>>,
    #[serde(borrow)]
    pub user_id: Option<Text<'a>>,
    #[serde(borrow)]
    pub service_principal_name: Option<Text<'a>>,
    #[serde(borrow)]
    pub service_principal_id: Option<Text<'a>>,
    #[serde(borrow)]
    pub ip_address: Option<Text<'a>>,
    #[serde(borrow)]
    pub location: Option<Location<'a>>,
    #[serde(borrow)]
    pub client_app_used: Option<Text<'a>>,
    #[serde(borrow)]
    pub resource_display_name: Option<Text<'a>>,
    #[serde(borrow)]
    pub resource_id: Option<Text<'a>>,
    #[serde(borrow)]
    pub applied_conditional_access_policies: Option<Vec<Policy<'a>>>,
    /// A whole Graph page (`{"@odata.context": …, "value": [events]}`) on one line.
    #[serde(borrow)]
    pub value: Option<Vec<Event<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub error_code: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location<'a> {
    #[serde(borrow)]
    pub city: Option<Text<'a>>,
    #[serde(borrow)]
    pub country_or_region: Option<Text<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy<'a> {
    #[serde(borrow)]
    pub display_name: Option<Text<'a>>,
    #[serde(borrow)]
    pub id: Option<Text<'a>>,
    #[serde(borrow)]
    pub result: Option<Text<'a>>,
}

impl Event<'_> {
    /// Whether the record has the Graph shape (camelCase): a sign-in time or a status.
    pub fn is_graph(&self) -> bool {
        self.created_date_time.is_some() || self.status.is_some()
    }
}

fn first<'s>(a: &'s Option<Text<'_>>, b: &'s Option<Text<'_>>) -> Option<&'s str> {
    [a, b]
        .into_iter()
        .flatten()
        .map(Text::as_str)
        .find(|s| !s.is_empty())
}

/// What the rows are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    Code,
    App,
    User,
    Ip,
    Resource,
    /// The Conditional Access policies that failed (`result` `failure`); an event counts for
    /// each of them, or for `(no failed policy)`.
    Policy,
}

impl GroupBy {
    pub const ALL: [GroupBy; 6] = [
        GroupBy::Code,
        GroupBy::App,
        GroupBy::User,
        GroupBy::Ip,
        GroupBy::Resource,
        GroupBy::Policy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Code => "code",
            GroupBy::App => "app",
            GroupBy::User => "user",
            GroupBy::Ip => "ip",
            GroupBy::Resource => "resource",
            GroupBy::Policy => "policy",
        }
    }
}

/// The key of events that have no value for the grouping field.
pub const NONE_KEY: &str = "(none)";
/// The `--by policy` key of failures no Conditional Access policy failed.
pub const NO_POLICY_KEY: &str = "(no failed policy)";

/// What to count.
#[derive(Clone, Debug)]
pub struct Options {
    pub by: GroupBy,
    /// Only events at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// Only events at or before this time.
    pub until: Option<i64>,
    /// Count the codes the catalog marks `expected` (interrupts, polling) too.
    pub include_expected: bool,
    /// The codes the catalog marks `expected`.
    pub expected: HashSet<u32>,
    /// What the interactive table needs: count every grouping, with and without the expected
    /// codes ([`Tally::finish_views`]), and keep each group's latest event ([`Row::latest`]).
    /// Memory still depends on the number of groups, not of events: one event per group.
    pub table: bool,
}

/// What was read, skipped and counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Stats {
    /// Sign-in events read (successes and failures).
    pub events: u64,
    pub successes: u64,
    /// Failures in the summary.
    pub failures: u64,
    /// Failures with a code the catalog marks expected, left out (see `--include-expected`).
    pub expected_skipped: u64,
    /// Events outside `--since`/`--until`.
    pub outside_window: u64,
    /// Events without a readable time while `--since`/`--until` is given.
    pub no_time: u64,
    /// Events without `status.errorCode`.
    pub no_status: u64,
    /// Records that are valid JSON or CSV but not a sign-in event.
    pub not_signin: u64,
    /// Lines or records that could not be read.
    pub malformed: u64,
    /// Where the first few malformed records are, as `file:line`.
    #[serde(serialize_with = "positions")]
    #[schemars(with = "Vec<String>")]
    pub malformed_at: Vec<At>,
}

/// A position in an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct At {
    pub file: String,
    pub line: u64,
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

fn positions<S: serde::Serializer>(v: &[At], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(ToString::to_string))
}

/// How many malformed records are listed by position.
pub const MALFORMED_LISTED: usize = 5;

/// Width of the time buckets that "what changed" is computed from.
const BUCKET: i64 = 600;

/// A group's latest event, kept for the interactive table: Enter opens its code's flow with
/// this event as evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Latest {
    /// The event's error code (`status.errorCode`).
    pub code: u32,
    /// The event as JSON text in the Graph beta `signIn` shape (the record as read when it
    /// was in that shape, else the normaliser's output), for [`crate::evidence::read`].
    pub event: Arc<str>,
}

#[derive(Debug, Default)]
struct Group {
    count: u64,
    first: Option<i64>,
    last: Option<i64>,
    latest_id: String,
    latest: Option<Latest>,
    users: FxMap<u32, u32>,
    apps: FxMap<u32, u32>,
    ips: FxMap<u32, u32>,
    locations: FxMap<u32, u32>,
    clients: FxMap<u32, u32>,
    codes: FxMap<u32, u32>,
    buckets: FxMap<i64, u32>,
}

/// The string ids of one event's fields.
struct Ids {
    user: u32,
    app: u32,
    ip: u32,
    location: u32,
    client: u32,
    code: u32,
}

impl Group {
    /// Count one event; `true` when it is now the group's latest (by time).
    fn add(&mut self, ids: &Ids, time: Option<i64>, request_id: Option<&str>) -> bool {
        self.count += 1;
        *self.users.entry(ids.user).or_default() += 1;
        *self.apps.entry(ids.app).or_default() += 1;
        *self.ips.entry(ids.ip).or_default() += 1;
        *self.locations.entry(ids.location).or_default() += 1;
        *self.clients.entry(ids.client).or_default() += 1;
        *self.codes.entry(ids.code).or_default() += 1;
        let Some(t) = time else {
            return false;
        };
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        *self.buckets.entry(t.div_euclid(BUCKET)).or_default() += 1;
        if self.last.is_none_or(|l| t >= l) {
            self.last = Some(t);
            self.latest_id.clear();
            self.latest_id.push_str(request_id.unwrap_or(""));
            return true;
        }
        false
    }
}

/// One way of grouping the failures: by what, and whether the expected codes count.
#[derive(Debug)]
struct View {
    by: GroupBy,
    include_expected: bool,
    groups: FxMap<u32, Group>,
    /// The earliest and latest event counted in this view.
    span: Option<(i64, i64)>,
}

impl View {
    fn new(by: GroupBy, include_expected: bool) -> View {
        View {
            by,
            include_expected,
            groups: FxMap::default(),
            span: None,
        }
    }
}

/// Where a counted event came from, so that [`Options::table`] can keep it as a group's
/// latest event.
#[derive(Clone, Copy)]
pub enum Source<'r> {
    /// The record's JSON text, already in the Graph shape.
    Graph(&'r [u8]),
    /// The normaliser's output for a record in another shape.
    Normalised(&'r serde_json::Value),
}

impl Source<'_> {
    fn text(self) -> Arc<str> {
        match self {
            Source::Graph(b) => Arc::from(String::from_utf8_lossy(b).as_ref()),
            Source::Normalised(v) => Arc::from(v.to_string()),
        }
    }
}

/// Counts of sign-in failures, grouped; fed one [`Event`] at a time, so memory depends on the
/// number of distinct values (codes, users, IPs…), not on the number of events.
#[derive(Debug)]
pub struct Tally {
    opts: Options,
    strings: Strings,
    codes: FxMap<u32, u32>,
    /// The grouping asked for first; with [`Options::table`], every other one after it.
    views: Vec<View>,
    /// Failures in the time window whose code the catalog marks expected (counted or not).
    expected_failures: u64,
    pub stats: Stats,
    scratch: String,
}

impl Tally {
    pub fn new(opts: Options) -> Tally {
        let mut views = vec![View::new(opts.by, opts.include_expected)];
        if opts.table {
            for inc in [opts.include_expected, !opts.include_expected] {
                for by in GroupBy::ALL {
                    if (by, inc) != (opts.by, opts.include_expected) {
                        views.push(View::new(by, inc));
                    }
                }
            }
        }
        Tally {
            opts,
            strings: Strings::default(),
            codes: FxMap::default(),
            views,
            expected_failures: 0,
            stats: Stats::default(),
            scratch: String::new(),
        }
    }

    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Count one record that did not parse, at `file:line`.
    pub fn malformed(&mut self, file: &str, line: u64) {
        self.stats.malformed += 1;
        if self.stats.malformed_at.len() < MALFORMED_LISTED {
            self.stats.malformed_at.push(At {
                file: file.to_string(),
                line,
            });
        }
    }

    /// Count one successful sign-in known without parsing it ([`read`]'s quick path).
    pub fn success(&mut self) {
        self.stats.events += 1;
        self.stats.successes += 1;
    }

    /// Count one event (a Graph page's events one by one).
    pub fn add(&mut self, ev: &Event<'_>) {
        self.add_from(ev, None);
    }

    /// [`Tally::add`], with the record the event was read from: with [`Options::table`] it is
    /// kept as the latest event of the groups it is the latest of. (A page's events have no
    /// record of their own; the reader hands them over one by one when it keeps events.)
    pub fn add_from(&mut self, ev: &Event<'_>, source: Option<Source<'_>>) {
        if let Some(page) = &ev.value {
            for e in page {
                self.add_from(e, None);
            }
            if !ev.is_graph() {
                return;
            }
        }
        self.stats.events += 1;
        let Some(code) = ev.status.as_ref().and_then(|s| s.error_code) else {
            self.stats.no_status += 1;
            return;
        };
        if code == 0 {
            self.stats.successes += 1;
            return;
        }
        let time = ev
            .created_date_time
            .as_ref()
            .and_then(|t| time::parse_timestamp(t.as_str()));
        if self.opts.since.is_some() || self.opts.until.is_some() {
            let Some(t) = time else {
                self.stats.no_time += 1;
                return;
            };
            if self.opts.since.is_some_and(|s| t < s) || self.opts.until.is_some_and(|u| t > u) {
                self.stats.outside_window += 1;
                return;
            }
        }
        let code = u32::try_from(code).unwrap_or(u32::MAX);
        let is_expected = self.opts.expected.contains(&code);
        if is_expected {
            self.expected_failures += 1;
        }
        if self.opts.include_expected || !is_expected {
            self.stats.failures += 1;
        } else {
            self.stats.expected_skipped += 1;
            if !self.opts.table {
                return;
            }
        }
        let code_id = match self.codes.get(&code) {
            Some(&id) => id,
            None => {
                let id = self.strings.id(&code.to_string());
                self.codes.insert(code, id);
                id
            }
        };
        let mut id = |v: Option<&str>| self_id(&mut self.strings, v);
        let user = id(first(&ev.user_principal_name, &ev.service_principal_name)
            .or_else(|| first(&ev.user_id, &ev.service_principal_id)));
        let app = id(first(&ev.app_display_name, &ev.app_id));
        let ip = id(first(&ev.ip_address, &None));
        let client = id(first(&ev.client_app_used, &None));
        let resource = id(first(&ev.resource_display_name, &ev.resource_id));
        let location = {
            let (city, country) = ev.location.as_ref().map_or((None, None), |l| {
                (first(&l.city, &None), first(&l.country_or_region, &None))
            });
            self.scratch.clear();
            match (city, country) {
                (Some(c), Some(k)) => {
                    self.scratch.push_str(c);
                    self.scratch.push_str(", ");
                    self.scratch.push_str(k);
                }
                (Some(one), None) | (None, Some(one)) => self.scratch.push_str(one),
                (None, None) => self.scratch.push_str(NONE_KEY),
            }
            self.strings.id(&self.scratch)
        };
        let ids = Ids {
            user,
            app,
            ip,
            location,
            client,
            code: code_id,
        };
        let request_id = ev.id.as_ref().map(Text::as_str);
        // Found once for all views that group by policy.
        let mut failed_policies: Option<Vec<u32>> = None;
        let mut kept: Option<Arc<str>> = None;
        let keep = self.opts.table;
        for view in &mut self.views {
            if is_expected && !view.include_expected {
                continue;
            }
            if let Some(t) = time {
                view.span = Some(view.span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
            }
            let one: [u32; 1];
            let keys: &[u32] = match view.by {
                GroupBy::Code => {
                    one = [code_id];
                    &one
                }
                GroupBy::App => {
                    one = [app];
                    &one
                }
                GroupBy::User => {
                    one = [user];
                    &one
                }
                GroupBy::Ip => {
                    one = [ip];
                    &one
                }
                GroupBy::Resource => {
                    one = [resource];
                    &one
                }
                GroupBy::Policy => failed_policies.get_or_insert_with(|| {
                    let mut failed: Vec<u32> = ev
                        .applied_conditional_access_policies
                        .iter()
                        .flatten()
                        .filter(|p| p.result.as_ref().is_some_and(|r| r.as_str() == "failure"))
                        .filter_map(|p| first(&p.display_name, &p.id))
                        .map(|name| self.strings.id(name))
                        .collect();
                    failed.sort_unstable();
                    failed.dedup();
                    if failed.is_empty() {
                        failed.push(self.strings.id(NO_POLICY_KEY));
                    }
                    failed
                }),
            };
            for &k in keys {
                let g = view.groups.entry(k).or_default();
                let newest = g.add(&ids, time, request_id);
                if keep
                    && (newest || g.latest.is_none())
                    && let Some(src) = source
                {
                    let event = kept.get_or_insert_with(|| src.text()).clone();
                    g.latest = Some(Latest { code, event });
                }
            }
        }
    }

    /// Add the counts of another tally made with the same options (a part of the input read by
    /// another thread, whose line numbers start after `line_offset` lines).
    pub fn merge(&mut self, other: Tally, line_offset: u64) {
        // Into a tally that has seen nothing, the first part is taken as it is: the same result
        // as merging it, without holding two copies of its counts at once.
        if line_offset == 0 && self.is_untouched() {
            *self = other;
            return;
        }
        let Tally {
            strings,
            views,
            stats,
            expected_failures,
            codes,
            ..
        } = other;
        let map: Vec<u32> = strings.iter().map(|s| self.strings.id(s)).collect();
        let m = |id: &u32| map.get(*id as usize).copied().unwrap_or(0);
        for (view, theirs) in self.views.iter_mut().zip(views) {
            for (k, g) in theirs.groups {
                let mine = view.groups.entry(m(&k)).or_default();
                mine.count += g.count;
                for (dst, src) in [
                    (&mut mine.users, g.users),
                    (&mut mine.apps, g.apps),
                    (&mut mine.ips, g.ips),
                    (&mut mine.locations, g.locations),
                    (&mut mine.clients, g.clients),
                    (&mut mine.codes, g.codes),
                ] {
                    for (id, n) in src {
                        *dst.entry(m(&id)).or_default() += n;
                    }
                }
                for (b, n) in g.buckets {
                    *mine.buckets.entry(b).or_default() += n;
                }
                mine.first = match (mine.first, g.first) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                let later = match (g.last, mine.last) {
                    (Some(l), m) => m.is_none_or(|m| l > m),
                    (None, _) => false,
                };
                if later {
                    mine.last = g.last;
                    mine.latest_id = g.latest_id;
                }
                if later || mine.latest.is_none() {
                    mine.latest = g.latest.or(mine.latest.take());
                }
            }
            view.span = match (view.span, theirs.span) {
                (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
                (a, b) => a.or(b),
            };
        }
        for (code, _) in codes {
            let id = self.strings.id(&code.to_string());
            self.codes.insert(code, id);
        }
        self.expected_failures += expected_failures;
        let s = &mut self.stats;
        s.events += stats.events;
        s.successes += stats.successes;
        s.failures += stats.failures;
        s.expected_skipped += stats.expected_skipped;
        s.outside_window += stats.outside_window;
        s.no_time += stats.no_time;
        s.no_status += stats.no_status;
        s.not_signin += stats.not_signin;
        s.malformed += stats.malformed;
        for mut at in stats.malformed_at {
            if s.malformed_at.len() < MALFORMED_LISTED {
                at.line += line_offset;
                s.malformed_at.push(at);
            }
        }
    }

    /// Whether nothing was counted yet (not even a malformed record).
    fn is_untouched(&self) -> bool {
        self.stats == Stats::default()
            && self.strings.is_empty()
            && self.codes.is_empty()
            && self.expected_failures == 0
            && self
                .views
                .iter()
                .all(|v| v.groups.is_empty() && v.span.is_none())
    }

    /// The rows of the grouping asked for, most failures first (ties by key); `info` tells
    /// what the catalog and the flows know about a code.
    pub fn finish(self, info: impl Fn(u32) -> CodeInfo) -> Summary {
        self.summary(0, &info)
    }

    /// Every view counted: the grouping asked for first, then (with [`Options::table`]) each
    /// grouping with the same `include_expected`, then each with the other.
    pub fn finish_views(self, info: impl Fn(u32) -> CodeInfo) -> Vec<Summary> {
        (0..self.views.len())
            .map(|i| self.summary(i, &info))
            .collect()
    }

    fn summary(&self, view: usize, info: &dyn Fn(u32) -> CodeInfo) -> Summary {
        let strings = &self.strings;
        let Some(v) = self.views.get(view) else {
            return Summary::empty(self.opts.by);
        };
        let span = v.span;
        let mut rows: Vec<Row> = v
            .groups
            .iter()
            .map(|(key, g)| {
                let top = |m: &FxMap<u32, u32>| -> Option<Top> {
                    m.iter()
                        .map(|(id, n)| (strings.get(*id), *n))
                        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
                        .map(|(v, n)| Top {
                            value: v.to_string(),
                            count: u64::from(n),
                        })
                };
                let key = strings.get(*key).to_string();
                let top_code = top(&g.codes);
                let code_info = |c: &str| c.parse::<u32>().ok().map(info);
                let (name, expected, has_flow) = if v.by == GroupBy::Code {
                    let ci = code_info(&key).unwrap_or_default();
                    (ci.name, ci.expected, ci.has_flow)
                } else {
                    let all_expected = !g.codes.is_empty()
                        && g.codes
                            .keys()
                            .all(|c| code_info(strings.get(*c)).is_some_and(|ci| ci.expected));
                    let top_flow = top_code
                        .as_ref()
                        .and_then(|t| code_info(&t.value))
                        .is_some_and(|ci| ci.has_flow);
                    (None, all_expected, top_flow)
                };
                let (change, change_short) = match change(g, span) {
                    Some((long, short)) => (Some(long), Some(short)),
                    None => (None, None),
                };
                Row {
                    change,
                    change_short,
                    name,
                    count: g.count,
                    users: g.users.len() as u64,
                    apps: g.apps.len() as u64,
                    codes: g.codes.len() as u64,
                    first_seen: g.first.map(time::format),
                    last_seen: g.last.map(time::format),
                    top_app: top(&g.apps),
                    top_user: top(&g.users),
                    top_ip: top(&g.ips),
                    top_location: top(&g.locations),
                    top_client_app: top(&g.clients),
                    top_code,
                    expected,
                    has_flow,
                    latest_request_id: (!g.latest_id.is_empty()).then(|| g.latest_id.clone()),
                    latest: g.latest.clone(),
                    key,
                }
            })
            .collect();
        rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        // The failures in the window, counted or not, split by this view's rule.
        let mut stats = self.stats.clone();
        let all = stats.failures + stats.expected_skipped;
        if v.include_expected {
            stats.failures = all;
            stats.expected_skipped = 0;
        } else {
            stats.failures = all - self.expected_failures.min(all);
            stats.expected_skipped = self.expected_failures;
        }
        Summary {
            by: v.by,
            since: self.opts.since.map(time::format),
            until: self.opts.until.map(time::format),
            first_event: span.map(|s| time::format(s.0)),
            last_event: span.map(|s| time::format(s.1)),
            include_expected: v.include_expected,
            stats,
            rows,
        }
    }
}

fn self_id(strings: &mut Strings, v: Option<&str>) -> u32 {
    strings.id(v.unwrap_or(NONE_KEY))
}

/// A few words on how a group's failures moved within the input, judged against the latest
/// event of the whole input (not the clock: an export is often read hours later), and the
/// same in two or three words for a narrow column. Needs at least two hours of events. The
/// recent window is a quarter of the span, one hour to a day.
fn change(g: &Group, span: Option<(i64, i64)>) -> Option<(String, String)> {
    let (start, end) = span?;
    let len = end - start;
    if len < 2 * 3600 {
        return None;
    }
    let first = g.first?;
    if first > end - 3600 {
        return Some((
            format!(
                "started in the last hour (first seen {} before the latest event)",
                time::human(end - first)
            ),
            "new (last hour)".to_string(),
        ));
    }
    let window = (len / 4).clamp(3600, 86_400) / BUCKET * BUCKET;
    let cutoff = (end - window).div_euclid(BUCKET);
    let recent: u64 = g
        .buckets
        .iter()
        .filter(|(b, _)| **b > cutoff)
        .map(|(_, n)| u64::from(*n))
        .sum();
    let dated: u64 = g.buckets.values().map(|n| u64::from(*n)).sum();
    let earlier = dated - recent;
    // Rates per second, compared without division: recent/window vs earlier/(len - window).
    let recent_rate = u128::from(recent) * (len - window).max(1) as u128;
    let earlier_rate = u128::from(earlier) * window as u128;
    if recent >= 5 && recent_rate >= 3 * earlier_rate {
        let (times, short) = if earlier == 0 {
            ("none before".to_string(), "spike (none before)".to_string())
        } else {
            let r = recent_rate as f64 / earlier_rate as f64;
            (
                format!("{r:.0}× the earlier rate"),
                format!("spike {r:.0}×"),
            )
        };
        return Some((
            format!(
                "spike: {recent} in the last {} ({times})",
                time::human(window)
            ),
            short,
        ));
    }
    if recent == 0 && dated >= 5 {
        return Some((
            format!(
                "stopped: none in the last {} of the input",
                time::human(end - g.last.unwrap_or(end))
            ),
            "stopped".to_string(),
        ));
    }
    None
}

/// What the catalog and the flows know about a code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeInfo {
    pub name: Option<String>,
    pub expected: bool,
    pub has_flow: bool,
}

impl CodeInfo {
    /// What `catalog` and `library` say about `code`.
    pub fn of(
        catalog: &crate::catalog::Catalog,
        library: &crate::flow::library::Library,
        code: u32,
    ) -> CodeInfo {
        let e = catalog.get(code);
        CodeInfo {
            name: e.and_then(|e| e.name.clone()),
            expected: e.is_some_and(|e| e.expected),
            has_flow: library.has_flow(code),
        }
    }
}

/// A value and how many of a group's failures had it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Top {
    pub value: String,
    pub count: u64,
}

/// One row of the summary: a code (or app, user…) and its failures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Row {
    pub key: String,
    /// The code's name in the catalog (`--by code`).
    pub name: Option<String>,
    pub count: u64,
    /// Distinct users (or service principals) among the failures.
    pub users: u64,
    pub apps: u64,
    pub codes: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub top_app: Option<Top>,
    pub top_user: Option<Top>,
    pub top_ip: Option<Top>,
    pub top_location: Option<Top>,
    pub top_client_app: Option<Top>,
    pub top_code: Option<Top>,
    /// The catalog marks the code expected (for other groupings: every code of the row is).
    pub expected: bool,
    /// The code (for other groupings: the top code) has a diagnosis flow.
    pub has_flow: bool,
    /// What changed: started in the last hour, a spike, stopped.
    pub change: Option<String>,
    /// `change` in two or three words, for a narrow column.
    #[serde(skip)]
    pub change_short: Option<String>,
    /// The request id (`id`) of the group's latest event.
    pub latest_request_id: Option<String>,
    /// The group's latest event itself, with [`Options::table`].
    #[serde(skip)]
    pub latest: Option<Latest>,
}

/// The whole summary, as `--json` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Summary {
    pub by: GroupBy,
    pub since: Option<String>,
    pub until: Option<String>,
    pub include_expected: bool,
    /// The earliest and latest failure counted.
    pub first_event: Option<String>,
    pub last_event: Option<String>,
    pub stats: Stats,
    pub rows: Vec<Row>,
}

impl Summary {
    fn empty(by: GroupBy) -> Summary {
        Summary {
            by,
            since: None,
            until: None,
            include_expected: false,
            first_event: None,
            last_event: None,
            stats: Stats::default(),
            rows: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;
