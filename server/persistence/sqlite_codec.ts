/**
 * How a message is kept in SQLite columns: topic, payload (BLOB), QoS, retain flag, v5 properties
 * (JSON, the Correlation Data as base64), absolute expiry, origin (JSON).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Message, MessageProperties, QoS } from "../../broker/message.ts";

/** The message columns of a row, in the order {@linkcode messageParams} gives them. */
export const MESSAGE_COLUMNS = "topic, payload, qos, retain, props, expires_at, origin";

/** A value node:sqlite binds. */
export type SqlValue = string | number | null | Uint8Array;

/** A row read back. */
export type Row = Record<string, SqlValue>;

/**
 * The bound values of {@linkcode MESSAGE_COLUMNS} for `msg`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { messageFromRow, messageParams } from "./sqlite_codec.ts";
 * const msg = { topic: "t", payload: Buffer.from("x"), qos: 1, retain: false, properties: { correlationData: Buffer.from("c") } } as const;
 * const [topic, payload, qos, retain, props, expires_at, origin] = messageParams(msg);
 * const back = messageFromRow({ topic, payload, qos, retain, props, expires_at, origin });
 * assert.equal(back.properties.correlationData?.toString(), "c");
 * assert.equal(back.payload.toString(), "x");
 * ```
 */
export function messageParams(msg: Message): SqlValue[] {
  return [
    msg.topic,
    msg.payload,
    msg.qos,
    msg.retain ? 1 : 0,
    propsJson(msg.properties),
    msg.expiresAt ?? null,
    msg.from ? JSON.stringify(msg.from) : null,
  ];
}

/** The message of a row holding {@linkcode MESSAGE_COLUMNS}. */
export function messageFromRow(row: Row): Message {
  const msg: Message = {
    topic: row.topic as string,
    payload: asBuffer(row.payload),
    qos: row.qos as QoS,
    retain: row.retain === 1,
    properties: row.props === null ? {} : propsFrom(row.props as string),
  };
  if (row.expires_at !== null) msg.expiresAt = row.expires_at as number;
  if (row.origin !== null) msg.from = JSON.parse(row.origin as string);
  return msg;
}

/** A BLOB as a Buffer (an empty BLOB may come back as null). */
export function asBuffer(value: SqlValue): Buffer {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.length);
  return Buffer.alloc(0);
}

function propsJson(props: MessageProperties): string | null {
  const keys = Object.keys(props);
  if (keys.length === 0) return null;
  const { correlationData, ...rest } = props;
  const plain: Record<string, unknown> = rest;
  if (correlationData) plain.correlationData = { b64: correlationData.toString("base64") };
  return JSON.stringify(plain);
}

function propsFrom(json: string): MessageProperties {
  const props = JSON.parse(json);
  if (props.correlationData) {
    props.correlationData = Buffer.from(props.correlationData.b64, "base64");
  }
  return props;
}
