import express from 'express';
import { conformanceSuite } from '../../conformance/suite.js';
import { expressFixture } from '../../conformance/express.fixture.js';

conformanceSuite(expressFixture(express, { label: 'express 5' }));
