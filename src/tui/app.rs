//! TUI state: which screen is up, what each screen remembers, and the session's values.
//! Only `update` changes it; `view` only reads it.

use crate::catalog::{Catalog, Entry};
use crate::command::{Shell, Values};
use crate::flow::library::Library;
use crate::flow::{Command, Flow, Kind, Node, NodeId, Step};
use crate::history::History;
use crate::notes::{Ids, Session};
use crate::search::{Hit, Searcher};
use crate::tui::theme::Theme;

/// Everything loaded once at start.
pub struct Data {
    pub catalog: Catalog,
    pub library: Library,
    pub searcher: Searcher,
}

/// How many results the search screen keeps: all of them, so every code can be reached by
/// scrolling the empty search.
pub const SEARCH_LIMIT: usize = usize::MAX;

/// How many screens Esc can go back through.
pub const BACK_LIMIT: usize = 64;

pub struct SearchState {
    pub query: String,
    pub hits: Vec<Hit>,
    pub selected: usize,
    /// The first result row as last drawn (kept by the view; see `view::scroll`).
    pub top: std::cell::Cell<u16>,
}

impl SearchState {
    pub fn new(data: &Data, query: &str) -> SearchState {
        let hits = data.searcher.search(&data.catalog, query, SEARCH_LIMIT);
        SearchState {
            query: query.to_string(),
            hits,
            selected: 0,
            top: std::cell::Cell::new(0),
        }
    }
}

/// A flow being walked (or a code without a flow, walked through the general triage).
pub struct FlowState<'d> {
    pub code: u32,
    pub flow: &'d Flow,
    /// False when `flow` is the general triage because the code has no flow of its own.
    pub own_flow: bool,
    pub start: NodeId,
    pub steps: Vec<Step>,
    pub at: NodeId,
    /// Selected row: answers first, then the commands of the current shell.
    pub selected: usize,
    /// Lines scrolled in the text panel.
    pub scroll: u16,
    /// The answer the loaded sign-in event picks at this question, and why (one line).
    pub suggestion: Option<(usize, String)>,
    /// Steps (index into `steps`) answered as the sign-in event said, with why; for notes.
    pub from_log: Vec<(usize, String)>,
    /// Show a leaf's explanation even when it pushes the fix off a small screen (`w`).
    pub show_why: bool,
    /// The commands that fetch the error's sign-in event (its trace or correlation id is
    /// known and no event is loaded), offered on the first screen.
    pub fetch: Vec<&'d Command>,
    /// The first line of the answers-and-commands list as last drawn, and at which node: the
    /// view keeps it so the list scrolls only when the selection leaves it, and a click is
    /// matched against what is on screen.
    pub list_top: std::cell::Cell<(NodeId, u16)>,
}

impl<'d> FlowState<'d> {
    /// The list's first line as last drawn at node `at` (0 when another node was drawn).
    pub fn list_top_for(&self, at: NodeId) -> u16 {
        match self.list_top.get() {
            (node, top) if node == at => top,
            _ => 0,
        }
    }

    /// Undo the last answer (the question comes back with that answer selected); `false`
    /// when no question was answered yet.
    pub fn step_back(&mut self, event: Option<&serde_json::Value>) -> bool {
        let Some(step) = self.steps.pop() else {
            return false;
        };
        self.from_log.retain(|(i, _)| *i < self.steps.len());
        self.at = step.node;
        self.scroll = 0;
        self.suggest(event);
        self.selected = step.answer;
        true
    }

    /// Back to the first question, every answer forgotten.
    pub fn restart(&mut self, event: Option<&serde_json::Value>) {
        self.steps.clear();
        self.from_log.clear();
        self.at = self.start;
        self.selected = 0;
        self.scroll = 0;
        self.suggest(event);
    }

    /// Work out what `event` says about the question on screen and pre-select that answer.
    pub fn suggest(&mut self, event: Option<&serde_json::Value>) {
        self.suggestion = match (event, self.node()) {
            (Some(ev), Node::Question(_)) => match self.flow.decide(self.at, ev) {
                crate::flow::Decision::Decided { answer, reason } => Some((answer, reason)),
                crate::flow::Decision::Undecided { .. } => None,
            },
            _ => None,
        };
        if let Some((i, _)) = &self.suggestion {
            self.selected = *i;
        }
    }

