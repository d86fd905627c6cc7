/*
 * effload: effcached's own load generator for memcached's text protocol (get/set), written for the
 * project's benchmark so its figures can be reproduced from a clone and a C compiler (Debian's
 * build-essential): `npm run bench` builds it on demand with `cc -O2`.
 *
 * One thread and one epoll loop drive N connections, each keeping D requests in flight (pipelining),
 * over a fixed keyspace `key:0` .. `key:<K-1>` with a set:get mix and fixed-size values. Latency is
 * measured from the write that carried a request to the read that completed its reply, into a
 * log-linear histogram (under 1% bucket error) for p50, p99 and p99.9.
 *
 * Verification (--verify): connection i reads and writes only the keys with key % N == i, and a server
 * answers one connection's requests in order, so when a get is sent its connection knows the version the
 * server must hold: the last one it set. Values name their key and version (`<key.version>` and then a
 * pattern derived from both), so a value of another key, an older version or a torn write is caught.
 *
 * Output: one JSON object on stdout; diagnostics on stderr. Exit 0, or 1 on any error or wrong value,
 * 2 on bad usage. MIT licence, as the rest of effcached.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NO_VERSION 0xffffffffu
#define PATTERN 64
#define DRAIN_NS 3000000000ull  /* outstanding replies after the window get this long */
#define STALL_NS 5000000000ull  /* a prefill without any reply for this long gives up */
#define CONNECT_NS 3000000000ull
#define MAX_DIAGNOSTICS 8

/* ---- settings ---- */
static const char *host = "127.0.0.1";
static int port = 11211;
static int conns = 50;
static int depth = 1;
static double duration_s = 5;
static unsigned set_weight = 1, get_weight = 10;
static uint32_t keys = 100000;
static uint32_t value_size = 100;
static int mget = 1;
static int prefill = 0;
static int verify = 0;
static uint64_t seed = 1;
static int fill_depth = 64;
static int server_pid = 0;

/* ---- counters ---- */
static uint64_t n_gets, n_sets, n_hits, n_misses;
static uint64_t conn_errors, proto_errors, server_errors, timeouts, verify_errors;
static int diagnostics;

