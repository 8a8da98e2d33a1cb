#!/usr/bin/env python3
"""Self-test of tools/check_az.py and tools/check_ps.py on the fixtures in tools/fixtures/.

Each fixture command's title says what the checker must report for it:
`expect OK: ...`, or `expect BAD [text]: ...` where the reason must contain `text`
(an OK expectation may carry `[text]` too, for the note on its line).
Run it with tools/test_checkers.sh, which picks the azure-cli venv's Python.
"""

import os
import re
import subprocess
import sys
import unittest

import yaml

TOOLS = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(TOOLS, 'fixtures')
EXPECT = re.compile(r'^expect (OK|BAD)(?: \[(.*?)\])?:')
RESULT = re.compile(r'^(OK|BAD) (.*?)(?: -- (.*))?  @(.+):(\d+)$')


def expectations(path, shell):
    """{(path, line): (status, text, title)} for the fixture's commands with this shell."""
    with open(path, encoding='utf-8') as f:
        root = yaml.compose(f, Loader=yaml.SafeLoader)
    found = {}

    def visit(node):
        if isinstance(node, yaml.SequenceNode):
            for item in node.value:
                visit(item)
        elif isinstance(node, yaml.MappingNode):
            fields = {k.value: v for k, v in node.value}
            if 'command' in fields and fields['shell'].value == shell:
                cmd = fields['command']
                title = fields['title'].value
                m = EXPECT.match(title)
                status, text = m.groups() if m else ('OK', None)
                found[(path, cmd.start_mark.line + 1 + (cmd.style in ('|', '>')))] = (status, text, title)
            for _k, v in node.value:
                visit(v)

    visit(root)
    return found


def run(checker, *args):
    """Run a checker; return (exit status, {(path, line): (status, reason)}, its output)."""
    proc = subprocess.run([sys.executable, os.path.join(TOOLS, checker)] + list(args),
                          capture_output=True, text=True, check=False)
    results = {}
    for line in proc.stdout.splitlines():
        m = RESULT.match(line)
        if not m:
            raise AssertionError('%s printed an unexpected line: %r\nstderr: %s'
                                 % (checker, line, proc.stderr))
        results[(m.group(4), int(m.group(5)))] = (m.group(1), m.group(3) or '')
    return proc.returncode, results, proc.stdout + proc.stderr


class CheckerTest:
    """The tests of one checker; subclasses set CHECKER, FIXTURE and SHELL.
    The az checker needs seconds to load azure-cli, so each test runs it only once."""
    CHECKER = FIXTURE = SHELL = None

    def test_each_command_as_expected_and_exit_status_1(self):
        paths = [os.path.join(FIXTURES, self.FIXTURE), os.path.join(FIXTURES, 'ok.yaml')]
        expected = {k: v for p in paths for k, v in expectations(p, self.SHELL).items()}
        status, results, output = run(self.CHECKER, *paths)
        self.assertEqual(status, 1, output)
        self.assertEqual(sorted(results), sorted(expected),
                         'the checked lines differ from the fixture commands\n' + output)
        for where, (want, text, title) in expected.items():
            with self.subTest(where='%s:%d' % where, title=title):
                got, reason = results[where]
                self.assertEqual(got, want, reason)
                if text:
                    self.assertIn(text, reason)

    def test_quiet_and_exit_status_0_when_all_ok(self):
        status, results, output = run(self.CHECKER, '--quiet', os.path.join(FIXTURES, 'ok.yaml'))
        self.assertEqual((status, results), (0, {}), output)


class AzTest(CheckerTest, unittest.TestCase):
    CHECKER, FIXTURE, SHELL = 'check_az.py', 'az.yaml', 'az'


class PsTest(CheckerTest, unittest.TestCase):
    CHECKER, FIXTURE, SHELL = 'check_ps.py', 'ps.yaml', 'powershell'


if __name__ == '__main__':
    unittest.main()
