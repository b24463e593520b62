/**
 * What must hold after each input. The basic oracle (always on, the in-suite run): the broker did
 * not throw (no error-level log line, no unhandled rejection or error), did not hang (answered the
 * probe PINGREQ or closed, and released the connection once we closed), wrote only whole packets,
 * and keeps serving a healthy client. The strict oracle (`--strict`) adds the spec's rules on what
 * a broker answers; see {@linkcode ./spec.ts}.
 *
 * @module
 */
import type { Framed } from "./frames.ts";
import type { Wire } from "./wire.ts";

/** One thing that went wrong with an input. */
export interface Problem {
  /** `throw`, `hang`, `output`, `unserved`, or `spec` (strict). */
  kind: "throw" | "hang" | "output" | "unserved" | "spec";
  detail: string;
}

/** What the run saw for one input. */
export interface Observed {
  framed: Framed;
  wire: Wire;
  /** The probe PINGREQ was sent after the input. */
  probed: boolean;
  /** The probe was answered with PINGRESP (false when the broker closed instead). */
  answered: boolean;
  /** The broker's Topic Alias Maximum (what a v5 client may use). */
  topicAliasMaximum: number;
}

/** Error-level log lines as problems: the broker logs them when a handler throws. */
export function thrown(errors: string[]): Problem[] {
  return errors.map((line) => {
    let text = line;
    try {
      const j = JSON.parse(line);
      text = `${j.msg}: ${j.error ?? ""}`;
    } catch { /* not JSON */ }
    return { kind: "throw", detail: `broker logged an error: ${text}`.slice(0, 300) };
  });
}

/** The broker's output must be whole packets once the connection is closed. */
export function basicOutput(o: Observed): Problem[] {
  if (o.wire.pending.length === 0) return [];
  return [{
    kind: "output",
    detail: `broker left a partial packet of ${o.wire.pending.length} bytes`,
  }];
}