    pub fn node(&self) -> &'d Node {
        self.flow.node(self.at)
    }

    /// The number of answers at a question (0 on a leaf).
    pub fn answer_count(&self) -> usize {
        match self.node() {
            Node::Question(q) => q.answers.len(),
            Node::Leaf(_) => 0,
        }
    }

    /// The commands shown for `shell`: a question's checks or a leaf's commands.
    /// The rows of commands for `shell`: the sign-in lines first, then the commands.
    /// On the first screen, the commands that fetch the error's sign-in event come first.
    pub fn commands(&self, shell: Shell) -> Vec<&'d Command> {
        let node = self.node();
        let fetch: &[&'d Command] = if self.steps.is_empty() {
            &self.fetch
        } else {
            &[]
        };
        let mut out: Vec<&'d Command> =
            fetch.iter().copied().filter(|c| c.shell == shell).collect();
        for c in node.connect().iter().chain(node.commands()) {
            // A sign-in line the fetch commands already show is not repeated.
            if c.shell == shell && !out.iter().any(|o| o.template == c.template) {
                out.push(c);
            }
        }
        out
    }

    /// Whether this screen has commands for `shell` (KQL only where a flow has a query).
    pub fn has_shell(&self, shell: Shell) -> bool {
        self.flow.has_shell(shell)
            || (self.steps.is_empty() && self.fetch.iter().any(|c| c.shell == shell))
    }

    /// The shell Tab goes to from `shell`.
    pub fn next_shell(&self, shell: Shell) -> Shell {
        shell.next_among(|s| self.has_shell(s))
    }

    /// The related codes of the leaf on screen, without the code itself (a family flow's leaf
    /// lists its siblings, and opening the code on screen again would only restart it).
    pub fn related(&self) -> Vec<u32> {
        let Node::Leaf(l) = self.node() else {
            return Vec::new();
        };
        let mut out: Vec<u32> = Vec::new();
        for &c in &l.related {
            if c != self.code && !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }

    /// The values a command on screen for `shell` uses, in order of first use.
    pub fn placeholders_on_screen(&self, shell: Shell) -> Vec<&'d str> {
        let mut names: Vec<&'d str> = Vec::new();
        for c in self.commands(shell) {
            for n in c.template.placeholders() {
                if n != crate::flow::names::ERROR_CODE && !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        names
    }

    pub fn row_count(&self, shell: Shell) -> usize {
        self.answer_count() + self.commands(shell).len()
    }

    /// The selected command, if a command row is selected.
    pub fn selected_command(&self, shell: Shell) -> Option<&'d Command> {
        self.selected
            .checked_sub(self.answer_count())
            .and_then(|i| self.commands(shell).get(i).copied())
    }
}

/// One editable value in the values form.
pub struct Field {
    pub name: String,
    pub prompt: String,
    pub example: String,
    pub kind: Kind,
    pub input: String,
    /// Values remembered from earlier sessions, most recent first.
    pub recent: Vec<String>,
    /// Which of `recent` Ctrl-R put in last.
    pub recalled: Option<usize>,
}

impl Field {
    /// `Err(expected)` when the input is not empty and not valid for its kind.
    pub fn check(&self) -> Result<(), crate::flow::Expected> {
        if self.input.is_empty() {
            Ok(())
        } else {
            self.kind.check(&self.input)
        }
    }
}

pub struct ValuesForm {
    /// The values the commands on screen use first, then the flow's others.
    pub fields: Vec<Field>,
    /// How many of `fields` the commands on screen use.
    pub on_screen: usize,
    /// Whether the flow's other values are shown too (Ctrl-O).
    pub all: bool,
    pub selected: usize,
}

impl ValuesForm {
    /// The fields shown and reachable.
    pub fn visible(&self) -> usize {
        if self.all {
            self.fields.len()
        } else {
            self.on_screen
        }
    }
}

/// A state-changing command waiting for a second `c` before it is copied.
pub struct Confirm {
    /// The command with its values: what is copied.
    pub text: String,
    /// What it changes (the command's title) and the whole command as shown (secrets masked).
    pub title: String,
    pub shown: String,
}

/// Something drawn over the current screen that takes the keys.
pub enum Overlay {
    /// Keys of the screen below, scrolled by `scroll` lines.
    Help {
        scroll: u16,
    },
    Confirm(Confirm),
    Values(ValuesForm),
    /// The paste box: text typed or pasted, to run through `explain`.
    Paste(String),
    /// The path of a sign-in log export to open as the table (Ctrl-L).
    OpenLog(String),
}

pub enum Screen<'d> {
    Search,
    Flow(FlowState<'d>),
    /// What is failing in a sign-in log export, one row per group.
    Signins(Box<crate::tui::signins::SigninsState>),
}

