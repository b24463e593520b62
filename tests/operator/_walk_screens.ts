// Dashboard screenshots for the operator walk (walk_test.ts), run as `deno run -A` because
// playwright-core reads /proc paths `deno test`'s permissions do not cover. Arguments: the admin
// URL, user, password and output dir; prints the screenshot paths as JSON on stdout.
import { dashboardScreenshots } from "../admin/_dashboard_scenario.ts";

const [url, user, password, outDir] = Deno.args;
const files = await dashboardScreenshots(url, { user, password }, outDir);
console.log(JSON.stringify(files));
