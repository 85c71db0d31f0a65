// The blocking socket calls of the sync server: thin koffi bindings over libc, plus the few
// helpers built on them (make a listening socket, set a timeout, send a whole buffer).
//
// Every call here blocks the calling thread in the kernel and nothing else: a worker thread
// parked in accept() or recv() costs no CPU, and the main thread's event loop stays free.
// koffi.load() is per thread (a worker cannot use the main thread's bindings), so this module
// binds lazily on first use in each thread that imports it. errno is per thread too, read with
// koffi.errno() right after the call that failed.
import koffi from 'koffi';

/** x86_64 Linux values (checked on this machine, see docs/SYNC.md). */
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_SEQPACKET = 5;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_RCVTIMEO = 20;
export const SO_SNDTIMEO = 21;
export const IPPROTO_TCP = 6;
export const IPPROTO_IPV6 = 41;
export const IPV6_V6ONLY = 26;
export const TCP_NODELAY = 1;
export const TCP_INFO = 11;
export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;
/** send() flag: report EPIPE instead of raising SIGPIPE (Node ignores SIGPIPE anyway). */
export const MSG_NOSIGNAL = 0x4000;

export const EINTR = 4;
export const EBADF = 9;
export const EAGAIN = 11;
export const EACCES = 13;
export const ENFILE = 23;
export const EMFILE = 24;
export const EINVAL = 22;
export const EPIPE = 32;
export const EADDRINUSE = 98;
export const EADDRNOTAVAIL = 99;
export const ECONNABORTED = 103;
export const ECONNRESET = 104;
export const ENOTCONN = 107;
export const ETIMEDOUT = 110;

const ERRNO_NAMES: Record<number, string> = {
  [EINTR]: 'EINTR',
  [EBADF]: 'EBADF',
  [EAGAIN]: 'EAGAIN',
  [EACCES]: 'EACCES',
  [ENFILE]: 'ENFILE',
  [EMFILE]: 'EMFILE',
  [EINVAL]: 'EINVAL',
  [EPIPE]: 'EPIPE',
  [EADDRINUSE]: 'EADDRINUSE',
  [EADDRNOTAVAIL]: 'EADDRNOTAVAIL',
  [ECONNABORTED]: 'ECONNABORTED',
  [ECONNRESET]: 'ECONNRESET',
  [ENOTCONN]: 'ENOTCONN',
  [ETIMEDOUT]: 'ETIMEDOUT',
};

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}

/** A failed syscall, with the errno that says why. */
export class SyscallError extends Error {
  override name = 'SyscallError';
  constructor(
    readonly syscall: string,
    readonly errno: number,
  ) {
    super(`${syscall}() failed: ${errnoName(errno)}`);
  }
}

type FdCall = (...args: unknown[]) => number;

export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  /** Two connected sockets; their fds are written to `fds` (two int32). */
  socketpair(domain: number, type: number, protocol: number, fds: Buffer): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, length: number): number;
  getsockopt(fd: number, level: number, name: number, value: Buffer, length: Buffer): number;
  bind(fd: number, address: Buffer, length: number): number;
  listen(fd: number, backlog: number): number;
  /** accept(fd, NULL, NULL): the peer address is not needed. */
  accept(fd: number, address: null, length: null): number;
  getsockname(fd: number, address: Buffer, length: Buffer): number;
  /** 1 when `text` is an address of family `af` (its bytes written to `out`), 0 when not. */
  inet_pton(af: number, text: string, out: Buffer): number;
  recv(fd: number, buffer: Buffer, length: number, flags: number): number;
  send(fd: number, buffer: Buffer, length: number, flags: number): number;
  shutdown(fd: number, how: number): number;
  close(fd: number): number;
  clock_gettime(clock: number, timespec: Buffer): number;
  /** errno of the last failed call in this thread. */
  errno(): number;
}

let bound: Libc | undefined;

