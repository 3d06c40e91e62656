/**
 * The command line of the scripts in scripts/: options read with node:util's
 * parseArgs, values checked after parsing, `--help` printed from the options'
 * own descriptions. A wrong argument stops the script with one line,
 * "<program>: <what is wrong>", and exit status 1.
 */
import { parseArgs } from "node:util";
import { textTable } from "../src/display/text-table";
import { checkSeed, SEED_LIMIT } from "../src/seed";

export interface OptionSpec {
  type: "string" | "boolean";
  /** The value's name in --help, e.g. "N" (string options only). */
  value?: string;
  /** What the option does, for --help. */
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** The options given: a string option's text, `true` for a boolean one, undefined when absent. */
export type OptionValues<T extends OptionSpecs> = { [K in keyof T]?: T[K]["type"] extends "string" ? string : true };

export interface CommandLine<T extends OptionSpecs, Arguments> {
  /** The name error lines start with, e.g. "train". */
  program: string;
  /** The first lines of --help: how to call the script and what it does. */
  usage: string;
  options: T;
  /** Checks the values (numbers, choices, flags that exclude each other) and makes the script's arguments; throws an Error naming the argument. */
  interpret(values: OptionValues<T>): Arguments;
}

const HELP: OptionSpec = { type: "boolean", help: "print this help and exit" };

/** `argv` as the script's arguments; prints the help and exits 0 on --help, prints one error line and exits 1 on a wrong argument. */
export function parseCommandLine<T extends OptionSpecs, Arguments>(argv: readonly string[], commandLine: CommandLine<T, Arguments>): Arguments {
  try {
    const values = readOptions(argv, commandLine.options);
    if (values === "help") {
      process.stdout.write(helpText(commandLine));
      process.exit(0);
    }
    return commandLine.interpret(values);
  } catch (error) {
    process.stderr.write(`${commandLine.program}: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

/** The options in `argv`, or "help" when it asks for help; throws on an unknown option, a missing value or a stray argument. */
function readOptions<T extends OptionSpecs>(argv: readonly string[], options: T): OptionValues<T> | "help" {
  const config = { ...options, help: { ...HELP, short: "h" } };
  // Not strict: parseArgs' own messages are long and take "--seed -1" for a forgotten value; the tokens are checked below instead.
  const { values, tokens } = parseArgs({ args: [...argv], options: config, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((token) => token.kind === "option" && token.name === "help")) return "help";
  for (const token of tokens) {
    if (token.kind === "positional") throw new Error(`unexpected argument '${token.value}'.`);
    if (token.kind !== "option") continue;
    const spec: OptionSpec | undefined = Object.prototype.hasOwnProperty.call(options, token.name) ? options[token.name] : undefined;
    if (spec === undefined) throw new Error(`unknown argument '${token.rawName}'.`);
    if (spec.type === "boolean" && token.value !== undefined) throw new Error(`${token.rawName} takes no value, got '${token.value}'.`);
    // An option right after a string option means its value was forgotten; a negative number is a value (and refused later if wrong).
    if (spec.type === "string" && (token.value === undefined || token.value === "" || (!token.inlineValue && token.value.startsWith("--")))) {
      throw new Error(`${token.rawName} needs a value.`);
    }
  }
  return values as OptionValues<T>;
}

function helpText<T extends OptionSpecs>({ usage, options }: CommandLine<T, unknown>): string {
  const rows = Object.entries({ ...options, help: HELP }).map(([name, spec]) => [
    name === "help" ? "-h, --help" : `--${name}${spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : ""}`,
    spec.help,
  ]);
  const table = textTable(rows).split("\n").map((line) => `  ${line}`);
  return `${usage}\n\noptions:\n${table.join("\n")}\n`;
}

/** `text` as a number > 0 (a whole one if `whole`), or an error naming `flag`. */
export function positiveNumber(flag: string, text: string, whole = false): number {
  const value = Number(text);
  if (!(value > 0 && Number.isFinite(value)) || (whole && !Number.isInteger(value))) {
    throw new Error(`${flag} needs a ${whole ? "whole " : ""}number > 0, got '${text}'.`);
  }
  return value;
}

/** `text` as a whole number ≥ 0, or an error naming `flag`. */
export function wholeNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isInteger(value) || value < 0) throw new Error(`${flag} needs a whole number ≥ 0, got '${text}'.`);
  return value;
}

/** `text` as a seed, or an error naming `flag` and the range (checkSeed's). */
export function seedNumber(flag: string, text: string): number {
  try {
    return checkSeed(text.trim() === "" ? Number.NaN : Number(text));
  } catch {
    throw new Error(`${flag} needs a whole number from 0 to ${SEED_LIMIT - 1}, got '${text}'.`);
  }
}

/** `text` if it is one of `choices`, or an error naming `flag` and the choices. */
export function oneOf<C extends string>(flag: string, text: string, choices: readonly C[]): C {
  if (!(choices as readonly string[]).includes(text)) throw new Error(`${flag} must be one of ${choices.join(", ")}, got '${text}'.`);
  return text as C;
}

/** `text` as a comma-separated list of some of `choices`, or an error naming `flag` and the choices. */
export function listOf<C extends string>(flag: string, text: string, choices: readonly C[]): C[] {
  const requested = text.split(",");
  if (!requested.every((item) => (choices as readonly string[]).includes(item))) {
    throw new Error(`${flag} takes a comma-separated list of ${choices.join(", ")}, got '${text}'.`);
  }
  return requested as C[];
}
