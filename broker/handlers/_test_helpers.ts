/**
 * For the handler tests: a broker on fake time, and MQTT clients played over the memory
 * transport, packet by packet. No sockets, no sleeps.
 *
 * @module
 */
import mqttPacket, { type Packet } from "mqtt-packet";
import { FakeClock } from "../../lib/fake_clock.ts";
import { parseConfig } from "../../server/config/mod.ts";
import { Broker, type BrokerOptions } from "../broker.ts";
import type { CoreConfig, MqttConfig } from "../options.ts";
import { type ClientEnd, memoryPair } from "../transport/memory.ts";

/** The defaults of the application's config (read from its schema), anonymous clients allowed. */
export function testConfig(mqtt: Partial<MqttConfig> = {}): CoreConfig {
  const defaults = parseConfig("auth: {allow_anonymous: true}\n", "test.yaml");
  return { mqtt: { ...defaults.mqtt, ...mqtt }, auth: { allow_anonymous: true } };
}

/** One MQTT client played by a test: writes packets, reads the broker's answers one by one. */
export class Peer {
  readonly end: ClientEnd;
  /** Resolves when the broker is done with the connection. */
  readonly done: Promise<void>;
  #version: 3 | 4 | 5;
  #parser: ReturnType<typeof mqttPacket.parser>;
  #received: Packet[] = [];

  /**
   * @param end the test's end of a memory pair
   * @param done the broker's `accept()` of the other end
   * @param version the protocol version to encode and decode in
   */
  constructor(end: ClientEnd, done: Promise<void>, version: 3 | 4 | 5) {
    this.end = end;
    this.done = done;
    this.#version = version;
    this.#parser = mqttPacket.parser({ protocolVersion: version });
    this.#parser.on("packet", (p: Packet) => this.#received.push(p));
  }

  /** Sends one packet (fields as mqtt-packet takes them). */
  async send(packet: Record<string, unknown>): Promise<void> {
    const bytes = mqttPacket.generate(packet as unknown as Packet, {
      protocolVersion: this.#version,
    });
    await this.end.write(bytes);
  }

  /** The next packet from the broker; null once the connection is closed. */
  async next(): Promise<Packet | null> {
    while (this.#received.length === 0) {
      const chunk = await this.end.read();
      if (chunk === null) return null;
      this.#parser.parse(chunk as never);
    }
    return this.#received.shift()!;
  }

  /** The next packet, which must be of type `cmd`. */
  async expect<C extends Packet["cmd"]>(cmd: C): Promise<Extract<Packet, { cmd: C }>> {
    const packet = await this.next();
    if (packet?.cmd !== cmd) {
      throw new Error(`Expected ${cmd}, got ${packet ? JSON.stringify(packet) : "the end"}`);
    }
    return packet as Extract<Packet, { cmd: C }>;
  }

  /** Closes from the client side (no DISCONNECT) and waits for the broker to let go. */
  async drop(): Promise<void> {
    this.end.close();
    await this.done;
  }
}

/** A broker on fake time and a way to connect clients to it. */
export interface Harness {
  broker: Broker;
  clock: FakeClock;
  /** Opens a connection and sends CONNECT (no answer read). */
  open(connect: Record<string, unknown>): Promise<Peer>;
  /** Opens, CONNECTs and reads the CONNACK. */
  connect(connect: Record<string, unknown>): Promise<Peer>;
  /** Closes the broker and waits for every connection. */
  close(): Promise<void>;
}

/** Starts a broker on a {@linkcode FakeClock}. */
export function harness(config = testConfig(), opts: BrokerOptions = {}): Harness {
  const clock = new FakeClock();
  const broker = new Broker(config, { clock, ...opts });
  const peers: Peer[] = [];
  const open = async (connect: Record<string, unknown>) => {
    const version = (connect.protocolVersion ?? 4) as 3 | 4 | 5;
    const [server, end] = memoryPair();
    const peer = new Peer(end, broker.accept(server).closed, version);
    peers.push(peer);
    await peer.send({ cmd: "connect", protocolId: "MQTT", clean: true, keepalive: 0, ...connect });
    return peer;
  };
  return {
    broker,
    clock,
    open,
    async connect(connect) {
      const peer = await open(connect);
      await peer.expect("connack");
      return peer;
    },
    async close() {
      await broker.close();
      for (const peer of peers) peer.end.close();
      await Promise.all(peers.map((p) => p.done));
    },
  };
}