static void diag(const char *fmt, ...) {
  if (diagnostics++ >= MAX_DIAGNOSTICS) return;
  va_list ap;
  va_start(ap, fmt);
  fputs("effload: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- latency histogram: 128 linear buckets per power of two of nanoseconds ---- */
#define SUB_BITS 7
#define SUB (1u << SUB_BITS)
#define BUCKETS (64 * SUB)
static uint64_t histogram[BUCKETS];
static uint64_t latency_count, latency_max;
static double latency_sum;

static unsigned bucket_of(uint64_t ns) {
  if (ns < SUB) return (unsigned)ns;
  unsigned msb = 63u - (unsigned)__builtin_clzll(ns);
  unsigned shift = msb - (SUB_BITS - 1);
  /* ns >> shift is in [SUB/2, SUB): every power of two gets SUB/2 buckets of equal width. */
  return shift * (SUB / 2) + (unsigned)(ns >> shift);
}

static double bucket_middle(unsigned b) {
  if (b < SUB) return b;
  unsigned shift = b / (SUB / 2) - 1;
  uint64_t mantissa = b - shift * (SUB / 2);
  return ((double)(mantissa << shift) + (double)(1ull << shift) / 2.0);
}

static void record(uint64_t ns) {
  histogram[bucket_of(ns)]++;
  latency_count++;
  latency_sum += (double)ns;
  if (ns > latency_max) latency_max = ns;
}

static double percentile_us(double p) {
  if (latency_count == 0) return 0;
  uint64_t rank = (uint64_t)(p * (double)latency_count);
  if (rank >= latency_count) rank = latency_count - 1;
  uint64_t seen = 0;
  for (unsigned b = 0; b < BUCKETS; b++) {
    seen += histogram[b];
    if (seen > rank) {
      double middle = bucket_middle(b);
      return (middle > (double)latency_max ? (double)latency_max : middle) / 1000.0;
    }
  }
  return (double)latency_max / 1000.0;
}

/* ---- random numbers (splitmix64 to seed, xorshift64* to draw) ---- */
static uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

static uint64_t draw(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545f4914f6cdd1dull;
}

/* below(n): uniform in [0, n) by multiply-shift (bias under 2^-32 for the sizes used here). */
static uint32_t below(uint64_t *state, uint32_t n) {
  return (uint32_t)(((draw(state) >> 32) * (uint64_t)n) >> 32);
}

/* ---- values: `<key.version>` then a 64-byte printable pattern of (key, version), repeated ---- */
static void pattern_of(uint32_t key, uint32_t version, unsigned char *out) {
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
  uint64_t state = splitmix(((uint64_t)key << 32) ^ version ^ 0x65666c6f6164ull) | 1;
  for (int i = 0; i < PATTERN; i += 8) {
    uint64_t r = draw(&state);
    for (int j = 0; j < 8; j++) out[i + j] = (unsigned char)alphabet[(r >> (6 * j)) & 63];
  }
}

static void write_value(unsigned char *out, uint32_t size, uint32_t key, uint32_t version) {
  unsigned char pattern[PATTERN];
  pattern_of(key, version, pattern);
  for (uint32_t i = 0; i < size; i += PATTERN) memcpy(out + i, pattern, size - i < PATTERN ? size - i : PATTERN);
  char header[32];
  int n = snprintf(header, sizeof header, "<%u.%u>", key, version);
  memcpy(out, header, (uint32_t)n < size ? (uint32_t)n : size);
}

static unsigned char *scratch;
static size_t scratch_size;

static int value_is(const unsigned char *data, uint32_t size, uint32_t key, uint32_t version) {
  if (scratch_size < size) {
    free(scratch);
    scratch_size = size * 2;
    scratch = malloc(scratch_size);
    if (scratch == NULL) abort();
  }
  write_value(scratch, size, key, version);
  return memcmp(scratch, data, size) == 0;
}

/* The version a value names in its header, or NO_VERSION when it names another key or none. */
static uint32_t version_named(const unsigned char *data, uint32_t size, uint32_t key) {
  char header[32];
  uint32_t n = size < sizeof header - 1 ? size : sizeof header - 1;
  memcpy(header, data, n);
  header[n] = 0;
  unsigned k, v;
  if (sscanf(header, "<%u.%u>", &k, &v) != 2 || k != key) return NO_VERSION;
  return v;
}

/* ---- requests in flight ---- */
enum { SET, GET };

typedef struct {
  uint8_t kind;
  uint64_t sent_ns;
  uint32_t *keys;      /* mget keys of a get; one for a set */
  uint32_t *versions;  /* versions expected (gets) or written (sets) */
  uint16_t count;      /* keys of a get */
  uint16_t answered;   /* keys of a get whose VALUE or miss is settled */
} request;

typedef struct {
  int fd;
  int index;
  int alive;
  uint64_t rng;
  request *ring;
  int ring_size, head, inflight;
  unsigned char *in;
  size_t in_len, in_cap;
  unsigned char *out;
  size_t out_len, out_off, out_cap;
  int want_write;
  uint32_t fill_next; /* prefill: the next j of key index + j * conns */
} connection;

static connection *all;
static uint32_t *version; /* per key: the version last set by its owner, or NO_VERSION */
static int epfd;
static enum { FILL, RUN, DRAIN } phase;
static uint64_t window_start, window_end;

static void out_reserve(connection *c, size_t more) {
  if (c->out_off > 0 && c->out_off == c->out_len) c->out_off = c->out_len = 0;
  if (c->out_len + more <= c->out_cap) return;
  if (c->out_off > 0) {
    memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
    c->out_len -= c->out_off;
    c->out_off = 0;
    if (c->out_len + more <= c->out_cap) return;
  }
  while (c->out_len + more > c->out_cap) c->out_cap = c->out_cap * 2;
  c->out = realloc(c->out, c->out_cap);
  if (c->out == NULL) abort();
}

static size_t put_key(unsigned char *p, uint32_t key) {
  char digits[12];
  int n = 0;
  do digits[n++] = (char)('0' + key % 10), key /= 10;
  while (key > 0);
  memcpy(p, "key:", 4);
  for (int i = 0; i < n; i++) p[4 + i] = (unsigned char)digits[n - 1 - i];
  return 4 + (size_t)n;
}

/* A key this connection may use: its own share when verifying (or filling), else any. */
static uint32_t pick_key(connection *c) {
  if (!verify) return below(&c->rng, keys);
  uint32_t share = (keys - (uint32_t)c->index + (uint32_t)conns - 1) / (uint32_t)conns;
  return (uint32_t)c->index + below(&c->rng, share) * (uint32_t)conns;
}

static request *push(connection *c) {
  request *r = &c->ring[(c->head + c->inflight) % c->ring_size];
  c->inflight++;
  r->answered = 0;
  return r;
}

static void send_set(connection *c, uint32_t key, uint32_t v, uint64_t now) {
  request *r = push(c);
  r->kind = SET;
  r->sent_ns = now;
  r->count = 1;
  r->keys[0] = key;
  r->versions[0] = v;
  out_reserve(c, 64 + value_size);
  unsigned char *p = c->out + c->out_len;
  memcpy(p, "set ", 4);
  size_t n = 4 + put_key(p + 4, key);
  n += (size_t)sprintf((char *)p + n, " 0 0 %u\r\n", value_size);
  write_value(p + n, value_size, key, v);
  n += value_size;
  memcpy(p + n, "\r\n", 2);
  c->out_len += n + 2;
}

static void send_get(connection *c, uint64_t now) {
  request *r = push(c);
  r->kind = GET;
  r->sent_ns = now;
  r->count = (uint16_t)mget;
  out_reserve(c, 8 + (size_t)mget * 16);
  unsigned char *p = c->out + c->out_len;
  memcpy(p, "get", 3);
  size_t n = 3;
  for (int i = 0; i < mget; i++) {
    uint32_t key = pick_key(c);
    r->keys[i] = key;
    r->versions[i] = version[key];
    p[n++] = ' ';
    n += put_key(p + n, key);
  }
  memcpy(p + n, "\r\n", 2);
  c->out_len += n + 2;
}

static void want_write(connection *c, int on) {
  if (c->want_write == on) return;
  struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c };
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
  c->want_write = on;
}

static void drop(connection *c, const char *why) {
  if (!c->alive) return;
  diag("connection %d: %s", c->index, why);
  conn_errors++;
  c->alive = 0;
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  /* What it had in flight will never be answered. */
  timeouts += (uint64_t)c->inflight;
  c->inflight = 0;
}

static void flush(connection *c) {
  while (c->out_off < c->out_len) {
    /* MSG_NOSIGNAL: a server that closed the connection is an error to count, not a SIGPIPE. */
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      drop(c, strerror(errno));
      return;
    }
    c->out_off += (size_t)n;
  }
  want_write(c, c->out_off < c->out_len);
}

