// Moved to servers/floor/ (only the floor server uses them; they are not part of the engine).
// This re-export remains only for servers/http/micro-benchmark.ts, which another change moves;
// delete this file once nothing imports it.
export { RequestBoundaryScanner } from '../floor/request-boundary.js';
export { cannedOk } from '../floor/canned-ok.js';
