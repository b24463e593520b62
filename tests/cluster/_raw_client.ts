// A raw MQTT 5 client that never acknowledges what it receives (MQTT.js holds back every later
// packet while one message waits for its acknowledgement).

import mqttPacket from "mqtt-packet";

/** A connection that records every packet it receives. */
export interface RawClient {
  packets: mqttPacket.Packet[];
  send(packet: mqttPacket.Packet): Promise<void>;
  close(): void;
}

/** Connects `clientId` (persistent, v5) and subscribes to `filter` at QoS 1. */
export async function rawSubscriber(port: number, clientId: string, filter: string) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  const packets: mqttPacket.Packet[] = [];
  parser.on("packet", (p) => packets.push(p));
  void (async () => {
    try {
      for await (const chunk of conn.readable) parser.parse(chunk as unknown as Buffer);
    } catch {
      // closed
    }
  })();
  const send = (p: mqttPacket.Packet) =>
    conn.write(mqttPacket.generate(p, { protocolVersion: 5 })).then(() => {});
  await send({
    cmd: "connect",
    protocolId: "MQTT",
    protocolVersion: 5,
    clean: false,
    clientId,
    keepalive: 60,
    properties: { sessionExpiryInterval: 300, receiveMaximum: 1 },
  } as mqttPacket.IConnectPacket);
  await send({
    cmd: "subscribe",
    messageId: 1,
    subscriptions: [{ topic: filter, qos: 1 }],
  } as mqttPacket.ISubscribePacket);
  const client: RawClient = {
    packets,
    send,
    close: () => {
      try {
        conn.close();
      } catch {
        // already closed
      }
    },
  };
  return client;
}
