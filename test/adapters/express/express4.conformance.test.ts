import express4 from 'express4';
import { conformanceSuite } from '../../conformance/suite.js';
import { expressFixture } from '../../conformance/express.fixture.js';

conformanceSuite(expressFixture(express4, { label: 'express 4' }));
