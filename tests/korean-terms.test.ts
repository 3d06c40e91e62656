/**
 * The Korean edition's term list (notebooks/ko/terms.json), its matcher, and the package's own
 * Korean strings held to it: every string in src/ with Hangul in it (the `ko` side of
 * localized(), the models' Korean titles and names, CIFAR-10's class names) uses the list's
 * terms and no English word a Korean reader would have to translate. The notebooks are held to
 * the list by tests/jupyter/korean-edition.test.ts.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { setLanguage } from "../src/language";
import { modelKeys, modelName } from "../src/models/registry";
import { englishWords, readTerms, refusedTerms, TERMS_FILE, type TermEntry } from "./korean";

const terms = readTerms();
const listFile = path.relative(path.resolve(__dirname, ".."), TERMS_FILE);

const found = (text: string, list: readonly TermEntry[] = terms) => refusedTerms(text, list).map(({ found, use }) => `${found}→${use}`);

test("the matcher finds a refused variant, but not inside its term or a fine phrase", () => {
  assert.equal(found("완전연결 계층을 지나면"), []);
  assert.equal(found("다음 층에 전달됩니다"), ["층→계층"]);
  assert.equal(found("은닉층과 층별 가중치"), ["층→계층", "층→계층"]);
  assert.equal(found("합성곱 3층 모델과 MNIST: 합성곱 2층 + 완전연결 1024, 심층 신경망"), []);
  assert.equal(found("9층짜리"), ["층→계층"]);
  assert.equal(found("작은 윈도우 하나"), []);
  assert.equal(found("작은 윈도 하나, 풀링 창"), ["윈도→윈도우", "창→윈도우"]);
  assert.equal(found("몇 퍼센트포인트, 0.45%p, −7.54%p"), []);
  assert.equal(found("0.45 퍼센트포인트"), ["0.45 퍼센트포인트→퍼센트포인트"]);
  assert.equal(found("한두 포인트, 1.43포인트"), ["포인트→퍼센트포인트", "포인트→퍼센트포인트"]);
  assert.equal(found("1,024 %p"), ["1,024 %p→퍼센트포인트"]);
  assert.equal(found("최대 풀링과 맥스 풀링"), ["최대 풀링→맥스 풀링"]);
  assert.equal(found("3-conv 모델과 cifar-3conv"), ["cifar-3conv→합성곱 3층 모델", "3-conv→합성곱 3층 모델"]);
});

test("a phrase listed as fine keeps its variant, and only where the phrase stands", () => {
  const corner: TermEntry = { concept: "edge", use: "가장자리", refuse: ["모서리"], fine: ["네 모서리"], why: "a corner, in `네 모서리`" };
  assert.equal(found("이미지의 네 모서리", [corner]), []);
  assert.equal(found("세로 모서리 필터", [corner]), ["모서리→가장자리"]);
});

test("the English a Korean output may show: code, acronyms, units and names; not English words", () => {
  assert.equal(englishWords("컴퓨터 AMD EPYC × 2코어, AVX2 계열 (있음: avx2; 없음: avx512f, avx512_bf16), 24 GiB, linux x64"), []);
  assert.equal(englishWords("백엔드 tensorflow (TensorFlow 2.21.0, tfjs 4.22.0, Node 20.20.2, oneDNN 켜짐)"), []);
  assert.equal(englishWords("conv(shift(digit))와 shift(conv(digit))의 가장 큰 차이: 0.00e+0, 2x2 맥스 풀링"), []);
  assert.equal(englishWords("{\n  stepScale: 1,\n  retrain: false,\n  language: 'ko'\n}"), []);
  assert.equal(englishWords("step 500, cost 0.1191, training accuracy 0.9600"), []);
  assert.equal(englishWords('설정에 `retrain: true`를 넣으세요. "compiled-bfloat16" 대신 float32로'), []);
  assert.equal(englishWords("block1/conv1/norm-offset  [64]   64; weight1: 평균; ReLU, GELU, sigmoid, tanh"), []);
  assert.equal(englishWords("cifar-reduced에 대한 책의 수치는 3-conv 모델을"), ["cifar-reduced", "conv"]);
  assert.equal(englishWords("whitening 뺌   the first convolution keeps random filters"), ["whitening", "the", "first", "convolution", "keeps", "random", "filters"]);
  assert.equal(englishWords("test accuracy: 0.9861"), ["test", "accuracy"]);
  assert.equal(englishWords("이 컴퓨터(AMD EPYC × 2 cores, AVX2 class)에서"), ["cores", "class"]);
});

test("every entry of the list names its term, what it refuses and why, and no entry refuses another's term", () => {
  assert.ok(terms.length > 0, `${listFile} has no terms`);
  for (const entry of terms) {
    assert.ok(entry.concept && entry.use && entry.why, `${listFile}: an entry lacks its concept, term or why: ${JSON.stringify(entry)}`);
    assert.ok(entry.refuse.length > 0, `${listFile}: ${entry.use} refuses nothing`);
    assert.equal(found(entry.use), [], `${listFile}: the term ${entry.use} (${entry.concept}) is refused by another entry`);
  }
  const uses = terms.map((entry) => entry.use);
  assert.equal(uses.length, new Set(uses).size, `${listFile}: a term is listed twice`);
});

test("the list names every chapter model as the package does in Korean", () => {
  const listed = Object.fromEntries(terms.filter((entry) => entry.modelKey !== undefined).map((entry) => [entry.modelKey, entry.use]));
  setLanguage("ko");
  try {
    for (const key of modelKeys) {
      assert.is(listed[key], modelName(key), `${listFile} and the model definition of ${key} (koreanName) must give the same Korean name`);
    }
  } finally {
    setLanguage(undefined);
  }
});

/** Every string and template literal of `file` that has Hangul in it; a template's ${…} parts read as "…". */
function koreanStrings(file: string): { line: number; text: string }[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const strings: { line: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    let text: string | undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
    if (ts.isTemplateExpression(node)) text = [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join("…");
    if (text !== undefined && /[\uac00-\ud7a3]/.test(text)) strings.push({ line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, text });
    ts.forEachChild(node, visit);
  };
  visit(source);
  return strings;
}

function sourceFiles(folder: string): string[] {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith(".ts") ? [file] : [];
  });
}

const srcFolder = path.resolve(__dirname, "../src");
const packageStrings = sourceFiles(srcFolder).flatMap((file) => koreanStrings(file).map((string) => ({ where: `src/${path.relative(srcFolder, file)}:${string.line}`, text: string.text })));

test("the package has Korean strings to check", () => {
  assert.ok(packageStrings.length > 50, `found ${packageStrings.length}`);
});

test("the package's Korean strings use the list's terms", () => {
  const problems = packageStrings.flatMap(({ where, text }) => refusedTerms(text, terms).map(({ found, use, context }) => `${where}: 「${found}」 → 「${use}」 (…${context}…)`));
  assert.equal(problems, [], `terms off ${listFile}:\n${problems.join("\n")}`);
});

test("the package's Korean strings have no English words a Korean reader would have to translate", () => {
  const problems = packageStrings.flatMap(({ where, text }) => {
    const words = englishWords(text);
    return words.length > 0 ? [`${where}: ${words.join(", ")} in 「${text}」`] : [];
  });
  assert.equal(problems, [], `English in Korean strings:\n${problems.join("\n")}`);
});

test.run();
