#!/usr/bin/env python3
"""Check the PowerShell commands of flow files against cmdlet data from the public reference docs.

    python3 tools/check_ps.py [--quiet] [--data FILE] flows/*.yaml

Needs python3 and PyYAML only; no PowerShell. Every `command:` with
`shell: powershell` in a flow file (`nodes.<id>.checks[]` and
`nodes.<id>.commands[]`) is tokenized, split into statements and pipelines
(nested `(...)`, `$(...)`, `@(...)`, `@{...}` and script blocks included), and
each command in it is checked against tools/data/powershell-cmdlets.json:

  * the cmdlet exists (name or alias); the retired AzureAD (`*-AzureAD*`),
    MSOnline (`*-Msol*`) and AzureRM (`*-AzureRm*`) modules are rejected;
    Microsoft Graph (`*-Mg*`) and Az (`*-Az*`) cmdlets missing from the data
    are unknown; other commands (`Get-ADUser`, native programs) are listed as
    not checked;
  * each -Parameter is a parameter, an alias, a common parameter or an
    unambiguous prefix of one, and a parameter that takes a value has one;
  * the parameters used belong together in one parameter set, the positional
    arguments fit it, and, unless the command reads pipeline input or a splat,
    the set's mandatory parameters are given;
  * quotes, brackets and braces balance, and no `$filter`-style OData option
    sits unescaped in a double-quoted string (PowerShell would expand it).

Placeholders (`<app-id>`) are values. Output: `OK <command>  @file:line` or
`BAD <command> -- <reason>  @file:line` (OK lines may carry a note), then a
summary line on stderr. Exit status: 0 all OK, 1 some BAD, 2 usage error.
"""

import argparse
import difflib
import json
import os
import re
import sys

import yaml

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'powershell-cmdlets.json')

KEYWORDS = {'begin', 'break', 'catch', 'class', 'continue', 'data', 'do', 'dynamicparam', 'else', 'elseif',
            'end', 'enum', 'exit', 'filter', 'finally', 'for', 'foreach', 'function', 'if', 'in', 'param',
            'process', 'return', 'switch', 'throw', 'trap', 'try', 'until', 'using', 'while'}
RETIRED = re.compile(r'^[A-Za-z]+-(AzureAD|Msol|AzureRm)', re.I)
CHECKED_FAMILY = re.compile(r'^[A-Za-z]+-(Mg|Az)[A-Z]')
PLACEHOLDER = re.compile(r'<[A-Za-z][\w.-]*>')
ODATA_VARIABLE = re.compile(r'(?<!`)\$(filter|select|top|expand|orderby|search|skip|skiptoken|count|ref|apply'
                            r'|format)\b')
ASSIGNMENT_OPS = {'=', '+=', '-=', '*=', '/=', '%=', '??='}
QUOTES = {"'": "'\u2018\u2019", '\u2018': "'\u2018\u2019", '\u2019': "'\u2018\u2019",
          '"': '"\u201c\u201d', '\u201c': '"\u201c\u201d', '\u201d': '"\u201c\u201d'}
CLOSERS = {'(': ')', '{': '}', '[': ']'}
DASHES = '-\u2013\u2014'
WORD_END = set(' \t\r\n;,|&(){}[]=<>\'"\u2018\u2019\u201c\u201d')
PARAM_END = WORD_END | {''}
REDIRECT = re.compile(r'(?:\*|[1-6])?>>?(?:&[12])?')
ASSIGNMENT = re.compile(r'(?:=|[+\-*/%]=|\?\?=)(?!=)')
VARIABLE = re.compile(r'\$(?:\{[^}]*\}|\w+:\w+|\w+|[$?^])')
SPLAT = re.compile(r'@[A-Za-z_]\w*')
PARAMETER = re.compile(r'[%s][A-Za-z_?]\w*(:?)' % DASHES)
HERE_STRING = re.compile(r'@[\'"][ \t]*\r?\n')


class CheckError(Exception):
    """A reason to report a command as BAD."""


