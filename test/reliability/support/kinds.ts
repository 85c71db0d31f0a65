// The servers the reliability proof covers: our two drivers of the shared engine. The e2e
// variable MKVSS_E2E_SERVERS narrows the list the same way (e.g. while one is being rebuilt).
import { fullSuiteServers } from '../../e2e/support/servers-under-test.js';

export const RELIABILITY_KINDS = fullSuiteServers();
