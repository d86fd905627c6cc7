/**
 * The registry of live connections: what `stats conns` lists, what the idle timeout scans and what a
 * graceful shutdown drains. The listener adds a connection when it accepts it and the connection
 * removes itself when its fiber ends. A connection's state is computed when asked, from its channel
 * and reader, so serving requests writes nothing here but one timestamp per socket read.
 *
 * @module
 */
import * as Context from "effect/Context"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import type * as net from "node:net"
import type { TextReader } from "../protocol/TextReader.js"
import type { SocketChannel } from "./SocketChannel.js"

/** What a connection is doing, named as memcached's `stats conns` names its states. */
export type ConnState =
  | "conn_listening"
  | "conn_read"
  | "conn_nread"
  | "conn_swallow"
  | "conn_parse_cmd"
  | "conn_mwrite"

/** memcached's form of a TCP address: `tcp:1.2.3.4:11211`, `tcp6:[::1]:11211`. */
export const formatAddress = (address: string | undefined, port: number | undefined, family?: string): string =>
  family === "IPv6" || (family === undefined && address?.includes(":") === true)
    ? `tcp6:[${address}]:${port}`
    : `tcp:${address}:${port}`

/** One client connection. */
export class LiveConnection {
  /** Unix milliseconds of the last command line received (memcached's `last_cmd_time`). */
  lastCommandAt: number
  /** The connection's fiber, once forked: the idle timeout interrupts it. */
  fiber: Fiber.RuntimeFiber<void> | undefined = undefined
  /** Set once the idle timeout has closed it (so it is counted once). */
  kicked = false

  private remote: string | undefined = undefined
  private local: string | undefined = undefined

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    readonly channel: SocketChannel,
    readonly reader: TextReader,
    now: number
  ) {
    this.lastCommandAt = now
    this.phaseOf = reader
  }

  /** What reads the connection's requests (the text reader, or the binary one once detected). */
  phaseOf: { readonly phase: "line" | "data" | "swallow" }

  /**
   * The client's address, as memcached prints it. Asked of the system when first wanted (`stats
   * conns`, a log line), not for every connection accepted: two system calls a connection are a
   * visible share of a reconnect storm. Node keeps the answer once asked.
   */
  get address(): string {
    return this.remote ??= formatAddress(this.socket.remoteAddress, this.socket.remotePort, this.socket.remoteFamily)
  }

  /** The address the client connected to (see {@link address}). */
  get listenAddress(): string {
    return this.local ??= formatAddress(this.socket.localAddress, this.socket.localPort)
  }

  /** What the connection is doing now. */
  get state(): ConnState {
    if (this.channel.waitingForDrain) return "conn_mwrite"
    if (!this.channel.waitingForInput) return "conn_parse_cmd"
    switch (this.phaseOf.phase) {
      case "data":
        return "conn_nread"
      case "swallow":
        return "conn_swallow"
      default:
        return "conn_read"
    }
  }
}

/** The listening socket's entry in `stats conns`. */
export interface ListeningEntry {
  readonly id: number
  /** memcached's form of the address (see {@link formatAddress}). */
  readonly address: string
  /** The bound port. */
  readonly port: number
  /** Unix milliseconds when listening began. */
  readonly since: number
}

/** The live connections of one server. */
export class Registry {
  private nextId = 1
  private readonly live = new Map<number, LiveConnection>()
  /** The listening sockets, once bound, in `-l` order. */
  readonly listeners: Array<ListeningEntry> = []

  /** The first listening socket (its port is `stats settings`' tcpport). */
  get listening(): ListeningEntry | null {
    return this.listeners[0] ?? null
  }

  /** Registers a listening socket (the first takes id 0, before every connection). */
  setListening(address: net.AddressInfo, since: number): void {
    this.listeners.push({
      id: this.listeners.length === 0 ? 0 : this.nextId++,
      address: formatAddress(address.address, address.port, address.family),
      port: address.port,
      since
    })
  }

  /** Registers a new connection and returns its entry. */
  add(socket: net.Socket, channel: SocketChannel, reader: TextReader, now: number): LiveConnection {
    const connection = new LiveConnection(this.nextId++, socket, channel, reader, now)
    this.live.set(connection.id, connection)
    return connection
  }

  /** Forgets a connection that has ended. */
  remove(connection: LiveConnection): void {
    this.live.delete(connection.id)
  }

  /** The live connections, oldest first. */
  connections(): IterableIterator<LiveConnection> {
    return this.live.values()
  }

  /** How many connections are live. */
  get size(): number {
    return this.live.size
  }

  /** Graceful shutdown: every connection serves what it has already read, then closes. */
  drain(): void {
    for (const connection of this.live.values()) connection.channel.shutdownInput()
  }
}

/** The connection registry, as a service (one per server). */
export class ConnectionRegistry extends Context.Tag("effcached/ConnectionRegistry")<ConnectionRegistry, Registry>() {
  /** A fresh, empty registry. */
  static readonly layer: Layer.Layer<ConnectionRegistry> = Layer.sync(ConnectionRegistry, () => new Registry())
}
