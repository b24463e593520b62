// The conformance suite against SQLite, and the file checks: a corrupt or foreign file is refused
// with an error naming it, never reset.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { PersistenceError } from "../../server/persistence/sqlite_schema.ts";
import { SqliteStore } from "../../server/persistence/sqlite_store.ts";
import { storeConformance } from "./store_suite.ts";

storeConformance("sqlite", () => {
  const dir = Deno.makeTempDirSync();
  const file = `${dir}/aviary.db`;
  const opened: SqliteStore[] = [];
  const open = () => {
    const store = new SqliteStore(file, "process");
    opened.push(store);
    return store;
  };
  return {
    open,
    reopen: open,
    cleanup: () => {
      for (const s of opened) s.close();
      Deno.removeSync(dir, { recursive: true });
    },
  };
});

async function withDir(fn: (dir: string) => void | Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("sqlite store: a file that is not a database is refused, named, and left as it was", () =>
  withDir(async (dir) => {
    const file = `${dir}/aviary.db`;
    const junk = "this is not a database, it is a text file ".repeat(200);
    await Deno.writeTextFile(file, junk);
    assert.throws(
      () => new SqliteStore(file, "process"),
      (e: Error) => e instanceof PersistenceError && e.message.includes(file),
    );
    assert.equal(await Deno.readTextFile(file), junk);
  }));

Deno.test("sqlite store: another application's SQLite database is refused, named", () =>
  withDir((dir) => {
    const file = `${dir}/other.db`;
    const db = new DatabaseSync(file);
    db.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')");
    db.close();
    assert.throws(
      () => new SqliteStore(file, "power"),
      (e: Error) =>
        e instanceof PersistenceError && e.message.includes(file) &&
        /not an Aviary/.test(e.message),
    );
    const again = new DatabaseSync(file);
    assert.deepEqual(again.prepare("SELECT body FROM notes").all().map((r) => r.body), ["keep me"]);
    again.close();
  }));

Deno.test("sqlite store: a database from a newer schema is refused", () =>
  withDir((dir) => {
    const file = `${dir}/aviary.db`;
    new SqliteStore(file, "process").close();
    const db = new DatabaseSync(file);
    db.exec("PRAGMA user_version = 99");
    db.close();
    assert.throws(() => new SqliteStore(file, "process"), /newer Aviary/);
  }));

Deno.test("sqlite store: a damaged page is reported as corrupt with the file name", () =>
  withDir(async (dir) => {
    const file = `${dir}/aviary.db`;
    const store = new SqliteStore(file, "process");
    store.close();
    const bytes = await Deno.readFile(file);
    // Overwrite the second page (a table root) with garbage, keep the header intact.
    bytes.fill(0xa5, 4096, Math.min(bytes.length, 8192));
    await Deno.writeFile(file, bytes);
    assert.throws(
      () => new SqliteStore(file, "process").load(),
      (e: Error) => e instanceof PersistenceError && e.message.includes(file),
    );
  }));
