// One broker per database: a second broker on the same data_dir is refused with an error naming
// the lock file (exit code 78 from the CLI) and leaves the first one untouched; a lock left by a
// killed broker (kill -9) or a leftover lock file never blocks a start.
import assert from "node:assert/strict";
import { DatabaseLockedError } from "../../server/persistence/mod.ts";
import { collect, connect, end, startTestBroker, subscribe, waitFor } from "../helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function withDataDir(fn: (dir: string, yaml: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir, `data_dir: "${dir}"\npersistence: {backend: sqlite}\n`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs `main.ts` on `dir` as a process; resolves once it logged its start, or when it exited. */
async function brokerProcess(dir: string) {
  const config = `${dir}/aviary.yaml`;
  await Deno.writeTextFile(
    config,
    `listeners: {default: {type: tcp, bind: "127.0.0.1:0"}}\nauth: {allow_anonymous: true}\n` +
      `data_dir: "${dir}"\n`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "-A", MAIN, "--config", config],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const reading = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderr += chunk;
  })();
  let ended = false;
  const exited = child.status.then(async (s) => {
    await reading;
    ended = true;
    return s.code;
  });
  // One poll that stops on either outcome, so no timer outlives the test.
  const isUp = () => stderr.includes("Aviary started");
  await waitFor(() => isUp() || ended, "the broker process to start or exit", 15_000);
  const started = isUp();
  return { child, started, exited, stderr: () => stderr };
}

Deno.test("lock: a second broker on the same data_dir is refused, naming the lock file; the first keeps serving", () =>
  withDataDir(async (dir, yaml) => {
    const first = await startTestBroker(yaml);
    try {
      await assert.rejects(
        () => startTestBroker(yaml),
        (e: Error) =>
          e instanceof DatabaseLockedError && e.message.includes(`${dir}/aviary.db.lock`) &&
          e.message.includes(`pid ${Deno.pid}`),
      );
      // The refused start did not disturb the first broker: it still routes and journals.
      const sub = await connect(first.url, { clientId: "still", clean: false });
      const got = collect(sub);
      await subscribe(sub, "t", { qos: 1 });
      const pub = await connect(first.url);
      await pub.publishAsync("t", "after the refusal", { qos: 1 });
      await waitFor(() => got.length === 1, "a message through the first broker");
      await Promise.all([end(sub), end(pub)]);
    } finally {
      await first.close();
    }
    // Closed cleanly: the next broker starts on the same directory and finds the session.
    const next = await startTestBroker(yaml);
    try {
      assert.ok(next.broker.sessions.get("still"), "the persistent session is back");
    } finally {
      await next.close();
    }
  }));

Deno.test("lock: the CLI exits with 78 and names the lock file when the database is in use", () =>
  withDataDir(async (dir, yaml) => {
    const holder = await startTestBroker(yaml);
    try {
      const second = await brokerProcess(dir);
      assert.equal(second.started, false, "the second broker must not start");
      assert.equal(await second.exited, 78);
      assert.match(second.stderr(), /aviary\.db\.lock is locked by another running Aviary/);
    } finally {
      await holder.close();
    }
  }));

Deno.test("lock: a broker killed with SIGKILL does not block the restart", () =>
  withDataDir(async (dir) => {
    const killed = await brokerProcess(dir);
    assert.ok(killed.started, killed.stderr());
    const pidInFile = (await Deno.readTextFile(`${dir}/aviary.db.lock`)).trim();
    assert.equal(pidInFile, String(killed.child.pid));
    killed.child.kill("SIGKILL");
    await killed.exited;
    // The lock file is still there, naming a dead process: the kernel released the lock itself.
    const again = await brokerProcess(dir);
    try {
      assert.ok(again.started, again.stderr());
    } finally {
      again.child.kill("SIGTERM");
      assert.equal(await again.exited, 0);
    }
  }));

Deno.test("lock: a leftover lock file (garbage, a live foreign pid) does not block a start", () =>
  withDataDir(async (dir, yaml) => {
    for (const content of ["not a pid at all\u0000\u00ff", "1\n"]) {
      await Deno.writeTextFile(`${dir}/aviary.db.lock`, content);
      const b = await startTestBroker(yaml);
      assert.equal((await Deno.readTextFile(`${dir}/aviary.db.lock`)).trim(), String(Deno.pid));
      await b.close();
    }
  }));

Deno.test("lock: the memory backend takes no lock and writes nothing to data_dir", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = await startTestBroker(`data_dir: "${dir}"\npersistence: {backend: memory}\n`);
    const b = await startTestBroker(`data_dir: "${dir}"\npersistence: {backend: memory}\n`);
    await Promise.all([a.close(), b.close()]);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
