// Parses each query of the given files with Grafana's LogQL grammar
// (@grafana/lezer-logql) and prints one line per query:
//   ok<TAB><query>       the parse tree has no error node
//   error<TAB><query>    it has one
// Files hold one query a line; empty lines and lines starting with '#' are
// skipped. Usage: node lezer_check.cjs <node_modules dir> file...
'use strict';
const fs = require('fs');
const path = require('path');

const modules = path.resolve(process.argv[2]);
const { parser } = require(path.join(modules, '@grafana/lezer-logql'));

function hasError(query) {
  const tree = parser.parse(query);
  let bad = false;
  tree.iterate({
    enter(node) {
      if (node.type.isError) bad = true;
      return !bad;
    },
  });
  return bad;
}

for (const file of process.argv.slice(3)) {
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    if (raw === '' || raw.startsWith('#')) continue;
    process.stdout.write(`${hasError(raw) ? 'error' : 'ok'}\t${raw}\n`);
  }
}
