/**
 * Root module of an external plugin's Worker. It imports only the host's own code; the plugin is
 * imported later from a `blob:` URL (see worker_bootstrap.ts).
 *
 * @module
 */

import { runWorker } from "./worker_bootstrap.ts";

runWorker(null);
