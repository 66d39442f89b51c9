// Stopgap until the services pass NATS credentials themselves (docs/deployment.md, "NATS users
// and permissions"): loaded with NODE_OPTIONS=--require <this file>, it adds NATS_USER /
// NATS_PASSWORD (and NATS_TLS_CA_FILE, optional) to every connection the process opens with the
// `nats` client: the service's own JetStream connection and NestJS's NATS transport alike. The
// nats.js client ignores credentials written in the URL, and the services' code has no option
// for them yet. Options a caller sets itself win. Remove this file from NODE_OPTIONS once
// libs/service-kit reads those variables.
'use strict';
const path = require('node:path');

let connectModule;
try {
  // The service's own copy of nats (its working directory is the app root, /app in the image).
  connectModule = require(require.resolve('nats/lib/src/connect', { paths: [process.cwd(), path.join(__dirname, '..', '..')] }));
} catch {
  return; // no nats client in this process: nothing to do
}

const original = connectModule.connect;
if (!original.credentialsPreload) {
  const withCredentials = function connect(options = {}) {
    const user = process.env.NATS_USER;
    const extra = {};
    if (user && options.user === undefined && options.token === undefined && options.authenticator === undefined) {
      extra.user = user;
      extra.pass = process.env.NATS_PASSWORD ?? '';
    }
    const caFile = process.env.NATS_TLS_CA_FILE;
    if (caFile && options.tls === undefined) extra.tls = { caFile };
    return original.call(this, { ...options, ...extra });
  };
  withCredentials.credentialsPreload = true;
  connectModule.connect = withCredentials;
}
