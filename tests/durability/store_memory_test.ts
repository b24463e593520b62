// The conformance suite against the memory reference backend.
import { MemoryDurableStore } from "../../broker/session/memory_durable_store.ts";
import { storeConformance } from "./store_suite.ts";

storeConformance("memory", () => {
  const store = new MemoryDurableStore();
  return { open: () => store, reopen: () => store, cleanup: () => {} };
});
