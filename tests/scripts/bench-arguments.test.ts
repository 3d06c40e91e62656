/**
 * The bench scripts' command lines, in child processes: --help prints every
 * option and exits 0, a wrong argument stops the script with one message and
 * exit status 1, both before anything is timed.
 */
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runProcess } from "../wait";

const root = path.resolve(__dirname, "../..");
// A hang guard far above a busy machine's start-up time.
const FLAG_CHECK_MS = 3 * 60 * 1000;

function runBench(script: string, args: string[]): ReturnType<typeof runProcess> {
  return runProcess(process.execPath, ["-r", "ts-node/register/transpile-only", `scripts/bench/${script}.ts`, ...args], { cwd: root, timeoutMs: FLAG_CHECK_MS });
}

const SCRIPTS: Array<{ script: string; flags: string[]; wrong: Array<[string[], RegExp]> }> = [
  {
    script: "models",
    flags: ["--steps N", "--warmup N", "--repetitions N", "--models LIST", "--no-peak", "--no-eager", "--bfloat16", "--python", "--torch", "--json FILE"],
    wrong: [
      [["--models", "mnist,resnet"], /^models: --models takes a comma-separated list of mnist, .*, got 'mnist,resnet'\.$/m],
      [["--json"], /^models: --json needs a value\.$/m],
      [["--no-peak=1"], /^models: --no-peak takes no value, got '1'\.$/m],
    ],
  },
  {
    script: "airbench-step",
    flags: ["--batch N,N", "--steps N", "--warmup N", "--repetitions N", "--variants LIST", "--torch"],
    wrong: [
      [["--batch", "256,big"], /^airbench-step: --batch needs a whole number > 0, got 'big'\.$/m],
      [["--variants", "eager,fast"], /^airbench-step: --variants takes a comma-separated list of eager, .*, got 'eager,fast'\.$/m],
    ],
  },
  {
    script: "curve-overhead",
    flags: ["--models LIST", "--steps N", "--repetitions N"],
    wrong: [
      [["--repetitions", "0"], /^curve-overhead: --repetitions needs a whole number > 0, got '0'\.$/m],
      [["--torch"], /^curve-overhead: unknown argument '--torch'\.$/m],
    ],
  },
];

for (const { script, flags, wrong } of SCRIPTS) {
  test(`${script}: --help prints every option and exits 0; a wrong argument gives one message and exit status 1`, async () => {
    const help = await runBench(script, ["--help"]);
    assert.is(help.status, 0, help.stderr);
    assert.match(help.stdout, /^usage: /);
    for (const flag of [...flags, "-h, --help"]) assert.match(help.stdout, `  ${flag}  `, `no ${flag} in\n${help.stdout}`);
    for (const [args, message] of wrong) {
      const { status, stdout, stderr } = await runBench(script, args);
      assert.is(status, 1, `${args.join(" ")}: exit status`);
      assert.match(stderr, message);
      assert.is(stderr.match(new RegExp(`^${script}: `, "gm"))?.length, 1, `${args.join(" ")}: one error message, got\n${stderr}`);
      assert.is(stdout, "", `${args.join(" ")}: nothing timed`);
    }
  });
}

test.run();
