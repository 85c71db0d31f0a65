// How every mkvss-lab command ends, as a process exit code (scripts and CI read these). It lives in
// harness/ so that the commands (cli/) and the gate's run (harness/gate) share one table without
// harness importing cli.
/** Done as asked (a server: stopped gracefully). */
export const EXIT_OK = 0;
/** It could not do its job: a server that cannot start, stops badly, or whose workers keep crashing. */
export const EXIT_FAILURE = 1;
/** The command line is wrong (a bad flag or value): nothing was started. */
export const EXIT_USAGE = 2;
