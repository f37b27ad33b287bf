import Koa from 'koa';
import { conformanceSuite } from '../../conformance/suite.js';
import { koaFixture } from '../../conformance/koa.fixture.js';

conformanceSuite(koaFixture(Koa, { label: 'koa 3' }));
