// The connection conformance suite for Koa on node:http2's compatibility layer (issue 25): the Koa
// standard app (middleware, @koa/router, the websocket() helper) with WebSockets as RFC 8441
// streams, over h2c and over TLS (createSecureServer with allowHTTP1).
import Koa from 'koa';
import { conformanceSuite } from '../../conformance/suite.js';
import { koaFixture } from '../../conformance/koa.fixture.js';
import { describeNeeding, openssl } from '../../helpers/external-programs.js';

conformanceSuite(koaFixture(Koa, { label: 'koa 3 on http2.createServer (h2c), websocket() helper', helper: true, http2: { secure: false } }));
describeNeeding('HTTP/2 over TLS', { needs: [openssl] }, () =>
  conformanceSuite(koaFixture(Koa, { label: 'koa 3 on http2.createSecureServer (TLS, allowHTTP1), open(ctx)', http2: { secure: true } })),
);
