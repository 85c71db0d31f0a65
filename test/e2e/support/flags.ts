// Server flags the e2e files share.

/** Small limits, so that each one is easy to cross: 413 past 4 KiB of body, 414 past a 256-byte
 *  request line, 431 past 1 KiB of headers or 16 fields. */
export const SMALL_LIMIT_FLAGS = ['--max-body', '4096', '--max-request-line', '256', '--max-header-bytes', '1024', '--max-headers', '16'];
