#!/usr/bin/env python3
"""Check the Azure CLI commands of flow files against the real `az` argument parser.

    $AZ_VENV/bin/python tools/check_az.py [--quiet] flows/*.yaml

Every `command:` with `shell: az` in a flow file (`nodes.<id>.checks[]` and
`nodes.<id>.commands[]`) is split into words the way bash would split it, and
each `az` call in it (including calls inside `$(...)`) is parsed by the
argument parser of the installed azure-cli (2.91.0), with the command table
and arguments loaded exactly as `az` loads them. Nothing is executed, no
validator runs, no file is read and no network connection is made.

Reported as BAD: unknown command groups, commands and options (abbreviated
options included, with "did you mean"), options missing their value, values
outside an option's choices (`-o tabel`), values of the wrong type, invalid
JMESPath in `--query`, missing required arguments (the `--ids` alternative
included), unbalanced quotes or parentheses, and an unescaped `$filter`-style
OData option that bash would expand to an empty string. Placeholders
(`<app-id>`) are replaced by a harmless value of the placeholder's kind
(a GUID, a UPN, a domain or `placeholder`) before parsing.

Output: `OK <command>  @file:line` or `BAD <command> -- <reason>  @file:line`,
then a summary line on stderr. Exit status: 0 all OK, 1 some BAD, 2 usage error.

azure-cli lives in a venv ($AZ_VENV, default ~/.cache/aadsts-wizard/azvenv,
created by .ci/check-commands). Started with another Python, the script
re-executes itself with the venv's Python.
"""

import argparse
import difflib
import logging
import os
import re
import shlex
import shutil
import socket
import sys
import tempfile
import time

AZ_VENV = os.environ.get('AZ_VENV') or os.path.expanduser('~/.cache/aadsts-wizard/azvenv')

# Values that replace <placeholder>s, by the placeholder's declared kind.
PLACEHOLDER = re.compile(r'<([A-Za-z][\w.-]*)>')
VALUE_OF_KIND = {'guid': '00000000-0000-0000-0000-000000000001',
                 'upn': 'user@contoso.com',
                 'domain': 'contoso.com',
                 'tenant': '00000000-0000-0000-0000-000000000001'}
DEFAULT_VALUE = 'placeholder'
# What `$(...)` and `$VAR` stand for: a value the user's shell supplies.
SHELL_VALUE = 'placeholder'
PLACEHOLDER_VALUES = set(VALUE_OF_KIND.values()) | {DEFAULT_VALUE, SHELL_VALUE}
SHELL_VARIABLE = re.compile(r'\$(?:\{(\w+)\}|([A-Za-z_]\w*))')
FD_NUMBER = re.compile(r'\d+(?=[<>])')                # the 2 of 2>/dev/null
# OData system query options: "$filter" in a bash string is an (empty) variable.
ODATA_OPTIONS = {'filter', 'select', 'top', 'expand', 'orderby', 'search', 'skip', 'skiptoken',
                 'count', 'ref', 'apply', 'format'}


class CheckError(Exception):
    """A reason to report a command as BAD."""


# ---------------------------------------------------------------------------
# Flow files
# ---------------------------------------------------------------------------

def flow_commands(path, shell):
    """Yield (line, command, placeholder kinds) for each `shell` command of a flow file."""
    from flowfile import flow_commands as read  # the script's folder is on sys.path
    return read(path, shell)


# ---------------------------------------------------------------------------
# Bash words
# ---------------------------------------------------------------------------

def _closing_paren(text, i):
    """text[i - 1] is the '(' of '$('; return the index of the matching ')'."""
    depth, quote = 1, None
    while i < len(text):
        c = text[i]
        if quote:
            if c == '\\' and quote == '"':
                i += 1
            elif c == quote:
                quote = None
        elif c == '\\':
            i += 1
        elif c in '\'"':
            quote = c
        elif c == '(':
            depth += 1
        elif c == ')':
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise CheckError("unbalanced '$(': no closing ')'")


