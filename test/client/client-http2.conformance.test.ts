// upsocket's client against the node-http standard app on node:http2 servers: every WebSocket is
// an RFC 8441 extended CONNECT stream (connect(url, { http2 })), over h2c and over TLS.
import { clientConformanceSuite } from '../conformance/client-suite.js';
import { nodeHttp2Fixture } from '../conformance/node-http2.fixture.js';
import { describeNeeding, openssl } from '../helpers/external-programs.js';

clientConformanceSuite(nodeHttp2Fixture({ secure: false }));
describeNeeding('HTTP/2 over TLS', { needs: [openssl] }, () => clientConformanceSuite(nodeHttp2Fixture({ secure: true })));