# ---------------------------------------------------------------------------
# Flow files (same format as in check_az.py)
# ---------------------------------------------------------------------------

def flow_commands(path, shell):
    """Yield (line, command) for each `shell` command of a flow file."""
    from flowfile import flow_commands as read  # the script's folder is on sys.path
    for line, command, _kinds in read(path, shell):
        yield line, command


# ---------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------

class Token:
    """kind: WORD PARAM STR VAR GROUP SPLAT VALUE OP REDIR; space: whitespace before it."""
    __slots__ = ('kind', 'text', 'space', 'inner')

    def __init__(self, kind, text, space, inner=None):
        self.kind, self.text, self.space, self.inner = kind, text, space, inner

    def __repr__(self):
        return '%s(%r)' % (self.kind, self.text)


def _string_end(s, i, code):
    """s[i] opens a quoted string; return the index after it. Double-quoted strings
    append the code of their $(...) subexpressions to `code`."""
    closing = QUOTES[s[i]]
    double = closing[0] == '"'
    j = i + 1
    while j < len(s):
        c = s[j]
        if double and c == '`':
            j += 2
            continue
        if double and s.startswith('$(', j):
            end = _group_end(s, j + 1)
            code.append(s[j + 2:end - 1])
            j = end
            continue
        if c in closing:
            if j + 1 < len(s) and s[j + 1] in closing:    # '' or "" stands for one quote
                j += 2
                continue
            return j + 1
        j += 1
    raise CheckError('unbalanced quotes: string opened at column %d is not closed' % (i + 1))


def _here_string_end(s, i):
    """s[i:i+2] is @' or @" followed by a line break; return the index after the closing '@ or "@."""
    m = re.compile(r'\n[ \t]*' + re.escape(s[i + 1]) + '@').search(s, i + 2)
    if not m:
        raise CheckError('unbalanced quotes: here-string opened at column %d is not closed' % (i + 1))
    return m.end()


def _group_end(s, i):
    """s[i] is ( { or [; return the index after its matching closer."""
    stack = [CLOSERS[s[i]]]
    j = i + 1
    while j < len(s):
        c = s[j]
        if c == '`':
            j += 2
        elif s.startswith('<#', j):
            end = s.find('#>', j)
            if end < 0:
                raise CheckError('unclosed <# comment')
            j = end + 2
        elif c == '#' and s[j - 1] in ' \t\n;({':
            end = s.find('\n', j)
            j = len(s) if end < 0 else end
        elif HERE_STRING.match(s, j):
            j = _here_string_end(s, j)
        elif c in QUOTES:
            j = _string_end(s, j, [])
        elif c in CLOSERS:
            stack.append(CLOSERS[c])
            j += 1
        elif c in ')}]':
            if c != stack[-1]:
                raise CheckError("unbalanced brackets: '%s' at column %d where '%s' was expected"
                                 % (c, j + 1, stack[-1]))
            stack.pop()
            j += 1
            if not stack:
                return j
        else:
            j += 1
    raise CheckError("unbalanced brackets: '%s' opened at column %d is not closed" % (s[i], i + 1))


