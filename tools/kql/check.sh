#!/usr/bin/env bash
# CI: every KQL query the tool prints (`signins --kql` for each grouping, with and without
# filters and expected codes, and every `shell: kql` command in flows/ and
# assets/fetch-event.yaml, placeholders filled by tools/kql/flow_queries.py) must parse and
# analyse cleanly with the Kusto language service
# against the tables' published columns (tools/kql/schema.json). The package is installed
# once into ${KUSTO_DIR:-~/.cache/aadsts-wizard/kusto} (about 30 MB) and reused.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=12.4.1
dir=${KUSTO_DIR:-$HOME/.cache/aadsts-wizard/kusto}
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing nodejs and npm"
    apt-get install -y -qq nodejs npm >/dev/null ||
      { apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; }
  fi
  command -v node >/dev/null || { echo "check-kql: node is required" >&2; exit 1; }
fi
if ! NODE_PATH=$dir/node_modules node -e "require('@kusto/language-service-next/package.json').version === '$version' || process.exit(1)" 2>/dev/null; then
  echo "== installing @kusto/language-service-next@$version into $dir"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --silent "@kusto/language-service-next@$version" >/dev/null
fi
cargo build --locked --bin aadsts-wizard --quiet
bin=${CARGO_TARGET_DIR:-target}/debug/aadsts-wizard
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
for by in code app user ip resource policy; do
  for flags in "" "--include-expected" "--since 2h" "--since 2024-05-01T00:00:00Z --until 2024-05-02" "--since 7d --until 1h --include-expected"; do
    n=$((n + 1))
    # shellcheck disable=SC2086
    XDG_CONFIG_HOME=/nonexistent "$bin" signins --kql --by "$by" $flags >"$work/signins-$by-$n.kql"
  done
done
flow_n=$(python3 tools/kql/flow_queries.py "$work" flows/*.yaml assets/fetch-event.yaml)
echo "flows: $flow_n kql commands"
NODE_PATH=$dir/node_modules node tools/kql/check_kql.js "$work"/*.kql
