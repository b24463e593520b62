/**
 * What an admin route is: method, path template, the body it takes and its handler, and what
 * the handler gets. The route tables (`plugins_api.ts`, `broker_api.ts`) and the router
 * (`routes.ts`) depend on this file, never on each other.
 *
 * @module
 */

import type { Listener } from "../../broker/transport/connection.ts";
import type { PluginManager } from "../../plugins/host/mod.ts";
import type { Cluster } from "../cluster/mod.ts";
import type { ReadOnlyBroker } from "../read_only_broker.ts";
import type { BrokerControl } from "./broker_control.ts";
import type { BodyKind } from "./guard.ts";

/** What the monitoring routes read besides the broker: listeners and the store. */
export interface Monitor {
  /** The names of the configured listeners. */
  expectedListeners: readonly string[];
  /** The listeners that are up, by name. */
  listeners: ReadonlyMap<string, Listener>;
  /** Whether the durable store is open. */
  storeOpen(): boolean;
}

/** What a handler gets. */
export interface RouteContext {
  /** The request (its body not yet read). */
  req: Request;
  /** Path parameters by name (`{alias}` gives `alias`), percent-decoded. */
  params: Record<string, string>;
  /** The request URL, for query parameters. */
  url: URL;
  /** The broker, read-only (the view plugins get as `ctx.broker`). */
  broker: ReadOnlyBroker;
  /** Null when the broker runs without a plugin host. */
  manager: PluginManager | null;
  /** This node's part in the cluster; undefined when it runs alone. */
  cluster?: Cluster;
  /** Listeners and store, for `/status` (undefined in tests that build no broker). */
  monitor?: Monitor;
  /**
   * The few changes the operator may make (kick, clear retained, listener list); undefined when
   * no broker is behind the API (the change routes then answer 404).
   */
  control?: BrokerControl;
}

/** One route: method, path template (`{name}` segments), the body it takes, and handler. */
export interface Route {
  /** The one method it answers. */
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Relative to `/api/v1`; `{name}` segments become {@linkcode RouteContext.params}. */
  path: string;
  /** Anything else is refused with 415 (guard.ts). */
  body: BodyKind;
  /** Answers the request; an `AdminError` it throws becomes the error body. */
  handler(ctx: RouteContext): Promise<Response> | Response;
}