def tokenize(s):
    """Split PowerShell code into Tokens. Raises CheckError on unbalanced quotes or brackets.

    Statement separators (`;`, a line break, `&&`, `||`) become OP ';', pipes OP '|',
    the call operators `&` and `.` OP 'call'."""
    toks = []
    i, n, space = 0, len(s), True

    def add(kind, end, inner=None, text=None):
        nonlocal i, space
        toks.append(Token(kind, s[i:end] if text is None else text, space, inner))
        i, space = end, False

    while i < n:
        c = s[i]
        if c in ' \t\r\u00a0':
            i, space = i + 1, True
        elif c == '`' and s[i + 1:i + 2] in ('\n', '\r'):     # line continuation
            i, space = i + 2, True
        elif c == '\n':
            if toks and toks[-1].text not in ('|', ';'):       # a pipe may end a line
                add('OP', i + 1, text=';')
            i, space = i + 1, True
        elif s.startswith('<#', i):
            end = s.find('#>', i)
            if end < 0:
                raise CheckError('unclosed <# comment')
            i, space = end + 2, True
        elif c == '#' and space:
            end = s.find('\n', i)
            i = n if end < 0 else end
        elif m := PLACEHOLDER.match(s, i):
            add('VALUE', m.end())
        elif m := REDIRECT.match(s, i):
            add('REDIR', m.end())
            space = True
        elif s.startswith('&&', i) or s.startswith('||', i):
            add('OP', i + 2, text=';')
        elif c in '|;,':
            add('OP', i + 1)
        elif c == '&' or (c == '.' and space and s[i + 1:i + 2] in (' ', '\t', '$', "'", '"', '(')):
            add('OP', i + 1, text='call')
        elif (m := ASSIGNMENT.match(s, i)) and (c == '=' or space):
            add('OP', m.end())
        elif c in QUOTES:
            code = []
            add('STR', _string_end(s, i, code), code)
        elif HERE_STRING.match(s, i):
            add('STR', _here_string_end(s, i), [])
        elif c in '({[' or (c in '$@' and s[i + 1:i + 2] in ('(', '{') and not s.startswith('${', i)):
            start = i + (1 if c in '$@' else 0)
            end = _group_end(s, start)
            add('GROUP', end, (s[i:start + 1], s[start + 1:end - 1]))
        elif c in ')}]':
            raise CheckError("unbalanced brackets: '%s' at column %d has no opening bracket" % (c, i + 1))
        elif m := VARIABLE.match(s, i):
            add('VAR', m.end())
        elif m := SPLAT.match(s, i):
            add('SPLAT', m.end())
        elif space and (m := PARAMETER.match(s, i)) and (m.group(1) or s[m.end():m.end() + 1] in PARAM_END):
            add('PARAM', m.end())                               # -Name, -Name: (not -Name.x)
        else:                                                   # bare word
            j = i
            while j < n and (j == i or s[j] not in WORD_END) and s[j] not in '$`':
                j += 1
            if s[j:j + 1] == '`':                               # escaped character
                j += 2
            add('WORD', min(max(j, i + 1), n))
    return toks


# ---------------------------------------------------------------------------
# Checker
# ---------------------------------------------------------------------------

class Cmdlet:
    """What the data says about one cmdlet, Graph v2 parameters and common parameters included."""

    def __init__(self, name, entry, meta):
        self.name = name
        names = entry['params']
        implied = []
        module = entry['module']
        if module.startswith('Microsoft.Graph.') and module != 'Microsoft.Graph.Authentication':
            implied = [p for p in meta['graph_v2_parameters']['params'] if p not in names]
        self.params = names + implied
        self.switches = set(entry.get('switches', [])) | (set(meta['graph_v2_parameters']['switches'])
                                                          if implied else set())
        self.common = set(meta['common_parameters'])
        self.switches |= set(meta['common_switches'])
        aliases = dict(entry.get('aliases', {}))
        if implied:
            aliases.update(meta['graph_v2_parameters']['aliases'])
        for param, common_aliases in meta['common_parameters'].items():
            aliases.update({a: param for a in common_aliases})
        self.lookup = {p.lower(): p for p in self.params + sorted(self.common)}
        self.lookup.update({a.lower(): p for a, p in aliases.items()})
        self.sets = {}                                   # name -> (parameters, mandatory, positional)
        for set_name, indices in entry.get('sets', {}).items():
            members = {names[i if i >= 0 else -i - 1] for i in indices} | set(implied)
            mandatory = {names[-i - 1] for i in indices if i < 0}
            positional = [names[i] for i in entry.get('positional', {}).get(set_name, [])]
            self.sets[set_name] = (members, mandatory, positional)

    def resolve(self, raw):
        """Return (parameter, note) for a -Name as written; raise CheckError if unknown or ambiguous."""
        low = raw.lower()
        if low in self.lookup:
            return self.lookup[low], None
        matches = sorted({p for key, p in self.lookup.items() if key.startswith(low)})
        if len(matches) == 1:
            return matches[0], '-%s is short for -%s' % (raw, matches[0])
        if matches:
            raise CheckError('%s: parameter -%s is ambiguous (%s)'
                             % (self.name, raw, ', '.join('-' + m for m in matches)))
        near = difflib.get_close_matches(low, list(self.lookup), n=3)
        hint = ' (did you mean: %s?)' % ', '.join('-' + self.lookup[x] for x in near) if near else ''
        raise CheckError('%s: unknown parameter -%s%s' % (self.name, raw, hint))


