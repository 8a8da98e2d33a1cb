#!/bin/sh
# Fill fuzz/corpus/<target> with the real inputs: shipped flows and test flows for the loader
# (plus the catalog), the pasted-error samples for explain. The corpus is not committed.
set -eu
cd "$(dirname "$0")"
mkdir -p corpus/flow_loader corpus/explain
cp ../flows/*.yaml ../tests/fixtures/flows/*.yaml ../assets/catalog.yaml corpus/flow_loader/
for f in ../tests/fixtures/invalid_flows/*.yaml; do
    [ -e "$f" ] && cp "$f" corpus/flow_loader/
done
cp ../tests/fixtures/explain/*.txt corpus/explain/
echo "seeded: $(ls corpus/flow_loader | wc -l) flow_loader, $(ls corpus/explain | wc -l) explain inputs"
