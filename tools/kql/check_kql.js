#!/usr/bin/env node
// Parse and analyse KQL queries with Microsoft's Kusto language service
// (@kusto/language-service-next, the parser behind Azure Data Explorer and Log Analytics
// editors) against the published columns of the Entra sign-in tables (schema.json).
// Every error diagnostic (syntax, unknown column or function, type mismatch) is printed as
// FILE:LINE:COL: message, and the exit status is 1; 0 when every query is clean.
//
// Usage: NODE_PATH=DIR/node_modules node tools/kql/check_kql.js QUERY.kql...
"use strict";
const fs = require("fs");
const path = require("path");

function load() {
  try {
    require("@kusto/language-service-next/bridge.min.js");
    require("@kusto/language-service-next/Kusto.Language.Bridge.min.js");
  } catch (e) {
    console.error("check_kql: cannot load @kusto/language-service-next (" + e.message.split("\n")[0] +
      "); install it with: npm install --prefix DIR @kusto/language-service-next and set NODE_PATH=DIR/node_modules");
    process.exit(2);
  }
  return global.Kusto.Language;
}

function globals(K) {
  const schema = JSON.parse(fs.readFileSync(path.join(__dirname, "schema.json"), "utf8"));
  const tables = Object.entries(schema.tables).map(([name, cols]) =>
    K.Symbols.TableSymbol.From("(" + cols.map((c) => `['${c.name}']:${c.type}`).join(", ") + ")").WithName(name));
  const db = new K.Symbols.DatabaseSymbol.$ctor1("workspace", tables, false);
  return K.GlobalState.Default.WithDatabase(db);
}

function position(text, offset) {
  const before = text.slice(0, offset).split("\n");
  return [before.length, before[before.length - 1].length + 1];
}

function main(files) {
  if (files.length === 0) {
    console.error("usage: node tools/kql/check_kql.js QUERY.kql...");
    return 2;
  }
  const K = load();
  const g = globals(K);
  let errors = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    const code = K.KustoCode.ParseAndAnalyze(text, g);
    const diags = code.GetDiagnostics();
    for (let i = 0; i < diags.Count; i++) {
      const d = diags.getItem(i);
      if (String(d.Severity) !== "Error") continue;
      const [line, col] = position(text, d.Start);
      console.log(`${file}:${line}:${col}: ${d.Message}`);
      errors++;
    }
  }
  console.log(`check_kql: ${files.length} queries, ${errors} errors`);
  return errors ? 1 : 0;
}

process.exit(main(process.argv.slice(2)));
