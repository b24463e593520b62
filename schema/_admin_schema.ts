// Private: the `admin` section of the broker config schema.

import type { AvroSchema } from "./types.ts";

/** The `admin:` section. */
export const ADMIN_SCHEMA = {
  type: "record",
  name: "Admin",
  doc: "The admin REST API and dashboard (EMQX-shaped, under /api/v1/).",
  fields: [
    { name: "enable", type: "boolean", default: false, doc: "Whether the admin listener runs." },
    {
      name: "bind",
      type: "string",
      default: "127.0.0.1:18083",
      doc: "`host:port` of the admin listener; non-loopback needs users or api_keys.",
    },
    {
      name: "users",
      type: {
        type: "array",
        items: {
          type: "record",
          name: "AdminUser",
          fields: [
            { name: "username", type: "string", doc: "Login name (HTTP basic auth)." },
            {
              name: "password_hash",
              type: "string",
              doc: "`$pbkdf2-sha512$i=<iterations>$<salt>$<hash>`: `aviary admin hash-password`.",
            },
          ],
        },
      },
      default: [],
      doc: "Dashboard and API users (basic auth).",
    },
    {
      name: "api_keys",
      type: {
        type: "array",
        items: {
          type: "record",
          name: "ApiKey",
          fields: [
            { name: "key_id", type: "string", doc: "Public key id." },
            { name: "secret_hash", type: "string", doc: "Hash of the secret, as password_hash." },
          ],
        },
      },
      default: [],
      doc: "API keys: `Authorization: Bearer <key_id>:<secret>` or basic auth.",
    },
  ],
} as const satisfies AvroSchema;