pub struct App<'d> {
    pub data: &'d Data,
    pub search: SearchState,
    pub screen: Screen<'d>,
    /// Where Esc goes back to when the flow on screen is at its start: the screens left by
    /// opening a related code, `/` or a search result, most recent last.
    pub back: Vec<Screen<'d>>,
    pub overlay: Option<Overlay>,
    /// Values typed this session, by placeholder name.
    pub values: Values,
    /// Identifiers from a pasted error, for notes and tickets.
    pub ids: Ids,
    /// A pasted sign-in event (normalised), which pre-selects the answers it decides.
    pub evidence: Option<serde_json::Value>,
    pub shell: Shell,
    pub toast: Option<String>,
    /// What the copy asked for last is (secrets masked), and what was left out, for the toast
    /// that reports how the copy went.
    pub copying: Option<String>,
    /// Whether the wizard captures the mouse (wheel, clicks); off, the terminal's own
    /// selection works. `m` toggles it.
    pub mouse: bool,
    /// Values remembered between sessions (empty when remembering is off).
    pub history: History,
    /// Whether typed values are remembered (`--no-history`, `history: false`).
    pub remember: bool,
    /// Colours, or none (`NO_COLOR`, `color: false`).
    pub theme: Theme,
    /// `--print`: choosing a command quits and prints it.
    pub print_mode: bool,
    /// The command to print after the terminal is restored.
    pub chosen: Option<String>,
    pub quit: bool,
}

impl<'d> App<'d> {
    pub fn new(data: &'d Data) -> App<'d> {
        App {
            data,
            search: SearchState::new(data, ""),
            screen: Screen::Search,
            back: Vec::new(),
            overlay: None,
            values: Values::new(),
            ids: Ids::default(),
            evidence: None,
            shell: Shell::Az,
            history: History::default(),
            remember: false,
            theme: Theme::from_env(),
            toast: None,
            copying: None,
            mouse: false,
            print_mode: false,
            chosen: None,
            quit: false,
        }
    }

    /// The catalog entry of the code on screen, or of the selected search hit.
    pub fn entry(&self) -> Option<&'d Entry> {
        match &self.screen {
            Screen::Flow(f) => self.data.catalog.get(f.code),
            Screen::Search => self
                .search
                .hits
                .get(self.search.selected)
                .map(|h| &self.data.catalog.entries()[h.index]),
            Screen::Signins(_) => None,
        }
    }

    /// Open `code`: its flow, or the general triage when it has none.
    pub fn open(&mut self, code: u32) -> bool {
        let own = self.data.library.for_code(code);
        let Some(flow) = own.or_else(|| self.data.library.fallback()) else {
            self.toast = Some(format!(
                "AADSTS{code} has no flow and no triage flow is loaded"
            ));
            return false;
        };
        if flow.placeholder(crate::flow::names::ERROR_CODE).is_some() {
            self.values
                .insert(crate::flow::names::ERROR_CODE.to_string(), code.to_string());
        }
        let start = flow.start_for(code);
        let mut state = FlowState {
            code,
            flow,
            own_flow: own.is_some(),
            start,
            steps: Vec::new(),
            at: start,
            selected: 0,
            scroll: 0,
            suggestion: None,
            from_log: Vec::new(),
            show_why: false,
            fetch: Vec::new(),
            list_top: std::cell::Cell::new((start, 0)),
        };
        if self.evidence.is_none() {
            self.values = crate::evidence::fetch::with_ids(
                &self.values,
                self.ids.trace_id.as_deref(),
                self.ids.correlation_id.as_deref(),
            );
            state.fetch = crate::evidence::fetch::commands(&self.values);
        }
        state.suggest(self.evidence.as_ref());
        self.screen = Screen::Flow(state);
        true
    }

    /// Open `code`, keeping the screen on display for Esc to come back to.
    pub fn open_from_here(&mut self, code: u32) -> bool {
        let here = std::mem::replace(&mut self.screen, Screen::Search);
        if self.open(code) {
            self.remember_screen(here);
            true
        } else {
            self.screen = here;
            false
        }
    }

    /// Push `screen` on the back-stack, forgetting the oldest past [`BACK_LIMIT`].
    pub fn remember_screen(&mut self, screen: Screen<'d>) {
        self.back.push(screen);
        if self.back.len() > BACK_LIMIT {
            self.back.remove(0);
        }
    }

    /// Whether `name` is a secret in the flow on screen (masked when drawn).
    pub fn is_secret(&self, name: &str) -> bool {
        match &self.screen {
            Screen::Flow(f) => f.flow.is_secret(name),
            Screen::Search | Screen::Signins(_) => false,
        }
    }

    /// The incident note of the flow on screen, taken at `time` (UTC, formatted); secrets are
    /// redacted. `None` on the search screen.
    pub fn notes(&self, time: &str) -> Option<String> {
        let Screen::Flow(f) = &self.screen else {
            return None;
        };
        Some(crate::notes::markdown(&Session {
            code: f.code,
            entry: self.data.catalog.get(f.code),
            flow: f.flow,
            steps: &f.steps,
            node: f.at,
            values: &self.values,
            ids: &self.ids,
            time,
            shell: None,
            evidence: &f.from_log,
        }))
    }
}
