/**
 * A raw MQTT client for the conformance suite: a plain `Deno.connect` socket with mqtt-packet's
 * encoder and parser, so that tests can send protocol errors and see exact reason codes and the
 * moment the broker closes the connection.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import mqttPacket, { type IConnackPacket, type IConnectPacket, type Packet } from "mqtt-packet";

export { frame, utf8Field } from "../../fuzz/bytes.ts";

/** MQTT protocol level: 3 (3.1), 4 (3.1.1) or 5. */
export type ProtocolVersion = 3 | 4 | 5;

/** Options for {@linkcode rawOpen}. */
export interface RawOptions {
  /** Decoder and encoder version (default 4). */
  protocolVersion?: ProtocolVersion;
  /** Start reading at once (default true). A client that never reads lets the broker's writes pile up. */
  read?: boolean;
}

/** A raw socket speaking MQTT. */
export interface RawClient {
  /** Encodes and writes `packet`. */
  send(packet: Packet): Promise<void>;
  /** Writes `bytes` as they are. */
  sendBytes(bytes: Uint8Array): Promise<void>;
  /** The next packet received (of type `cmd` when given, skipping others); rejects after `ms`. */
  next<P extends Packet = Packet>(cmd?: Packet["cmd"], ms?: number): Promise<P>;
  /** Every packet received so far and not yet taken by {@linkcode RawClient.next}. */
  readonly received: Packet[];
  /** Resolves when the broker closes the socket; rejects after `ms`. */
  closed(ms?: number): Promise<void>;
  /** Whether the broker has closed the socket. */
  readonly isClosed: boolean;
  /** Closes our side and waits for the read loop to stop. */
  close(): Promise<void>;
}

/** Opens a raw TCP connection to the broker on 127.0.0.1:`port` without sending anything. */
export async function rawOpen(port: number, opts: RawOptions = {}): Promise<RawClient> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  return new Raw(conn, opts.protocolVersion ?? 4, opts.read ?? true);
}

/** CONNECT fields for {@linkcode rawConnect}; `protocolVersion` also sets the codec. */
export type RawConnectOptions = Partial<Omit<IConnectPacket, "cmd">> & RawOptions;

/**
 * A CONNECT of `fields.protocolVersion` (default 4, with the protocol name of that level): clean,
 * no keep alive and an empty client id unless `fields` say otherwise.
 */
export function connectPacket(fields: Partial<Omit<IConnectPacket, "cmd">> = {}): IConnectPacket {
  const protocolVersion = fields.protocolVersion ?? 4;
  return {
    cmd: "connect",
    protocolId: protocolVersion === 3 ? "MQIsdp" : "MQTT",
    protocolVersion,
    clientId: "",
    clean: true,
    keepalive: 0,
    ...fields,
  };
}

/** Opens a connection, sends CONNECT and waits for CONNACK. */
export async function rawConnect(
  port: number,
  opts: RawConnectOptions = {},
): Promise<{ client: RawClient; connack: IConnackPacket }> {
  const { read, protocolVersion = 4, ...fields } = opts;
  const client = await rawOpen(port, { protocolVersion, read });
  await client.send(connectPacket({ protocolVersion, ...fields }));
  if (read === false) return { client, connack: { cmd: "connack", sessionPresent: false } };
  const connack = await client.next<IConnackPacket>("connack");
  return { client, connack };
}

class Raw implements RawClient {
  readonly received: Packet[] = [];
  isClosed = false;
  #conn: Deno.TcpConn;
  #version: ProtocolVersion;
  #waiters: (() => void)[] = [];
  #loop: Promise<void>;
  #closedByUs = false;

  constructor(conn: Deno.TcpConn, version: ProtocolVersion, read: boolean) {
    this.#conn = conn;
    this.#version = version;
    this.#loop = read ? this.#read() : Promise.resolve();
  }

  async send(packet: Packet): Promise<void> {
    await this.sendBytes(mqttPacket.generate(packet, { protocolVersion: this.#version }));
  }

  async sendBytes(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) done += await this.#conn.write(bytes.subarray(done));
  }

  async next<P extends Packet = Packet>(cmd?: Packet["cmd"], ms = 3000): Promise<P> {
    const until = Date.now() + ms;
    while (true) {
      const i = this.received.findIndex((p) => cmd === undefined || p.cmd === cmd);
      if (i >= 0) return this.received.splice(i, 1)[0] as P;
      if (this.isClosed) {
        throw new Error(`Connection closed while waiting for ${cmd ?? "a packet"}`);
      }
      if (!await this.#wait(until - Date.now())) {
        throw new Error(`No ${cmd ?? "packet"} within ${ms} ms`);
      }
    }
  }

  async closed(ms = 3000): Promise<void> {
    const until = Date.now() + ms;
    while (!this.isClosed) {
      if (!await this.#wait(until - Date.now())) {
        throw new Error(`Broker did not close the connection within ${ms} ms`);
      }
    }
  }

  async close(): Promise<void> {
    if (!this.#closedByUs) {
      this.#closedByUs = true;
      try {
        this.#conn.close();
      } catch { /* already closed */ }
    }
    await this.#loop;
  }

  /** Waits for the next packet or the close; false on timeout. */
  #wait(ms: number): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== wake);
        resolve(false);
      }, ms);
      this.#waiters.push(wake);
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  async #read(): Promise<void> {
    const parser = mqttPacket.parser({ protocolVersion: this.#version });
    parser.on("packet", (p: Packet) => this.received.push(p));
    parser.on("error", (e: Error) => console.error("Raw client could not decode:", e.message));
    const buf = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        parser.parse(Buffer.from(buf.slice(0, n)));
        this.#wake();
      }
    } catch { /* reset by the broker, or closed by us */ }
    this.isClosed = true;
    this.#wake();
    if (!this.#closedByUs) {
      this.#closedByUs = true;
      this.#conn.close();
    }
  }
}
