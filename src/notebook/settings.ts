import { parseLanguage, setLanguage, type Language } from "../language";
import { checkSeed } from "../seed";
import { checkStepScale } from "../recipes/step-scale";

/**
 * The settings a reader may change at the top of each notebook. Defaults come from
 * the environment so that `npm run notebooks` and the tests can shorten every run.
 */
export interface NotebookSettings {
  /** Multiplies every training run's step count (CNN_STEP_SCALE, default 1 = the chapter's). */
  stepScale: number;
  /** Seed for initial weights, shuffling and dropout masks (CNN_SEED, default 42). */
  seed: number;
  /** Train even when weights saved by an earlier run exist (CNN_RETRAIN=1, default false). */
  retrain: boolean;
  /** The language of charts, captions and status lines: "en" or "ko" (CNN_LANG, default "en"). */
  language: Language;
  /**
   * Minutes of training that 4.4's recipe may take on this machine (CNN_TIME_BUDGET_MINUTES,
   * default 15; "none" or null: the full recipe, however long it takes).
   */
  timeBudgetMinutes: number | null;
}

const DEFAULT_TIME_BUDGET_MINUTES = 15;

function parseTimeBudget(raw: string | undefined): number | null {
  if (raw === undefined || raw.trim() === "") return DEFAULT_TIME_BUDGET_MINUTES;
  return raw.trim().toLowerCase() === "none" ? null : parseNumber("CNN_TIME_BUDGET_MINUTES", raw);
}

function parseNumber(name: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) throw new Error(`${name}=${JSON.stringify(raw)} is not a number.`);
  return value;
}

function parseFlag(raw: string): boolean {
  if (["1", "true", "yes"].includes(raw.toLowerCase())) return true;
  if (["0", "false", "no", ""].includes(raw.toLowerCase())) return false;
  throw new Error(`CNN_RETRAIN=${JSON.stringify(raw)} is not valid: expected 1 or 0.`);
}

/**
 * Settings from CNN_STEP_SCALE, CNN_SEED, CNN_RETRAIN, CNN_LANG and CNN_TIME_BUDGET_MINUTES, overridden by
 * `overrides`; each value is checked here, so a bad one is reported under the name it was
 * set by. The language applies to everything the package shows from then on.
 */
export function notebookSettings(overrides: Partial<NotebookSettings> = {}, env = process.env): NotebookSettings {
  const source = (key: keyof NotebookSettings, variable: string) =>
    overrides[key] !== undefined ? `notebookSettings({ ${key} })` : variable;
  const settings: NotebookSettings = {
    stepScale: overrides.stepScale ?? (env.CNN_STEP_SCALE === undefined ? 1 : parseNumber("CNN_STEP_SCALE", env.CNN_STEP_SCALE)),
    seed: overrides.seed ?? (env.CNN_SEED === undefined ? 42 : parseNumber("CNN_SEED", env.CNN_SEED)),
    retrain: overrides.retrain ?? (env.CNN_RETRAIN === undefined ? false : parseFlag(env.CNN_RETRAIN)),
    language:
      overrides.language !== undefined
        ? parseLanguage(overrides.language, "notebookSettings({ language })")
        : env.CNN_LANG === undefined || env.CNN_LANG === ""
          ? "en"
          : parseLanguage(env.CNN_LANG, "CNN_LANG"),
    timeBudgetMinutes: overrides.timeBudgetMinutes !== undefined ? overrides.timeBudgetMinutes : parseTimeBudget(env.CNN_TIME_BUDGET_MINUTES),
  };
  try {
    checkStepScale(settings.stepScale);
  } catch (error) {
    throw new Error(`${source("stepScale", "CNN_STEP_SCALE")}: ${(error as Error).message}`);
  }
  const budget = settings.timeBudgetMinutes;
  if (budget !== null && !(budget > 0 && Number.isFinite(budget))) {
    throw new Error(
      `${source("timeBudgetMinutes", "CNN_TIME_BUDGET_MINUTES")}: timeBudgetMinutes ${budget} is not valid: ` +
        'expected a number of minutes > 0 (e.g. 15), or null ("none") to train the full recipe however long it takes.',
    );
  }
  checkSeed(settings.seed, `${source("seed", "CNN_SEED")}: seed`);
  setLanguage(settings.language);
  return settings;
}
