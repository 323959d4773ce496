#!/usr/bin/env node
/**
 * Writes cluster/protocol/proto/mesos-v1.json, the descriptor of the Mesos v1 messages, from the
 * .proto files beside it. The daemons load the descriptor (protobufjs/light, no .proto parser at
 * run time), so it travels in the daemon bundle and in dist/ as any imported JSON does.
 *   node scripts/build-proto.js           write it
 *   node scripts/build-proto.js --check   exit 1 if it is not what the .proto files give
 */
const fs = require('node:fs');
const path = require('node:path');
const protobuf = require('protobufjs');

const dir = path.resolve(__dirname, '..', 'cluster', 'protocol', 'proto');
const out = path.join(dir, 'mesos-v1.json');
const FILES = [
  'mesos/v1/scheduler/scheduler.proto',
  'mesos/v1/executor/executor.proto',
  'mesos/v1/master/master.proto',
  'mesos/v1/agent/agent.proto',
];

function descriptorText() {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(dir, target);
  root.loadSync(FILES, { keepCase: true });
  root.resolveAll();
  return `${JSON.stringify(root.toJSON({ keepComments: false }), null, 1)}\n`;
}

const text = descriptorText();
if (process.argv.includes('--check')) {
  const current = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  if (current !== text) {
    console.error(`${path.relative(process.cwd(), out)} is out of date with the .proto files; run: npm run proto`);
    process.exit(1);
  }
} else {
  fs.writeFileSync(out, text);
}
