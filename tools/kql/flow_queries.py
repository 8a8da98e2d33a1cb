#!/usr/bin/env python3
"""Write every `shell: kql` command of flow files as a .kql file for check_kql.js.

Usage: flow_queries.py OUTDIR FILE.yaml...

Each query is written to OUTDIR/<file>:<line>.kql (slashes become `__`), its placeholders
filled with a sample value the way the tool fills them: inside a '...' or "..." string the bare
text, elsewhere a whole '...' string literal. The name keeps the flow file and line, so a
diagnostic points back to the flow. Prints how many queries it wrote.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from flowfile import flow_commands  # noqa: E402

SLOT = re.compile(r'<([a-z][a-z0-9-]*)>')


def in_string(text, at):
    """Whether byte `at` of a KQL query sits inside a string literal."""
    quote, escaped, verbatim, i = None, False, False, 0
    while i < at:
        c = text[i]
        if quote:
            if escaped:
                escaped = False
            elif c == '\\' and not verbatim:
                escaped = True
            elif c == quote:
                quote = None
        elif c in '\'"':
            quote, verbatim = c, i > 0 and text[i - 1] == '@'
        elif text.startswith('//', i):
            nl = text.find('\n', i)
            i = at if nl < 0 else nl
        i += 1
    return quote is not None


def fill(text):
    out, last = [], 0
    for m in SLOT.finditer(text):
        out.append(text[last:m.start()])
        sample = 'sample-' + m.group(1)
        out.append(sample if in_string(text, m.start()) else "'%s'" % sample)
        last = m.end()
    out.append(text[last:])
    return ''.join(out)


def main(args):
    if len(args) < 2:
        sys.stderr.write(__doc__)
        return 2
    outdir, n = args[0], 0
    for path in args[1:]:
        for line, command, _kinds in flow_commands(path, 'kql'):
            name = '%s:%d.kql' % (path.replace('/', '__'), line)
            with open(os.path.join(outdir, name), 'w', encoding='utf-8') as f:
                f.write(fill(command))
            n += 1
    print(n)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
