/**
 * Aviary's own lint rules, loaded by `deno lint` (deno.json `lint.plugins`):
 *
 * - `aviary/max-file-lines`: a module holds at most {@linkcode MAX_FILE_LINES} lines.
 * - `aviary/max-function-lines`: a function, method or arrow function spans at most
 *   {@linkcode MAX_FUNCTION_LINES} lines (a nested function counts for itself and inside its parent);
 *   test files are exempt.
 *
 * Long data tables may opt out with `// deno-lint-ignore aviary/max-file-lines` on the first line
 * and a reason.
 *
 * @module
 */

/** Lines a module may hold. */
export const MAX_FILE_LINES = 300;
/** Lines a function may span. */
export const MAX_FUNCTION_LINES = 60;

/** Test files are sequences of named steps; the function rule skips them. */
const TEST_FILE = /(^|\/)tests\/|_test\.[jt]s$/;

type Ranged = Deno.lint.Node & { range: [number, number] };

function lineSpan(text: string, node: Ranged): number {
  let lines = 1;
  for (let i = node.range[0]; i < node.range[1]; i++) if (text.charCodeAt(i) === 10) lines++;
  return lines;
}

const plugin: Deno.lint.Plugin = {
  name: "aviary",
  rules: {
    "max-file-lines": {
      create(ctx) {
        return {
          Program(node) {
            const text = ctx.sourceCode.text;
            const lines = text.endsWith("\n")
              ? text.split("\n").length - 1
              : text.split("\n").length;
            if (lines > MAX_FILE_LINES) {
              ctx.report({
                node,
                message:
                  `File has ${lines} lines (at most ${MAX_FILE_LINES}): split it by responsibility`,
              });
            }
          },
        };
      },
    },
    "max-function-lines": {
      create(ctx) {
        if (TEST_FILE.test(ctx.filename)) return {};
        const check = (node: Deno.lint.Node) => {
          const lines = lineSpan(ctx.sourceCode.text, node as Ranged);
          if (lines > MAX_FUNCTION_LINES) {
            ctx.report({
              node,
              message:
                `Function spans ${lines} lines (at most ${MAX_FUNCTION_LINES}): name its steps as functions`,
            });
          }
        };
        return {
          FunctionDeclaration: check,
          FunctionExpression: check,
          ArrowFunctionExpression: check,
        };
      },
    },
  },
};

export default plugin;
