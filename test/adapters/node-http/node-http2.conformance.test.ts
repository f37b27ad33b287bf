// The connection conformance suite over HTTP/2 (issue 25): the node-http standard app on node:http2
// servers, every WebSocket an RFC 8441 extended CONNECT stream with ws's framing over it, over h2c
// and over TLS (createSecureServer with allowHTTP1, so HTTP/1.1 upgrades share the port).
import { conformanceSuite } from '../../conformance/suite.js';
import { nodeHttp2Fixture } from '../../conformance/node-http2.fixture.js';
import { describeNeeding, openssl } from '../../helpers/external-programs.js';

conformanceSuite(nodeHttp2Fixture({ secure: false }));
describeNeeding('HTTP/2 over TLS', { needs: [openssl] }, () => conformanceSuite(nodeHttp2Fixture({ secure: true })));
