// The BUILT harness pieces the driver end-to-end tests use: the load driver scripts and the server
// CLI are started from dist/, so these tests import the dist modules (typed by their sources).
const runLoadModule = (await import(
  '../../../dist/harness/load/run-load.js' as string
)) as typeof import('../../../harness/load/run-load.js');
const serverProcessModule = (await import(
  '../../../dist/harness/run/server-process.js' as string
)) as typeof import('../../../harness/run/server-process.js');
const processLoadModule = (await import(
  '../../../dist/harness/run/process-load.js' as string
)) as typeof import('../../../harness/run/process-load.js');

export const { runLoad } = runLoadModule;
export const { startServer, stopServer } = serverProcessModule;
export const { readyTimeoutFor } = processLoadModule;
