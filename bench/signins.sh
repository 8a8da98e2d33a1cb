#!/usr/bin/env bash
# Benchmark of `aadsts-wizard signins` (issue 20): on a synthetic export of 1,000,000 Graph
# sign-in events as JSON lines (about 1 GB, made by bench/gen_signins.py in /tmp, never in
# git), time in one run the tool's summary by code against jq doing the same group-by
# (streaming `reduce`), DuckDB (`read_json` + `GROUP BY`, from PyPI in a cached venv) and
# `wc -l` (the floor: reading the file once). Prints wall time, CPU time and peak RSS
# (/usr/bin/time -v) next to the targets, with the load average (1 minute) just before each
# run, checks that all three counts agree with the generator's, and writes
# bench/signins-results.md. The tool, DuckDB and `wc -l` run --repeat times (default 5, taken
# in turns) and their median is reported with the range of wall times, since a shared VM's
# timings vary by a third from one run to the next; jq (half a minute) runs once.
#
# Usage: bench/signins.sh [--events N] [--file PATH] [--repeat N] [--no-write]
# Needs: cargo, python3, jq, /usr/bin/time (GNU time), pip access for duckdb on the first run.
# Exit: 0 when every figure was measured (met or not: a report), 1 when one could not be.
set -uo pipefail
cd "$(dirname "$0")/.."

EVENTS=1000000
FILE=""
WRITE=1
REPEAT=5
while [ $# -gt 0 ]; do
  case "$1" in
    --events) EVENTS="$2"; shift 2 ;;
    --file) FILE="$2"; shift 2 ;;
    --repeat) REPEAT="$2"; shift 2 ;;
    --no-write) WRITE=0; shift ;;
    -h|--help) sed -n 2,18p "$0"; exit 0 ;;
    *) echo "bench/signins.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
case "$REPEAT" in ''|*[!0-9]*|0) echo "bench/signins.sh: --repeat wants a positive number" >&2; exit 2 ;; esac
FILE="${FILE:-/tmp/aadsts-signins-${EVENTS}.jsonl}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/aadsts-wizard"
VENV="$CACHE/bench-venv"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/aadsts-wizard"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

