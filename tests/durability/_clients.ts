/**
 * Clients for the durability suites: MQTT.js clients that collect their messages from the first
 * packet on (queued messages arrive right after CONNACK, before `connect()` resolves).
 */
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";

/** A received message. */
export interface Got {
  topic: string;
  payload: string;
  dup: boolean;
}

/** Connects; every message from the start is pushed to `got`. Resolves with the CONNACK's flag. */
export function connectCollecting(
  url: string,
  opts: IClientOptions,
  got: Got[],
): Promise<{ client: MqttClient; sessionPresent: boolean }> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    client.on("message", (topic, payload, packet) => {
      got.push({ topic, payload: new TextDecoder().decode(payload), dup: packet.dup });
    });
    client.once(
      "connect",
      (connack) => resolve({ client, sessionPresent: connack.sessionPresent }),
    );
    client.once("error", (err) => client.end(true, {}, () => setTimeout(() => reject(err), 0)));
  });
}

/** A persistent v5 session (Session Expiry 1 hour). */
export function persistent(clientId: string, expiry = 3600): IClientOptions {
  return {
    clientId,
    clean: false,
    protocolVersion: 5,
    properties: { sessionExpiryInterval: expiry },
  };
}