/** The bindings for the calling thread (bound on first use). */
export function libc(): Libc {
  if (bound) return bound;
  const lib = koffi.load('libc.so.6');
  // fds are plain ints; buffers go in as `void *` (koffi passes a Buffer's address, honouring
  // subarray offsets); ssize_t results come back as intptr_t numbers.
  const f = (proto: string) => lib.func(proto) as FdCall;
  bound = {
    socket: f('int socket(int, int, int)'),
    socketpair: f('int socketpair(int, int, int, void *)'),
    setsockopt: f('int setsockopt(int, int, int, void *, uint32_t)'),
    getsockopt: f('int getsockopt(int, int, int, void *, void *)'),
    bind: f('int bind(int, void *, uint32_t)'),
    listen: f('int listen(int, int)'),
    accept: f('int accept(int, void *, void *)'),
    getsockname: f('int getsockname(int, void *, void *)'),
    inet_pton: f('int inet_pton(int, const char *, void *)'),
    recv: f('intptr_t recv(int, void *, size_t, int)'),
    send: f('intptr_t send(int, void *, size_t, int)'),
    shutdown: f('int shutdown(int, int)'),
    close: f('int close(int)'),
    clock_gettime: f('int clock_gettime(int, void *)'),
    errno: () => koffi.errno(),
  };
  return bound;
}

/** A --host value as the kernel wants it: an address family and the address bytes. */
export interface HostAddress {
  family: typeof AF_INET | typeof AF_INET6;
  /** 4 bytes (IPv4) or 16 (IPv6), network order. */
  bytes: Buffer;
}

/**
 * Parses a --host value: an IPv4 literal ("127.0.0.1"), an IPv6 literal ("::1", "::", also
 * written "[::1]"), or "localhost" (= 127.0.0.1). Literals are read by libc's inet_pton, the
 * same parser a C server uses. Names are refused: the server binds a hand-built sockaddr, and
 * resolving names would need getaddrinfo. IPv6 zone ids ("fe80::1%eth0") are not supported.
 */
export function parseHost(host: string): HostAddress {
  if (host === 'localhost') return { family: AF_INET, bytes: Buffer.from([127, 0, 0, 1]) };
  const literal = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  // inet_pton reads a C string: an embedded NUL would cut the text short, so refuse it here.
  if (literal.length > 0 && !literal.includes('\0')) {
    const bytes = Buffer.alloc(16);
    if (libc().inet_pton(AF_INET, literal, bytes) === 1) return { family: AF_INET, bytes: bytes.subarray(0, 4) };
    if (libc().inet_pton(AF_INET6, literal, bytes) === 1) return { family: AF_INET6, bytes };
  }
  throw new Error(
    `--host must be an IPv4 address (e.g. 127.0.0.1), an IPv6 address (e.g. ::1) or "localhost", got "${host}" (the sync server resolves no other names)`,
  );
}

/** A sockaddr of `length` bytes: family (u16, host order = LE here), port (u16 BE), and the
 *  address at `addressAt`; every other field zero. */
function sockaddr(length: number, family: number, addressAt: number, address: Uint8Array, port: number): Buffer {
  const sa = Buffer.alloc(length);
  sa.writeUInt16LE(family, 0);
  sa.writeUInt16BE(port, 2);
  sa.set(address, addressAt);
  return sa;
}

/** struct sockaddr_in (16 bytes): family, port, address, 8 zero bytes. */
export function sockaddrIn(address: Uint8Array, port: number): Buffer {
  return sockaddr(16, AF_INET, 4, address, port);
}

/** struct sockaddr_in6 (28 bytes): family, port, flowinfo (u32, 0), address (16 bytes), scope_id
 *  (u32, 0: no zone). */
export function sockaddrIn6(address: Uint8Array, port: number): Buffer {
  return sockaddr(28, AF_INET6, 8, address, port);
}

function intOption(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value);
  return b;
}

/** struct timeval (tv_sec i64, tv_usec i64) for SO_RCVTIMEO / SO_SNDTIMEO. 0 = wait forever. */
export function timeval(ms: number): Buffer {
  const whole = Math.max(0, Math.ceil(ms));
  const tv = Buffer.alloc(16);
  tv.writeBigInt64LE(BigInt(Math.floor(whole / 1000)), 0);
  tv.writeBigInt64LE(BigInt((whole % 1000) * 1000), 8);
  return tv;
}

export interface Listener {
  fd: number;
  /** The bound port (the real one when 0 was asked for). */
  port: number;
}