def _expansions(text):
    """Resolve what shlex does not know about bash before it splits words.

    Line continuations are joined, unquoted newlines become ';', comments go,
    `\\$` and `\\`` inside double quotes lose their backslash (as in bash),
    `2>` loses its file descriptor number, and each `$(...)`, `...` and
    `$VAR` is replaced by SHELL_VALUE. Returns (text for shlex, list of the
    command substitutions' texts).
    """
    out, subs = [], []
    quote = None
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if quote == "'":
            quote = None if c == "'" else quote
            out.append(c)
            i += 1
            continue
        if c == '\\':
            nxt = text[i + 1:i + 2]
            if nxt == '\n':
                i += 2
            elif quote == '"' and nxt in ('$', '`'):
                out.append(nxt)
                i += 2
            else:
                out.append(text[i:i + 2])
                i += 2
            continue
        if c == '$' and text.startswith('$(', i):
            end = _closing_paren(text, i + 2)
            subs.append(text[i + 2:end])
            out.append(SHELL_VALUE)
            i = end + 1
            continue
        if c == '`':
            end = text.find('`', i + 1)
            if end < 0:
                raise CheckError('unbalanced backquote')
            subs.append(text[i + 1:end])
            out.append(SHELL_VALUE)
            i = end + 1
            continue
        m = SHELL_VARIABLE.match(text, i) if c == '$' else None
        if m:
            name = m.group(1) or m.group(2)
            if name in ODATA_OPTIONS:
                raise CheckError('bash expands $%s to an empty string here; write \\$%s' % (name, name))
            out.append(SHELL_VALUE)
            i = m.end()
            continue
        word_start = not out or out[-1] in ' \t;|&'
        if quote is None and word_start:
            if c == '#':
                end = text.find('\n', i)
                i = n if end < 0 else end
                continue
            m = FD_NUMBER.match(text, i)
            if m:
                i = m.end()
                continue
        if quote is None and c == '\n':
            c = ';'
        elif c == '"':
            quote = None if quote == '"' else '"'
        elif c == "'" and quote is None:
            quote = "'"
        out.append(c)
        i += 1
    if quote:
        raise CheckError('unbalanced quotes: no closing %s' % quote)
    return ''.join(out), subs


def az_calls(text, kinds):
    """Return the argument lists (words after `az`) of every az call in a bash command."""
    text = PLACEHOLDER.sub(lambda m: VALUE_OF_KIND.get(kinds.get(m.group(1)), DEFAULT_VALUE), text)
    text, subs = _expansions(text)
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ''
    try:
        tokens = list(lexer)
    except ValueError as ex:
        raise CheckError('unbalanced quotes (%s)' % ex) from ex

    calls, words, skip, depth = [], [], False, 0
    for tok in tokens + [';']:
        if tok and all(ch in lexer.punctuation_chars for ch in tok):
            if '<' in tok or '>' in tok:
                skip = True                 # redirection: drop its target
                continue
            for ch in tok:                  # ( ... ) subshells
                if (ch == '(' and words) or (ch == ')' and depth == 0):
                    raise CheckError("bash syntax error near unexpected '%s'" % ch)
                depth += {'(': 1, ')': -1}.get(ch, 0)
            if words and words[0] == 'az':
                calls.append(words[1:])
            words = []
            continue
        if skip:
            skip = False
        elif words or not re.match(r'^[A-Za-z_]\w*=', tok):   # VAR=value prefixes
            words.append(tok)
    if depth:
        raise CheckError("unbalanced brackets: '(' without ')'")
    for sub in subs:
        calls += az_calls(sub, kinds)
    return calls


# ---------------------------------------------------------------------------
# The az parser
# ---------------------------------------------------------------------------

def _checking_parser_class(base):
    """The az parser class, changed to raise CheckError instead of printing and exiting."""

    class CheckingParser(base):

        def __init__(self, *args, **kwargs):
            kwargs.setdefault('allow_abbrev', False)   # `--resource-g` is reported, not guessed
            super().__init__(*args, **kwargs)

        def error(self, message):
            raise CheckError(message)

        validation_error = error

        def exit(self, status=0, message=None):
            raise CheckError(message or 'az would exit with status %s' % status)

        def _check_value(self, action, value):
            if action.choices is not None and value not in action.choices:
                name = action.option_strings[0] if action.option_strings else action.dest
                choices = [str(c) for c in action.choices]
                shown = ', '.join(choices[:20]) + (', ...' if len(choices) > 20 else '')
                raise CheckError("'%s' is not a valid value for %s (allowed: %s)" % (value, name, shown))

        @staticmethod
        def _expand_prefixed_files(args):
            return args                                # never read `@file` arguments

    return CheckingParser


