import { conformanceSuite } from '../../conformance/suite.js';
import { nodeHttpFixture } from '../../conformance/node-http.fixture.js';

conformanceSuite(nodeHttpFixture);