/* Tops the pipeline up: prefill sets in FILL, the mix in RUN, nothing while draining. */
static void top_up(connection *c, uint64_t now) {
  if (!c->alive) return;
  if (phase == FILL) {
    while (c->inflight < c->ring_size) {
      uint64_t key = (uint64_t)c->index + (uint64_t)c->fill_next * (uint64_t)conns;
      if (key >= keys) break;
      c->fill_next++;
      version[key] = 0;
      send_set(c, (uint32_t)key, 0, now);
    }
  } else if (phase == RUN) {
    now = now_ns(); /* after parsing: a request's latency starts at the write that carries it */
    while (c->inflight < depth) {
      if (below(&c->rng, set_weight + get_weight) < set_weight) {
        uint32_t key = pick_key(c);
        uint32_t v = version[key] == NO_VERSION ? 1 : version[key] + 1;
        version[key] = v;
        send_set(c, key, v, now);
      } else {
        send_get(c, now);
      }
    }
  }
  flush(c);
}

static int counted(uint64_t done) { return phase != FILL && done >= window_start && done <= window_end; }

/* Checks one hit of a get; the reply's data is at `data`. */
static void check_hit(connection *c, uint32_t key, uint32_t expected, unsigned flags, const unsigned char *data,
                      uint32_t size) {
  if (!verify) return;
  /* A set that failed left its key unknown: any value of this key will do. */
  if (expected == NO_VERSION || version[key] == NO_VERSION) {
    uint32_t v = version_named(data, size, key);
    if (flags != 0 || v == NO_VERSION || !value_is(data, size, key, v)) {
      verify_errors++;
      diag("connection %d: key:%u holds a value that is not one written for it", c->index, key);
    }
    return;
  }
  if (flags != 0 || size != value_size || !value_is(data, size, key, expected)) {
    verify_errors++;
    uint32_t named = size > 0 ? version_named(data, size, key) : NO_VERSION;
    if (named == NO_VERSION)
      diag("connection %d: verify error on key:%u (expected version %u, %u bytes, flags 0): got %u bytes, flags %u",
           c->index, key, expected, value_size, size, flags);
    else
      diag("connection %d: verify error on key:%u: expected version %u, got version %u", c->index, key, expected,
           named);
  }
}

