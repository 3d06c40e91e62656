/**
 * scripts/train.ts as `npm run train` runs it, in a child process: --help
 * prints the options, and a wrong flag, or one that does not fit the model,
 * stops it with one message before any data is read.
 */
import * as path from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runProcess } from "../wait";

const root = path.resolve(__dirname, "../..");
// A hang guard far above a busy machine's start-up time.
const FLAG_CHECK_MS = 3 * 60 * 1000;

/** scripts/train.ts with `args`, no data to be found: only the command line can be checked. */
function runTrain(args: string[]): ReturnType<typeof runProcess> {
  return runProcess(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/train.ts", ...args], {
    cwd: root,
    env: { ...process.env, CNN_DATA_DIR: path.join(root, "no-such-data") },
    timeoutMs: FLAG_CHECK_MS,
  });
}

test("--help prints the usage and every option's meaning, and exits 0, even beside a wrong argument", async () => {
  for (const args of [["--help"], ["-h"], ["--model", "resnet", "--help"]]) {
    const { status, stdout, stderr } = await runTrain(args);
    assert.is(status, 0, `${args.join(" ")}: exit status; stderr\n${stderr}`);
    assert.match(stdout, /^usage: npm run train -- --model /);
    for (const flag of ["--model MODEL", "--seed N", "--step KIND", "--steps N", "--epochs N", "--time-budget MINUTES", "--record NAME", "--retrain", "-h, --help"]) {
      assert.match(stdout, `  ${flag}  `, `${args.join(" ")}: no ${flag} in\n${stdout}`);
    }
    assert.not.match(stderr, /^train: /m);
  }
});

test("a wrong flag, or one that does not fit the model, stops the script with one message naming the flag", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["--model", "airbench", "--steps", "100"], /^train: --steps is for the chapter's models; airbench trains for --epochs\.$/m],
    [["--model", "mnist", "--epochs", "3"], /^train: --epochs, --time-budget and --record are for airbench\.$/m],
    [["--model", "mnist", "--time-budget", "15"], /^train: --epochs, --time-budget and --record are for airbench\.$/m],
    [["--model", "airbench", "--epochs", "3", "--time-budget", "15"], /^train: --epochs and --time-budget exclude each other: the budget decides the epochs\.$/m],
    [["--model", "airbench", "--time-budget", "soon"], /^train: --time-budget needs a number > 0, got 'soon'\.$/m],
    [["--model", "airbench", "--epochs", "0"], /^train: --epochs needs a number > 0, got '0'\.$/m],
    [["--model", "airbench", "--record", "Equal Time"], /^train: --record needs a name of lower-case letters, digits and dashes, got 'Equal Time'\.$/m],
    [["--model", "resnet"], /^train: --model must be one of mnist, .*, airbench, got 'resnet'\.$/m],
    [["--seed", "7"], /^train: --model is required\.$/m],
    [["--model", "mnist", "--seed", "seven"], /^train: --seed needs a whole number from 0 to 2147483647, got 'seven'\.$/m],
    [["--model", "mnist", "--steps"], /^train: --steps needs a value\.$/m],
    [["--model", "mnist", "--steps", "--retrain"], /^train: --steps needs a value\.$/m],
    [["--model", "mnist", "--steps", "2.5"], /^train: --steps needs a whole number > 0, got '2\.5'\.$/m],
    [["--model", "mnist", "--step", "fast"], /^train: --step must be one of compiled, .*, got 'fast'\.$/m],
    [["--model", "mnist", "--fast"], /^train: unknown argument '--fast'\.$/m],
  ];
  for (const [args, message] of cases) {
    const { status, stdout, stderr } = await runTrain(args);
    assert.is(status, 1, `${args.join(" ")}: exit status`);
    assert.match(stderr, message);
    assert.is(stderr.match(/^train: /gm)?.length, 1, `${args.join(" ")}: one error message, got\n${stderr}`);
    assert.is(stdout, "", `${args.join(" ")}: nothing trained`);
  }
});

test.run();