/**
 * socket + SO_REUSEADDR + bind + listen, all blocking libc calls, then getsockname for the
 * port. Throws SyscallError (errno says why: EADDRINUSE, EACCES, EADDRNOTAVAIL...).
 */
export function createListener(host: string, port: number, backlog: number): Listener {
  const c = libc();
  const { family, bytes } = parseHost(host);
  // CLOEXEC: the fd must not leak into child processes spawned by whoever embeds the server.
  const fd = c.socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new SyscallError('socket', c.errno());
  const fail = (syscall: string): never => {
    const errno = c.errno();
    c.close(fd);
    throw new SyscallError(syscall, errno);
  };
  // REUSEADDR lets a restarted server bind while old connections sit in TIME_WAIT; it does not
  // let two live listeners share the port (that would be SO_REUSEPORT).
  if (c.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, intOption(1), 4) !== 0) fail('setsockopt');
  // IPv6: dual-stack, as Node's own servers (libuv sets IPV6_V6ONLY = 0 explicitly): "::" also
  // takes IPv4 clients, whatever the system default (net.ipv6.bindv6only) says.
  if (family === AF_INET6 && c.setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, intOption(0), 4) !== 0) fail('setsockopt');
  const address = family === AF_INET6 ? sockaddrIn6(bytes, port) : sockaddrIn(bytes, port);
  if (c.bind(fd, address, address.length) !== 0) fail('bind');
  if (c.listen(fd, backlog) !== 0) fail('listen');
  // The port sits at offset 2 in both sockaddr_in and sockaddr_in6.
  const bound = Buffer.alloc(address.length);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(bound.length);
  if (c.getsockname(fd, bound, length) !== 0) fail('getsockname');
  return { fd, port: bound.readUInt16BE(2) };
}

/** SO_RCVTIMEO / SO_SNDTIMEO: a blocked recv/accept/send returns -1 EAGAIN after `ms`. 0 = never. */
export function setTimeoutOption(fd: number, option: typeof SO_RCVTIMEO | typeof SO_SNDTIMEO, ms: number): boolean {
  return libc().setsockopt(fd, SOL_SOCKET, option, timeval(ms), 16) === 0;
}

const tcpInfo = Buffer.alloc(256);
const tcpInfoLength = Buffer.alloc(4);

/**
 * How many connections wait in a listening socket's accept backlog right now. For a socket in
 * LISTEN state Linux reports it in struct tcp_info's tcpi_unacked (offset 24; tcpi_sacked at 28
 * is the backlog's size). -1 if it cannot be read.
 */
export function acceptBacklogLength(listenFd: number): number {
  tcpInfoLength.writeUInt32LE(tcpInfo.length);
  if (libc().getsockopt(listenFd, IPPROTO_TCP, TCP_INFO, tcpInfo, tcpInfoLength) !== 0) return -1;
  return tcpInfo.readUInt32LE(24);
}

/** clock_gettime's clock for the CPU time of the calling thread (x86_64 Linux). */
export const CLOCK_THREAD_CPUTIME_ID = 3;
const timespec = Buffer.alloc(16);

/** CPU time the calling thread has used, in ms (its own, not the process's: worker threads
 *  share a process, and process.cpuUsage() counts all of them). */
export function threadCpuMs(): number {
  libc().clock_gettime(CLOCK_THREAD_CPUTIME_ID, timespec);
  return Number(timespec.readBigInt64LE(0)) * 1000 + Number(timespec.readBigInt64LE(8)) / 1e6;
}

export function setNoDelay(fd: number): boolean {
  return libc().setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, intOption(1), 4) === 0;
}

/**
 * Sends every byte of `data`, continuing after partial sends and retrying EINTR.
 * Returns 0 when all is out, or the errno that ended it (EPIPE/ECONNRESET: the peer is gone;
 * EAGAIN: SO_SNDTIMEO passed without any progress, i.e. the peer stopped reading).
 */
export function sendAll(fd: number, data: Buffer): number {
  const c = libc();
  let offset = 0;
  while (offset < data.length) {
    const n = c.send(fd, offset === 0 ? data : data.subarray(offset), data.length - offset, MSG_NOSIGNAL);
    if (n >= 0) {
      offset += n;
      continue;
    }
    const errno = c.errno();
    if (errno === EINTR) continue;
    return errno;
  }
  return 0;
}