static void check_miss(connection *c, uint32_t key, uint32_t expected) {
  if (!verify || expected == NO_VERSION || version[key] == NO_VERSION) return;
  verify_errors++;
  diag("connection %d: unexpected miss on key:%u (version %u was stored)", c->index, key, expected);
}

/* The end of the line starting at `p` (its '\r'), or NULL when not all there yet. */
static unsigned char *line_end(unsigned char *p, unsigned char *end) {
  unsigned char *lf = memchr(p, '\n', (size_t)(end - p));
  if (lf == NULL) return NULL;
  return lf > p && lf[-1] == '\r' ? lf - 1 : lf;
}

/* Reads `<digits>` at *p (at most 10), advancing it; false when there are none. */
static int digits(const unsigned char **p, const unsigned char *end, uint32_t *out) {
  uint64_t v = 0;
  const unsigned char *q = *p;
  while (q < end && *q >= '0' && *q <= '9' && q - *p < 10) v = v * 10 + (uint64_t)(*q++ - '0');
  if (q == *p || v > 0xffffffffull) return 0;
  *out = (uint32_t)v;
  *p = q;
  return 1;
}

/* `VALUE key:<n> <flags> <bytes>[ <cas>]` up to `eol`. */
static int value_line(const unsigned char *p, const unsigned char *eol, uint32_t *key, uint32_t *flags,
                      uint32_t *size) {
  uint32_t cas;
  if (eol - p < 10 || memcmp(p, "VALUE key:", 10) != 0) return 0;
  p += 10;
  if (!digits(&p, eol, key) || p == eol || *p++ != ' ' || !digits(&p, eol, flags) || p == eol || *p++ != ' ' ||
      !digits(&p, eol, size))
    return 0;
  if (p == eol) return 1;
  return *p++ == ' ' && digits(&p, eol, &cas) && p == eol;
}

static int is_error_line(const unsigned char *p, size_t n) {
  return (n >= 5 && memcmp(p, "ERROR", 5) == 0) || (n >= 12 && memcmp(p, "CLIENT_ERROR", 12) == 0) ||
         (n >= 12 && memcmp(p, "SERVER_ERROR", 12) == 0);
}

static void complete(connection *c, request *r, uint64_t done) {
  if (counted(done)) {
    record(done - r->sent_ns);
    if (r->kind == SET) n_sets++;
    else n_gets++;
  }
  c->head = (c->head + 1) % c->ring_size;
  c->inflight--;
}

/*
 * Parses every complete reply in the connection's input; returns the bytes consumed, or -1 after
 * dropping the connection for a reply that is not the protocol.
 */