for tool in python3 jq; do
  command -v "$tool" >/dev/null || { echo "bench/signins.sh: $tool is required" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench/signins.sh: GNU time (/usr/bin/time) is required (apt-get install time)" >&2; exit 1; }

echo "== build (cargo build --release --locked)" >&2
cargo build --release --locked >&2 || { echo "bench/signins.sh: build failed" >&2; exit 1; }

if [ ! -s "$FILE" ] || [ ! -s "$FILE.counts.json" ]; then
  echo "== generating $EVENTS events into $FILE" >&2
  python3 bench/gen_signins.py "$FILE" --events "$EVENTS" || exit 1
fi

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
  echo "== installing duckdb into $VENV" >&2
  mkdir -p "$CACHE"
  python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet duckdb >&2 ||
    echo "bench/signins.sh: could not install duckdb; its row is NOT MEASURED" >&2
fi

echo "== warming the page cache" >&2
cat "$FILE" >/dev/null

# run NAME I CMD...: time one command (the I-th run of NAME); stdout to $WORK/NAME.I.out,
# /usr/bin/time -v to $WORK/NAME.I.time, the 1-minute load average before it to $WORK/NAME.I.load.
run() {
  local name="$1" i="$2"; shift 2
  echo "== $name ($i)" >&2
  cut -d' ' -f1 /proc/loadavg >"$WORK/$name.$i.load"
  /usr/bin/time -v -o "$WORK/$name.$i.time" "$@" >"$WORK/$name.$i.out" 2>"$WORK/$name.$i.err"
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "bench/signins.sh: $name failed (exit $rc): $(head -c 300 "$WORK/$name.$i.err")" >&2
    : >"$WORK/$name.$i.time"
  fi
}

cat >"$WORK/duck.py" <<'PY'
import json, sys
import duckdb
rows = duckdb.sql(
    "SELECT CAST(status.errorCode AS VARCHAR) AS code, count(*) AS n "
    f"FROM read_json('{sys.argv[1]}', format = 'newline_delimited') "
    "WHERE status.errorCode <> 0 GROUP BY 1"
).fetchall()
print(json.dumps({c: n for c, n in rows}))
PY

run jq 1 jq -n -c 'reduce (inputs | .status.errorCode | select(. != 0) | tostring) as $c ({}; .[$c] += 1)' "$FILE"
# The others in turns, so that a busy spell of the machine spreads over all of them.
for i in $(seq "$REPEAT"); do
  run wc "$i" wc -l "$FILE"
  run tool "$i" "$BIN" signins "$FILE" --include-expected --json
  if [ -x "$VENV/bin/python" ]; then
    run duckdb "$i" "$VENV/bin/python" "$WORK/duck.py" "$FILE"
  fi
done

python3 - "$WORK" "$FILE" "$WRITE" "$EVENTS" "$REPEAT" <<'EOF'
import json, os, platform, re, statistics, sys
work, path, write, events, repeat = sys.argv[1], sys.argv[2], sys.argv[3] == "1", int(sys.argv[4]), int(sys.argv[5])

def one(name, i):
    """Wall, CPU, peak RSS and the load before one run, or None when it failed."""
    try:
        t = open(os.path.join(work, f"{name}.{i}.time")).read()
    except OSError:
        return None
    def get(label):
        m = re.search(re.escape(label) + r":\s*(.+)", t)
        return m.group(1).strip() if m else None
    wall = get("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    if not wall:
        return None
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    try:
        load = float(open(os.path.join(work, f"{name}.{i}.load")).read().strip())
    except (OSError, ValueError):
        load = float("nan")
    return {"wall": secs, "cpu": float(get("User time (seconds)")) + float(get("System time (seconds)")),
            "rss_mb": int(get("Maximum resident set size (kbytes)")) * 1024 / 1e6, "load": load}

def fig(name, n):
    """The median of a command's runs (None if any failed), with the range of wall times."""
    runs = [one(name, i) for i in range(1, n + 1)]
    if not runs or any(r is None for r in runs):
        return None
    med = lambda k: statistics.median(r[k] for r in runs)
    return {"wall": med("wall"), "cpu": med("cpu"), "rss_mb": max(r["rss_mb"] for r in runs),
            "wall_min": min(r["wall"] for r in runs), "wall_max": max(r["wall"] for r in runs),
            "load_min": min(r["load"] for r in runs), "load_max": max(r["load"] for r in runs)}

def counts(name, n):
    """The counts of the runs; None unless every run gave the same."""
    seen = []
    for i in range(1, n + 1):
        try:
            text = open(os.path.join(work, f"{name}.{i}.out")).read()
            if name == "tool":
                seen.append({r["key"]: r["count"] for r in json.loads(text)["rows"]})
            else:
                seen.append({k: int(v) for k, v in json.loads(text).items()})
        except (OSError, ValueError, KeyError):
            return None
    return seen[0] if seen and all(x == seen[0] for x in seen) else None

runs = {"tool": repeat, "jq": 1, "duckdb": repeat, "wc": repeat}
want = {k: v for k, v in json.load(open(path + ".counts.json")).items() if k != "0"}
f = {n: fig(n, k) for n, k in runs.items()}
c = {n: counts(n, runs[n]) for n in ["tool", "jq", "duckdb"]}
size = os.path.getsize(path)
ok = True
lines = []
def out(s=""):
    lines.append(s)
    print(s)
load = os.getloadavg()
cpu = "?"
try:
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
except (OSError, StopIteration):
    pass
out(f"# `signins` benchmark: {events:,} events, {size / 1e9:.2f} GB of Graph JSON lines")
out()
out(f"Machine: {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; "
    f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 minutes). "
    f"The file was in the page cache. The tool, DuckDB and `wc -l` ran {repeat} times each, in turns: "
    "the figures are medians, with the fastest and slowest wall time and the 1-minute load average "
    "just before the runs. Wall time depends on what else runs (on this shared VM it varies by a "
    "third from run to run); CPU time (user + system) much less so.")
out()
out("| run | wall s (median) | wall s (range) | CPU s (median) | peak RSS MB | load before | counts agree | target |")
out("|---|---:|---:|---:|---:|---:|---|---|")
names = {"tool": "`aadsts-wizard signins FILE --include-expected --json` (by code, with tops, users, apps, first/last seen)",
         "jq": "`jq -n 'reduce (inputs | .status.errorCode | select(. != 0) | tostring) as $c ({}; .[$c] += 1)'` (one run)",
         "duckdb": "DuckDB `read_json(..., format='newline_delimited')` + `GROUP BY status.errorCode`",
         "wc": "`wc -l` (floor: read the file once)"}
targets = {"tool": "RSS < 100 MB; ≤ 3× `wc -l`; faster than jq and DuckDB", "jq": "", "duckdb": "", "wc": ""}
for n in ["tool", "jq", "duckdb", "wc"]:
    x = f[n]
    label = names[n].replace('|', chr(92) + '|')
    if x is None:
        ok = False
        out(f"| {label} | **NOT MEASURED** | | | | | | {targets[n]} |")
        continue
    agree = "" if n == "wc" else ("yes" if c[n] == want else "**NO**")
    if x["load_min"] == x["load_max"]:
        loads = f"{x['load_min']:.2f}"
    else:
        loads = f"{x['load_min']:.2f}–{x['load_max']:.2f}"
    out(f"| {label} | {x['wall']:.2f} | {x['wall_min']:.2f}–{x['wall_max']:.2f} | {x['cpu']:.2f} | "
        f"{x['rss_mb']:.1f} | {loads} | {agree} | {targets[n]} |")
out()
t = f["tool"]
if t:
    def verdict(cond):
        return "met" if cond else "**not met**"
    out("| target | measured (medians) | |")
    out("|---|---|---|")
    out(f"| peak RSS < 100 MB | {t['rss_mb']:.1f} MB | {verdict(t['rss_mb'] < 100)} |")
    if f["wc"]:
        r_wall, r_cpu = t["wall"] / f["wc"]["wall"], t["cpu"] / max(f["wc"]["cpu"], 1e-3)
        out(f"| within 3× `wc -l` | {r_wall:.1f}× wall, {r_cpu:.1f}× CPU | {verdict(r_wall <= 3)} (wall) |")
    for other in ["jq", "duckdb"]:
        if f[other]:
            out(f"| faster than {other} | {f[other]['wall'] / t['wall']:.1f}× faster wall, "
                f"{f[other]['cpu'] / t['cpu']:.1f}× less CPU | {verdict(t['wall'] < f[other]['wall'])} (wall) |")
out()
out("Rerun: `bench/signins.sh` (the file is kept in /tmp; `--events N` for another size, "
    "`--repeat N` for more or fewer runs).")
if write:
    with open("bench/signins-results.md", "w") as fh:
        fh.write("\n".join(lines) + "\n")
sys.exit(0 if ok else 1)
EOF
