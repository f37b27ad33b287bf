import { next16 } from '../../helpers/next-app.js';
import { nextSuite } from './suite.js';

nextSuite('next 16', next16);
