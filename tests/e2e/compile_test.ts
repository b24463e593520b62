/**
 * `deno task compile` builds one executable. `deno compile` needs the `denort` runtime binary
 * (env `DENORT_BIN`, Deno's download cache, or a network that reaches it); where none of those is
 * available the test is skipped and says why.
 */
import assert from "node:assert/strict";

const denortBin = Deno.env.get("DENORT_BIN");
const reason = denortBin
  ? undefined
  : "deno compile needs the denort binary: set DENORT_BIN=/path/to/denort to run this test";
if (reason) console.warn(`compile_test: skipped: ${reason}`);

Deno.test({
  name: "compile: deno task compile builds an aviary executable that prints its version",
  ignore: reason !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const tasks = JSON.parse(await Deno.readTextFile("deno.json")).tasks;
      const args = (tasks.compile as string).replace(/^deno /, "").replace(
        "-o aviary",
        `-o ${dir}/aviary`,
      )
        .split(" ");
      const build = await new Deno.Command(Deno.execPath(), { args }).output();
      assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
      const run = await new Deno.Command(`${dir}/aviary`, { args: ["--version"] }).output();
      assert.match(new TextDecoder().decode(run.stdout), /^aviary \d+\.\d+\.\d+/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