static long parse(connection *c, uint64_t done) {
  unsigned char *start = c->in, *p = c->in, *end = c->in + c->in_len;
  char shown[80];
  while (p < end && c->inflight > 0) {
    request *r = &c->ring[c->head];
    unsigned char *eol = line_end(p, end);
    if (eol == NULL) break;
    size_t n = (size_t)(eol - p);
    unsigned char *next = eol + (*eol == '\r' ? 2 : 1);
    if (r->kind == SET) {
      if (n == 6 && memcmp(p, "STORED", 6) == 0) {
        complete(c, r, done);
      } else if (is_error_line(p, n) || (n == 10 && memcmp(p, "NOT_STORED", 10) == 0)) {
        server_errors++;
        snprintf(shown, sizeof shown, "%.*s", (int)(n < 60 ? n : 60), p);
        diag("connection %d: set of key:%u answered %s", c->index, r->keys[0], shown);
        version[r->keys[0]] = NO_VERSION;
        complete(c, r, done);
      } else {
        snprintf(shown, sizeof shown, "%.*s", (int)(n < 60 ? n : 60), p);
        proto_errors++;
        diag("connection %d: invalid reply to a set: %s", c->index, shown);
        drop(c, "dropped after an invalid reply");
        return -1;
      }
      p = next;
      continue;
    }
    /* A get: VALUE lines with their data, then END. */
    if (n == 3 && memcmp(p, "END", 3) == 0) {
      for (int i = r->answered; i < r->count; i++) {
        if (counted(done)) n_misses++;
        check_miss(c, r->keys[i], r->versions[i]);
      }
      complete(c, r, done);
      p = next;
      continue;
    }
    if (is_error_line(p, n)) {
      server_errors++;
      snprintf(shown, sizeof shown, "%.*s", (int)(n < 60 ? n : 60), p);
      diag("connection %d: get answered %s", c->index, shown);
      complete(c, r, done);
      p = next;
      continue;
    }
    uint32_t key, flags, size;
    if (!value_line(p, eol, &key, &flags, &size)) {
      snprintf(shown, sizeof shown, "%.*s", (int)(n < 60 ? n : 60), p);
      proto_errors++;
      diag("connection %d: invalid reply to a get: %s", c->index, shown);
      drop(c, "dropped after an invalid reply");
      return -1;
    }
    if ((size_t)(end - next) < (size_t)size + 2) break; /* the data is not all there yet */
    /* Keys come back in the order asked, without the misses. */
    int at = r->answered;
    while (at < r->count && r->keys[at] != key) at++;
    if (at == r->count || next[size] != '\r' || next[size + 1] != '\n') {
      proto_errors++;
      diag("connection %d: VALUE for key:%u that was not asked for, or data not ended by CRLF", c->index, key);
      drop(c, "dropped after an invalid reply");
      return -1;
    }
    for (int i = r->answered; i < at; i++) {
      if (counted(done)) n_misses++;
      check_miss(c, r->keys[i], r->versions[i]);
    }
    if (counted(done)) n_hits++;
    check_hit(c, key, r->versions[at], flags, next, size);
    r->answered = (uint16_t)(at + 1);
    p = next + size + 2;
  }
  if (c->inflight == 0 && p < end) {
    proto_errors++;
    diag("connection %d: bytes nobody asked for", c->index);
    drop(c, "dropped after an invalid reply");
    return -1;
  }
  return (long)(p - start);
}

static void on_readable(connection *c) {
  if (c->in_cap - c->in_len < 16384) {
    c->in_cap *= 2;
    c->in = realloc(c->in, c->in_cap);
    if (c->in == NULL) abort();
  }
  ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
  if (n == 0) {
    drop(c, "closed by the server");
    return;
  }
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) drop(c, strerror(errno));
    return;
  }
  uint64_t done = now_ns();
  c->in_len += (size_t)n;
  long used = parse(c, done);
  if (used < 0) return;
  memmove(c->in, c->in + used, c->in_len - (size_t)used);
  c->in_len -= (size_t)used;
  top_up(c, done);
}

static int open_connection(connection *c, struct addrinfo *addr) {
  int fd = socket(addr->ai_family, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, addr->ai_addr, addr->ai_addrlen) != 0) {
    fprintf(stderr, "effload: connection %d to %s:%d failed: %s\n", c->index, host, port, strerror(errno));
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) return -1;
  c->fd = fd;
  c->alive = 1;
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
  return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* Server CPU over the timed window (--server-pid): user + system seconds at its start and end. */
static double server_cpu_start = -1, server_cpu_s = -1;

/* The user + system CPU seconds process `pid` has used so far (Linux /proc), or -1. */
static double process_cpu_s(int pid) {
  if (pid <= 0) return -1;
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  /* The command name may hold spaces: fields are counted from after its closing parenthesis. */
  char *p = strrchr(buf, ')');
  unsigned long utime, stime;
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* Runs the loop until every connection has nothing in flight and `stop_sending` holds, or `deadline`. */
static void loop(uint64_t deadline, uint64_t stall_ns) {
  struct epoll_event events[256];
  uint64_t last_progress = now_ns();
  for (;;) {
    int inflight = 0;
    for (int i = 0; i < conns; i++) inflight += all[i].alive ? all[i].inflight : 0;
    uint64_t now = now_ns();
    if (phase == RUN && now >= window_end) {
      if (server_cpu_start >= 0) {
        double end = process_cpu_s(server_pid);
        if (end >= 0) server_cpu_s = end - server_cpu_start;
      }
      phase = DRAIN;
      deadline = now + DRAIN_NS;
    }
    if (phase != RUN && inflight == 0) return;
    if (now >= deadline || (stall_ns > 0 && now - last_progress > stall_ns)) {
      for (int i = 0; i < conns; i++) {
        if (all[i].alive) timeouts += (uint64_t)all[i].inflight;
        all[i].inflight = 0;
      }
      if (inflight > 0) diag("%d requests never answered", inflight);
      return;
    }
    int n = epoll_wait(epfd, events, 256, 1);
    if (n < 0 && errno != EINTR) {
      perror("effload: epoll_wait");
      exit(1);
    }
    for (int i = 0; i < n; i++) {
      connection *c = events[i].data.ptr;
      if (!c->alive) continue;
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        on_readable(c);
        last_progress = now_ns();
      }
      if (c->alive && (events[i].events & EPOLLOUT)) flush(c);
    }
  }
}