def split_on(tokens, text):
    parts, cur = [], []
    for t in tokens:
        if t.kind == 'OP' and t.text == text:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    return parts + [cur]


def arguments(tokens):
    """Group a command's tokens into arguments: tokens without whitespace between them
    form one argument, and commas join arguments into one array argument."""
    args, join = [], False
    for t in tokens:
        if t.kind == 'OP' and t.text == ',':
            join = True
        elif args and (join or not t.space):
            args[-1].append(t)
            join = False
        else:
            args.append([t])
    return args


class PsChecker:

    def __init__(self, data_path):
        with open(data_path, encoding='utf-8') as f:
            data = json.load(f)
        self.meta = data['_meta']
        self.entries = data['cmdlets']
        self.names = {name.lower(): name for name in self.entries}
        for name, entry in self.entries.items():
            for alias in entry.get('cmdlet_aliases', []):
                self.names.setdefault(alias.lower(), name)
        self.cmdlets = {}

    def cmdlet(self, name):
        if name not in self.cmdlets:
            self.cmdlets[name] = Cmdlet(name, self.entries[name], self.meta)
        return self.cmdlets[name]

    def check(self, text):
        """Check one flow command; return notes, raise CheckError if BAD."""
        notes = {'unchecked': [], 'other': []}
        self._code(text, notes)
        out = list(dict.fromkeys(notes['other']))
        if notes['unchecked']:
            out.append('not in the cmdlet data, not checked: ' + ', '.join(dict.fromkeys(notes['unchecked'])))
        return out

    def _code(self, text, notes):
        tokens = tokenize(text)
        for t in tokens:
            self._nested(t, notes)
        for statement in split_on(tokens, ';'):
            pipeline = split_on(statement, '|')
            for k, segment in enumerate(pipeline):
                if not segment and len(pipeline) > 1:
                    raise CheckError('empty pipeline element')
                if k == 0 and segment and (segment[0].kind == 'VAR' or segment[0].text.startswith('[')):
                    for idx, t in enumerate(segment):       # $x = <command>
                        if t.kind == 'OP' and t.text in ASSIGNMENT_OPS:
                            segment = segment[idx + 1:]
                            break
                self._command(segment, k > 0, notes)

    def _nested(self, token, notes):
        """Check the code inside a token: groups, script blocks, "$(...)" in strings."""
        if token.kind == 'STR':
            if token.text[0] in QUOTES['"'] and ODATA_VARIABLE.search(token.text):
                name = ODATA_VARIABLE.search(token.text).group(0)
                raise CheckError('PowerShell expands %s inside double quotes; write `%s or use single quotes'
                                 % (name, name))
            for code in token.inner:
                self._code(code, notes)
        elif token.kind == 'GROUP':
            opener, inner = token.inner
            if opener == '@{':                               # hashtable: only nested code is checked
                for t in tokenize(inner):
                    self._nested(t, notes)
            elif opener != '[':                              # [type] or [index]
                self._code(inner, notes)

    def _command(self, segment, piped, notes):
        if not segment or segment[0].kind != 'WORD':
            return                                           # expression, variable, & $dynamic, ...
        name = segment[0].text.split('\\')[-1]              # Module\Cmdlet
        if (name.lower() in KEYWORDS and not piped) or not re.match(r'^[A-Za-z%?]', name):
            return
        canonical = self.names.get(name.lower())
        if canonical is None:
            if RETIRED.match(name):
                raise CheckError('%s belongs to a retired module (AzureAD, MSOnline, AzureRM); use Microsoft '
                                 'Graph PowerShell (*-Mg*) or Az PowerShell instead' % name)
            if CHECKED_FAMILY.match(name):
                near = difflib.get_close_matches(name.lower(), list(self.names), n=3, cutoff=0.8)
                hint = ' (did you mean: %s?)' % ', '.join(self.names[x] for x in near) if near else ''
                raise CheckError('unknown cmdlet %s%s' % (name, hint))
            notes['unchecked'].append(name)
            return
        self._parameters(self.cmdlet(canonical), segment[1:], piped, notes)

    def _parameters(self, cmd, tokens, piped, notes):
        named, positional, splat = [], [], False
        args = arguments(tokens)
        i = 0
        while i < len(args):
            arg = args[i]
            first = arg[0]
            i += 1
            if first.kind == 'REDIR':
                if len(arg) == 1 and not first.text.endswith(('&1', '&2')):
                    i += 1                                   # > file
                continue
            if first.kind == 'SPLAT':
                splat = True
                continue
            if first.kind != 'PARAM':
                positional.append(arg)
                continue
            param, note = cmd.resolve(first.text[1:].rstrip(':'))
            if note:
                notes['other'].append(note)
            colon = first.text.endswith(':')
            if len(arg) > 1:
                pass                                         # -Name:value
            elif param not in cmd.switches or colon:
                if i < len(args) and args[i][0].kind not in ('PARAM', 'REDIR'):
                    i += 1
                elif param not in cmd.switches:
                    raise CheckError('%s: missing an argument for parameter -%s' % (cmd.name, param))
            if param in cmd.common:
                continue
            if param in named:
                raise CheckError('%s: parameter -%s is given more than once' % (cmd.name, param))
            named.append(param)
        if not cmd.sets:
            return
        sets = {k: v for k, v in cmd.sets.items() if set(named) <= v[0]}
        if not sets:
            raise CheckError('%s: no parameter set has all of %s'
                             % (cmd.name, ', '.join('-' + p for p in named)))
        if splat:
            return
        missing = {}
        for set_name, (_members, mandatory, positions) in sets.items():
            free = [p for p in positions if p not in named]
            if len(positional) <= len(free):
                missing[set_name] = mandatory - set(named) - set(free[:len(positional)])
        if not missing:
            extra = ' '.join(''.join(t.text for t in a) for a in positional)
            raise CheckError('%s: no parameter set takes the positional argument(s) %s'
                             % (cmd.name, extra[:80]))
        if not piped and all(missing.values()):
            set_name = min(missing, key=lambda k: len(missing[k]))
            raise CheckError('%s: missing mandatory parameter(s) %s (parameter set %s)'
                             % (cmd.name, ', '.join('-' + p for p in sorted(missing[set_name])), set_name))


def one_line(text):
    """The command on one line: continuations joined, other line breaks shown as '; '."""
    text = re.sub(r'`[ \t]*\r?\n', ' ', text.strip())
    return ' '.join(re.sub(r'([^|\s])[ \t]*\r?\n', r'\1;\n', text).split())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    ap.add_argument('files', nargs='+', help='flow YAML files')
    ap.add_argument('--quiet', action='store_true', help='print only BAD lines')
    ap.add_argument('--data', default=DATA, help='cmdlet data (default: %(default)s)')
    args = ap.parse_args()
    checker = PsChecker(args.data)
    count = bad = 0
    for path in args.files:
        for line, text in flow_commands(path, 'powershell'):
            count += 1
            try:
                status, reason = 'OK', '; '.join(checker.check(text))
            except CheckError as ex:
                status, reason = 'BAD', str(ex)
                bad += 1
            if status == 'OK' and args.quiet:
                continue
            print('%s %s%s  @%s:%d' % (status, one_line(text), ' -- ' + reason if reason else '', path, line))
    sys.stdout.flush()
    sys.stderr.write('check_ps: %d PowerShell commands checked, %d BAD\n' % (count, bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
