// Takes $CONTROL/<alias>/v1 requests: answers Mosquitto style `{responses: [...]}` echoing the
// command; the command "fail" throws. A client "intruder" may not publish to $CONTROL topics.
import type { Plugin } from "../../../plugins/sdk/mod.ts";

export default {
  name: "control_echo",
  version: "0.0.1",
  hooks: {
    "control.request": ({ alias, request, from }) => {
      const command = (request as { command?: string } | null)?.command;
      if (command === "fail") throw new Error("asked to fail");
      return { responses: [{ command, alias, by: from.clientId }] };
    },
    "client.authorize": ({ client, topic }) =>
      !(client.clientId === "intruder" && topic.startsWith("$CONTROL/")),
  },
} satisfies Plugin;
