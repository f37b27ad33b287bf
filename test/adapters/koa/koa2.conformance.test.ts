import Koa2 from 'koa2';
import { conformanceSuite } from '../../conformance/suite.js';
import { koaFixture } from '../../conformance/koa.fixture.js';

conformanceSuite(koaFixture(Koa2, { label: 'koa 2 + websocket()', helper: true }));
