import express from 'express';
import express4 from 'express4';
import Koa from 'koa';
import Koa2 from 'koa2';
import { clientConformanceSuite } from '../conformance/client-suite.js';
import { expressFixture } from '../conformance/express.fixture.js';
import { handleUpgradeFixture } from '../conformance/handle-upgrade.fixture.js';
import { koaFixture } from '../conformance/koa.fixture.js';
import { nodeHttpFixture } from '../conformance/node-http.fixture.js';

// upsocket's own client against every adapter's standard app.
for (const fixture of [
  nodeHttpFixture,
  expressFixture(express, { label: 'express 5' }),
  expressFixture(express4, { label: 'express 4' }),
  expressFixture(express, { label: 'express 5 Router + websocket()', router: true }),
  koaFixture(Koa, { label: 'koa 3' }),
  koaFixture(Koa2, { label: 'koa 2 + websocket()', helper: true }),
  handleUpgradeFixture,
]) {
  clientConformanceSuite(fixture);
}
