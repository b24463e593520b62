// A small MQTT 3.1.1 client over WebSocket for the topic tester: CONNECT, SUBSCRIBE, UNSUBSCRIBE,
// PUBLISH (QoS 0, 1, 2 both ways), PINGREQ, DISCONNECT; decodes CONNACK, SUBACK, UNSUBACK,
// PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, PINGRESP. WebSocket frames may split or join packets.
const enc = new TextEncoder();

function varint(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

const u16 = (n) => [n >> 8, n & 0xff];
const str = (s) => {
  const b = enc.encode(s);
  return [...u16(b.length), ...b];
};
const packet = (first, body) => new Uint8Array([first, ...varint(body.length), ...body]);

/** The CONNECT packet of `opts` ({clientId, username, password, keepalive, clean}). */
export function connectPacket(opts) {
  let flags = opts.clean === false ? 0 : 0x02;
  if (opts.username) flags |= 0x80;
  if (opts.username && opts.password) flags |= 0x40;
  const body = [...str("MQTT"), 4, flags, ...u16(opts.keepalive ?? 60), ...str(opts.clientId)];
  if (opts.username) body.push(...str(opts.username));
  if (opts.username && opts.password) body.push(...str(opts.password));
  return packet(0x10, body);
}

/** The PUBLISH packet; `id` is needed for QoS 1 and 2. */
export function publishPacket(topic, payload, { qos = 0, retain = false, id = 0 } = {}) {
  const bytes = typeof payload === "string" ? enc.encode(payload) : payload;
  const body = [...str(topic), ...(qos > 0 ? u16(id) : []), ...bytes];
  return packet(0x30 | (qos << 1) | (retain ? 1 : 0), body);
}

/**
 * Cuts whole packets off the front of `buf`: returns [{type, flags, body}] and the rest.
 */
export function splitPackets(buf) {
  const packets = [];
  let at = 0;
  while (buf.length - at >= 2) {
    let len = 0, mul = 1, i = at + 1, byte;
    do {
      if (i >= buf.length) return { packets, rest: buf.subarray(at) };
      byte = buf[i++];
      len += (byte & 0x7f) * mul;
      mul *= 128;
    } while (byte & 0x80);
    if (i + len > buf.length) break;
    packets.push({ type: buf[at] >> 4, flags: buf[at] & 0x0f, body: buf.subarray(i, i + len) });
    at = i + len;
  }
  return { packets, rest: buf.subarray(at) };
}

/** One connection; `onMessage({topic, payload, qos, retain})` and `onClose(reason)` are set by the caller. */
export class MqttWs {
  #ws;
  #buf = new Uint8Array(0);
  #nextId = 1;
  #waiting = new Map();
  #ping;
  /** @type {(msg: {topic: string, payload: Uint8Array, qos: number, retain: boolean}) => void} */
  onMessage = () => {};
  /** @type {(reason: string) => void} */
  onClose = () => {};

  /** Opens `url` (subprotocol `mqtt`) and resolves on CONNACK 0; rejects on a refusal. */
  connect(url, opts) {
    return new Promise((resolve, reject) => {
      const ws = this.#ws = new WebSocket(url, "mqtt");
      ws.binaryType = "arraybuffer";
      this.#waiting.set("connack", { resolve, reject });
      ws.onopen = () => ws.send(connectPacket(opts));
      ws.onmessage = (e) => this.#receive(new Uint8Array(e.data));
      ws.onerror = () => this.#fail(new Error(`Cannot reach ${url}`));
      ws.onclose = (e) => this.#fail(new Error(`Connection closed (${e.code || "no code"})`));
      const keepalive = opts.keepalive ?? 60;
      this.#ping = setInterval(() => this.#send(new Uint8Array([0xc0, 0])), keepalive * 500);
    });
  }

  /** Subscribes to `filter`; resolves with the granted QoS (0x80: refused). */
  subscribe(filter, qos = 0) {
    const id = this.#id();
    this.#send(packet(0x82, [...u16(id), ...str(filter), qos]));
    return this.#wait(id);
  }

  unsubscribe(filter) {
    const id = this.#id();
    this.#send(packet(0xa2, [...u16(id), ...str(filter)]));
    return this.#wait(id);
  }

  /** Publishes; resolves once the broker acknowledged it (at once for QoS 0). */
  publish(topic, payload, { qos = 0, retain = false } = {}) {
    const id = qos > 0 ? this.#id() : 0;
    this.#send(publishPacket(topic, payload, { qos, retain, id }));
    return qos > 0 ? this.#wait(id) : Promise.resolve();
  }

  /** Sends DISCONNECT and closes. */
  end() {
    clearInterval(this.#ping);
    if (this.#ws?.readyState === WebSocket.OPEN) this.#send(new Uint8Array([0xe0, 0]));
    this.#ws?.close();
  }

  #id() {
    const id = this.#nextId;
    this.#nextId = id === 0xffff ? 1 : id + 1;
    return id;
  }

  #wait(key) {
    return new Promise((resolve, reject) => this.#waiting.set(key, { resolve, reject }));
  }

  #settle(key, value) {
    this.#waiting.get(key)?.resolve(value);
    this.#waiting.delete(key);
  }

  #send(bytes) {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(bytes);
  }

  #fail(err) {
    clearInterval(this.#ping);
    for (const w of this.#waiting.values()) w.reject(err);
    this.#waiting.clear();
    this.onClose(err.message);
    this.onClose = () => {};
  }

  #receive(bytes) {
    const joined = new Uint8Array(this.#buf.length + bytes.length);
    joined.set(this.#buf);
    joined.set(bytes, this.#buf.length);
    const { packets, rest } = splitPackets(joined);
    this.#buf = rest.slice();
    for (const p of packets) this.#handle(p);
  }

  #handle({ type, flags, body }) {
    const id = body.length >= 2 ? (body[0] << 8) | body[1] : 0;
    if (type === 2) {
      const rc = body[1];
      const w = this.#waiting.get("connack");
      this.#waiting.delete("connack");
      if (rc === 0) w?.resolve();
      else w?.reject(new Error(`Connection refused (CONNACK return code ${rc})`));
    } else if (type === 3) this.#publishIn(flags, body);
    else if (type === 4 || type === 7 || type === 11) this.#settle(id);
    else if (type === 9) this.#settle(id, body[2]);
    else if (type === 5) this.#send(new Uint8Array([0x62, 2, ...u16(id)]));
    else if (type === 6) this.#send(new Uint8Array([0x70, 2, ...u16(id)]));
  }

  #publishIn(flags, body) {
    const qos = (flags >> 1) & 3;
    const len = (body[0] << 8) | body[1];
    const topic = new TextDecoder().decode(body.subarray(2, 2 + len));
    let at = 2 + len;
    if (qos > 0) {
      const id = (body[at] << 8) | body[at + 1];
      at += 2;
      this.#send(new Uint8Array([qos === 1 ? 0x40 : 0x50, 2, ...u16(id)]));
    }
    this.onMessage({ topic, payload: body.slice(at), qos, retain: (flags & 1) === 1 });
  }
}
