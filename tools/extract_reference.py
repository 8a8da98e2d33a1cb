#!/usr/bin/env python3
"""Extract (code, official name) pairs from Microsoft's AADSTS reference page text.

Usage: tools/extract_reference.py SEED.txt > tests/fixtures/reference_codes.tsv
Only facts are kept: the code number and the identifier-style name where the table gives one.
"""
import re
import sys

text = open(sys.argv[1], encoding="utf-8").read()
body = text[text.index("AADSTS error codes"):text.index("Next steps")]
seen = {}
for part in re.split(r"(?=\bAADSTS\d+\b)", body):
    m = re.match(r"AADSTS(\d+)\s*(.*)", part, re.S)
    if not m or seen.get(m.group(1)):
        continue
    rest = m.group(2).strip()
    name = ""
    # A name is one CamelCase identifier, followed by " - ", a glued "-", or nothing.
    nm = re.match(r"([A-Za-z][A-Za-z0-9_]*)(\s*-\s|-|\s*$)", rest)
    if nm and re.search(r"[a-z0-9][A-Z]", nm.group(1)):
        name = nm.group(1)
    seen[m.group(1)] = name
print("# code\tname (facts from Microsoft's AADSTS reference table; empty where it gives none)")
for code, name in seen.items():
    print(f"{code}\t{name}")