static void usage(FILE *to) {
  fputs(
    "Usage: effload [options]\n"
    "  -s host      server address (default 127.0.0.1)\n"
    "  -p port      server port (default 11211)\n"
    "  -c conns     connections (default 50)\n"
    "  -P depth     requests in flight per connection (default 1)\n"
    "  -d seconds   length of the timed window, fractions allowed; 0: prefill only (default 5)\n"
    "  -r S:G       set:get ratio (default 1:10; 1:0 sets only)\n"
    "  -k keys      keyspace key:0 .. key:<keys-1> (default 100000)\n"
    "  -v bytes     value size (default 100)\n"
    "  -m N         keys per get (default 1)\n"
    "  --prefill    set every key once (pipelined, not timed) before the window\n"
    "  --fill-depth N  requests in flight per connection while prefilling (default 64)\n"
    "  --verify     check every value read against the one last written for its key\n"
    "  --seed N     random seed (default 1)\n"
    "  --server-pid PID  report the server's CPU seconds over the timed window (server_cpu_s; Linux)\n"
    "Prints one JSON object; exit 1 on errors or wrong values, 2 on bad usage.\n",
    to);
}

static double number_arg(const char *flag, const char *raw, double min, double max) {
  char *end;
  double v = raw == NULL ? 0 : strtod(raw, &end);
  if (raw == NULL || *raw == 0 || *end != 0 || !(v >= min && v <= max)) {
    fprintf(stderr, "effload: %s: expected a number from %g to %g, got \"%s\"\n", flag, min, max, raw ? raw : "");
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) return usage(stdout), 0;
    else if (strcmp(a, "--prefill") == 0) prefill = 1;
    else if (strcmp(a, "--verify") == 0) verify = 1;
    else if (strcmp(a, "-s") == 0 && v) host = argv[++i];
    else if (strcmp(a, "-p") == 0) port = (int)number_arg(a, v, 1, 65535), i++;
    else if (strcmp(a, "-c") == 0) conns = (int)number_arg(a, v, 1, 100000), i++;
    else if (strcmp(a, "-P") == 0) depth = (int)number_arg(a, v, 1, 65536), i++;
    else if (strcmp(a, "-d") == 0) duration_s = number_arg(a, v, 0, 86400), i++;
    else if (strcmp(a, "-k") == 0) keys = (uint32_t)number_arg(a, v, 1, 4e9), i++;
    else if (strcmp(a, "-v") == 0) value_size = (uint32_t)number_arg(a, v, 1, 1 << 30), i++;
    else if (strcmp(a, "-m") == 0) mget = (int)number_arg(a, v, 1, 65535), i++;
    else if (strcmp(a, "--seed") == 0) seed = (uint64_t)number_arg(a, v, 0, 1e18), i++;
    else if (strcmp(a, "--fill-depth") == 0) fill_depth = (int)number_arg(a, v, 1, 65536), i++;
    else if (strcmp(a, "--server-pid") == 0) server_pid = (int)number_arg(a, v, 1, 1 << 30), i++;
    else if (strcmp(a, "-r") == 0 && v && sscanf(v, "%u:%u", &set_weight, &get_weight) == 2 &&
             set_weight + get_weight > 0)
      i++;
    else {
      fprintf(stderr, "effload: unexpected argument \"%s\"\n", a);
      usage(stderr);
      return 2;
    }
  }
  if (keys < (uint32_t)conns) {
    fputs("effload: the keyspace needs at least one key per connection\n", stderr);
    return 2;
  }

  struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *addr;
  char service[8];
  snprintf(service, sizeof service, "%d", port);
  if (getaddrinfo(host, service, &hints, &addr) != 0) {
    fprintf(stderr, "effload: cannot resolve %s\n", host);
    return 1;
  }
  epfd = epoll_create1(0);
  version = malloc(sizeof *version * keys);
  all = calloc((size_t)conns, sizeof *all);
  if (version == NULL || all == NULL) abort();
  for (uint32_t k = 0; k < keys; k++) version[k] = NO_VERSION;
  int ring = depth > fill_depth ? depth : fill_depth;
  uint64_t connect_deadline = now_ns() + CONNECT_NS;
  for (int i = 0; i < conns; i++) {
    connection *c = &all[i];
    c->index = i;
    c->rng = splitmix(seed * 0x100000001b3ull + (uint64_t)i) | 1;
    c->ring_size = ring;
    c->ring = calloc((size_t)ring, sizeof *c->ring);
    for (int j = 0; j < ring; j++) {
      c->ring[j].keys = malloc(sizeof(uint32_t) * (size_t)mget);
      c->ring[j].versions = malloc(sizeof(uint32_t) * (size_t)mget);
    }
    c->in_cap = 65536 > (size_t)value_size * 2 + 256 ? 65536 : (size_t)value_size * 2 + 256;
    c->in = malloc(c->in_cap);
    c->out_cap = 65536;
    c->out = malloc(c->out_cap);
    if (open_connection(c, addr) != 0 || now_ns() > connect_deadline) {
      if (now_ns() > connect_deadline) fprintf(stderr, "effload: connecting took over 3 s\n");
      return 1;
    }
  }
  freeaddrinfo(addr);

  double prefill_s = 0;
  if (prefill) {
    uint64_t t0 = now_ns();
    phase = FILL;
    for (int i = 0; i < conns; i++) top_up(&all[i], t0);
    loop(UINT64_MAX, STALL_NS);
    prefill_s = (double)(now_ns() - t0) / 1e9;
    if (timeouts > 0) diag("prefill stalled");
  }
  if (duration_s > 0 && timeouts == 0) {
    server_cpu_start = process_cpu_s(server_pid);
    window_start = now_ns();
    window_end = window_start + (uint64_t)(duration_s * 1e9);
    phase = RUN;
    for (int i = 0; i < conns; i++) top_up(&all[i], window_start);
    loop(UINT64_MAX, 0);
  }

  uint64_t ops = n_gets + n_sets;
  uint64_t errors = conn_errors + proto_errors + server_errors + timeouts;
  double per_s = duration_s > 0 ? (double)ops / duration_s : 0;
  printf("{\"loadgen\":\"effload\",\"conns\":%d,\"depth\":%d,\"duration_s\":%g,\"ratio\":\"%u:%u\",\"keys\":%u,"
         "\"value_size\":%u,\"mget\":%d,\"prefill\":%s,\"verify\":%s,\"seed\":%llu,\"prefill_s\":%.3f,"
         "\"ops\":%llu,\"ops_per_s\":%.1f,\"gets\":%llu,\"sets\":%llu,\"hits\":%llu,\"misses\":%llu,"
         "\"avg_us\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,"
         "\"errors\":%llu,\"verify_errors\":%llu,\"conn_errors\":%llu,\"proto_errors\":%llu,"
         "\"server_errors\":%llu,\"timeouts\":%llu,\"server_cpu_s\":%.3f}\n",
         conns, depth, duration_s, set_weight, get_weight, keys, value_size, mget, prefill ? "true" : "false",
         verify ? "true" : "false", (unsigned long long)seed, prefill_s, (unsigned long long)ops, per_s,
         (unsigned long long)n_gets, (unsigned long long)n_sets, (unsigned long long)n_hits,
         (unsigned long long)n_misses, latency_count ? latency_sum / (double)latency_count / 1000.0 : 0.0,
         percentile_us(0.5), percentile_us(0.99), percentile_us(0.999), (double)latency_max / 1000.0,
         (unsigned long long)errors, (unsigned long long)verify_errors, (unsigned long long)conn_errors,
         (unsigned long long)proto_errors, (unsigned long long)server_errors, (unsigned long long)timeouts, server_cpu_s);
  if (errors > 0 || verify_errors > 0) {
    fprintf(stderr, "effload: FAIL: %llu errors, %llu verify errors\n", (unsigned long long)errors,
            (unsigned long long)verify_errors);
    return 1;
  }
  return 0;
}