class AzCli:
    """The azure-cli command table and one argument parser per command, built as `az` builds them."""

    def __init__(self):
        from azure.cli.core import __version__, get_default_cli
        self.version = __version__
        self.cli = cli = get_default_cli()
        self.invocation = cli.invocation_cls(cli_ctx=cli, parser_cls=cli.parser_cls,
                                             commands_loader_cls=cli.commands_loader_cls,
                                             help_cls=cli.help_cls)
        cli.invocation = self.invocation
        self.loader = self.invocation.commands_loader
        self.loader.load_command_table(None)           # every module: the whole command table
        self.commands = dict(self.loader.command_table)
        self.children = {}                             # group -> names of its subgroups and commands
        for name in list(self.commands) + list(self.loader.command_group_table):
            words = name.split()
            for k, word in enumerate(words):
                self.children.setdefault(' '.join(words[:k]), set()).add(word)
        self.parser_class = _checking_parser_class(cli.parser_cls)
        self.parsers = {}

    def find_command(self, args):
        """Return the command that args start with (longest match), or raise CheckError."""
        words = []
        for arg in args:
            if arg.startswith('-'):
                break
            words.append(arg)
        for k in range(len(words), 0, -1):
            if ' '.join(words[:k]) in self.commands:
                return ' '.join(words[:k])
        k = 0
        while k < len(words) and words[k] in self.children.get(' '.join(words[:k]), ()):
            k += 1
        group = ' '.join(words[:k])
        where = "'az %s'" % group if group else "'az'"
        if k == len(words):
            raise CheckError('%s is a command group, not a command' % where)
        near = difflib.get_close_matches(words[k], sorted(self.children.get(group, ())), n=3)
        hint = ('did you mean: %s?' % ', '.join(near) if near else
                'azure-cli %s has no such command; extension commands cannot be checked' % self.version)
        raise CheckError("'%s' is not a command or group in %s (%s)" % (words[k], where, hint))

    def parser(self, command):
        """Return (top-level parser, command's subparser), loading the command's arguments once."""
        if command not in self.parsers:
            from knack.events import EVENT_INVOKER_POST_CMD_TBL_CREATE
            from azure.cli.core.commands.events import (
                EVENT_INVOKER_POST_LOAD_ARGUMENTS, EVENT_INVOKER_PRE_LOAD_ARGUMENTS)
            cli, loader, inv = self.cli, self.loader, self.invocation
            # What AzCliCommandInvoker.execute does between finding the command and parsing.
            loader.command_table = {command: self.commands[command]}
            loader.command_name = command
            inv.data['command_string'] = command
            cli.raise_event(EVENT_INVOKER_PRE_LOAD_ARGUMENTS, commands_loader=loader)
            loader.load_arguments(command)
            cli.raise_event(EVENT_INVOKER_POST_LOAD_ARGUMENTS, commands_loader=loader)
            cli.raise_event(EVENT_INVOKER_POST_CMD_TBL_CREATE, commands_loader=loader)
            top = self.parser_class(cli_ctx=cli, cli_help=inv.help, prog='az',
                                    parents=[inv._global_parser])
            top.load_command_table(loader)
            self.parsers[command] = (top, top.subparser_map[command])
        return self.parsers[command]

    def check(self, args):
        """Check one az call (the words after `az`). Return notes; raise CheckError if BAD."""
        from knack.events import EVENT_INVOKER_POST_PARSE_ARGS
        if args in ([], ['--version'], ['-h'], ['--help']):
            return []
        command = self.find_command(args)
        top, sub = self.parser(command)
        options = sub._option_string_actions
        for arg in args[len(command.split()):]:
            if arg == '--':
                break
            opt = arg.split('=', 1)[0]
            if re.match(r'^--?[A-Za-z]', opt) and opt not in options and opt[:2] not in options:
                raise CheckError(self._unknown_option(command, opt, options))
        if '-h' in args or '--help' in args:
            return []
        try:
            namespace = top.parse_args(list(args))
        except CheckError:
            raise
        except Exception as ex:
            raise CheckError(str(ex).strip() or type(ex).__name__) from ex
        try:
            # --output/--query bookkeeping and the `--ids | --name --resource-group` check
            self.cli.raise_event(EVENT_INVOKER_POST_PARSE_ARGS, command=namespace.command, args=namespace)
        except Exception as ex:
            ids = getattr(namespace, 'ids', None) or getattr(namespace, '_ids', None) or []
            if not PLACEHOLDER_VALUES.intersection(ids):   # a placeholder is no resource ID to take apart
                raise CheckError(str(ex).strip() or type(ex).__name__) from ex
        return self._deprecations(command, namespace)

    @staticmethod
    def _unknown_option(command, opt, options):
        public = sorted(o for o, a in options.items() if a.help != argparse.SUPPRESS)
        longer = [o for o in public if o.startswith(opt)] if opt.startswith('--') else []
        if len(longer) == 1:
            return "option '%s' is an abbreviation of '%s'; spell it out" % (opt, longer[0])
        msg = "unknown option '%s' for 'az %s'" % (opt, command)
        near = difflib.get_close_matches(opt, public, n=3)
        return msg + (' (did you mean: %s?)' % ', '.join(near) if near else '')

    def _deprecations(self, command, namespace):
        from knack.deprecation import Deprecated
        tags = list(getattr(namespace, '_argument_deprecations', []) or [])
        tags.append(self.commands[command].deprecate_info)
        notes = []
        for tag in tags:
            if isinstance(tag, Deprecated):
                text = str(tag.message).replace('WARNING: ', '', 1)
                if text not in notes:
                    notes.append(text)
        return notes


