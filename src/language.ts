/**
 * The language of what the package shows a reader in a notebook: chart titles and axes,
 * image captions, progress and status lines, CIFAR-10's class names. English by default;
 * the Korean edition of the notebooks (notebooks/ko/) switches to Korean in its first cell
 * with notebookSettings({ language: "ko" }); CNN_LANG=ko does the same for every notebook.
 * Training log lines (`step 500, …`) and error messages stay in English.
 */

export const LANGUAGES = ["en", "ko"] as const;
export type Language = (typeof LANGUAGES)[number];

/** A text in every language. */
export type Localized = Record<Language, string>;

let chosen: Language | undefined;

/** `raw` as a Language, or an error naming where it was set (e.g. "CNN_LANG"). */
export function parseLanguage(raw: string, source: string): Language {
  const language = LANGUAGES.find((candidate) => candidate === raw.trim().toLowerCase());
  if (language === undefined) {
    throw new Error(`${source}=${JSON.stringify(raw)} is not a language of these notebooks: use ${LANGUAGES.map((l) => JSON.stringify(l)).join(" or ")}.`);
  }
  return language;
}

/** The language set by setLanguage, else CNN_LANG's, else English. */
export function currentLanguage(env: NodeJS.ProcessEnv = process.env): Language {
  if (chosen !== undefined) return chosen;
  return env.CNN_LANG === undefined || env.CNN_LANG === "" ? "en" : parseLanguage(env.CNN_LANG, "CNN_LANG");
}

/** From now on, what the package shows is in `language`; undefined goes back to CNN_LANG's or English. */
export function setLanguage(language: Language | undefined): void {
  chosen = language;
}

/** The text for the current language. */
export function localized(text: Localized): string {
  return text[currentLanguage()];
}

/**
 * A count in millions as each language says it: "82.2 million" in English, "8,220만" in
 * Korean, which counts large numbers in units of 10,000 (만).
 */
export function millions(count: number): string {
  return localized({ en: `${(count / 1e6).toFixed(1)} million`, ko: `${Math.round(count / 1e4).toLocaleString("en")}만` });
}
