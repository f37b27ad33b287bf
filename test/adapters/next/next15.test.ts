import { next15 } from '../../helpers/next-app.js';
import { nextSuite } from './suite.js';

// Next 15 is installed under the npm alias `next15`; test/helpers/next-app.ts gives its fixture
// apps a `next` that is Next 15.
nextSuite('next 15', next15);