# ---------------------------------------------------------------------------
# Running offline, in the venv
# ---------------------------------------------------------------------------

def use_venv():
    """Re-execute with the venv's Python unless azure-cli is importable here."""
    try:
        import azure.cli.core  # noqa: F401 (only: is it there?)
        return
    except ImportError:
        pass
    python = os.path.join(AZ_VENV, 'bin', 'python')
    if os.path.exists(python) and os.path.realpath(sys.prefix) != os.path.realpath(AZ_VENV):
        os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])
    sys.stderr.write('check_az: azure-cli is not installed; run .ci/check-commands once, or set AZ_VENV '
                     'to a venv holding azure-cli (now %s)\n' % AZ_VENV)
    sys.exit(2)


def go_offline():
    """Throw-away config dir, no telemetry, no extensions, no sockets. Returns the config dir."""
    config = tempfile.mkdtemp(prefix='check-az-')
    os.environ.update({'AZURE_CONFIG_DIR': config,
                       'AZURE_EXTENSION_DIR': os.path.join(config, 'extensions'),
                       'AZURE_CORE_COLLECT_TELEMETRY': 'false',
                       'AZURE_CORE_NO_COLOR': 'true',
                       'AZURE_CORE_ONLY_SHOW_ERRORS': 'true',
                       'AZURE_CORE_SURVEY_MESSAGE': 'false',
                       'AZURE_EXTENSION_USE_DYNAMIC_INSTALL': 'no'})
    for name in ('cli', 'azure', 'knack', 'msal', 'urllib3'):
        logging.getLogger(name).disabled = True

    def refuse(*_args, **_kwargs):
        raise OSError('check_az works offline')

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    return config


def check_command(az, text, kinds):
    """Return (status, reason) for one flow command."""
    try:
        calls = az_calls(text, kinds)
        if not calls:
            raise CheckError('no az call found')
        notes = []
        for args in calls:
            notes += az.check(args)
    except CheckError as ex:
        return 'BAD', ' '.join(str(ex).split())
    return 'OK', ' '.join('; '.join(dict.fromkeys(notes)).split())


def one_line(text):
    """The command on one line: continuations joined, other line breaks shown as '; '."""
    lines = text.replace('\\\n', ' ').strip().splitlines()
    return '; '.join(' '.join(line.split()) for line in lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    ap.add_argument('files', nargs='+', help='flow YAML files')
    ap.add_argument('--quiet', action='store_true', help='print only BAD lines')
    args = ap.parse_args()
    use_venv()
    config = go_offline()
    try:
        start = time.time()
        items = [(path, line, text, kinds) for path in args.files
                 for line, text, kinds in flow_commands(path, 'az')]
        az = AzCli()
        results, bad = {}, 0
        for path, line, text, kinds in items:
            key = (text, tuple(sorted(kinds.items())))
            if key not in results:
                results[key] = check_command(az, text, kinds)
            status, reason = results[key]
            bad += status == 'BAD'
            if status == 'OK' and args.quiet:
                continue
            print('%s %s%s  @%s:%d' % (status, one_line(text), ' -- ' + reason if reason else '', path, line))
        sys.stdout.flush()
        sys.stderr.write('check_az: %d az commands checked, %d BAD (azure-cli %s, %.1f s)\n'
                         % (len(items), bad, az.version, time.time() - start))
        return 1 if bad else 0
    finally:
        shutil.rmtree(config, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
