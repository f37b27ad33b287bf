import { conformanceSuite } from '../../conformance/suite.js';
import { handleUpgradeFixture } from '../../conformance/handle-upgrade.fixture.js';

conformanceSuite(handleUpgradeFixture);
