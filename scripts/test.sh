#!/usr/bin/env bash
# The test suites: `npm test` (fast, a few minutes on two cores) and `npm run test:all` (the full
# suite, what CI runs: .ci/run). Both set up (scripts/setup.sh), type-check everything once with
# tsc, then run the tests with uvu; ts-node only transpiles, as tsc has just checked the types.
#
#   bash scripts/test.sh          the fast suite
#   bash scripts/test.sh --all    the full suite: every test below as well
#
# The fast suite runs the Jupyter tests beside the others (two streams, see below); the full
# suite runs every file one after another, as before, on however busy a machine CI has.
#
# The full suite adds what takes minutes and proves again, in another setting or at length, what
# the fast suite proves once:
#   - whole files, left out of the fast suite here (FULL_SUITE_FILES):
#       training/stability.test.ts   1280 training steps under the profiler, a soak test for rare
#                                    native heap corruption (the step itself is tested in training/)
#       scripts/ablation.test.ts     `npm run ablation` end to end: nine short airbench runs (the
#                                    training and the results file are tested in recipes/airbench/)
#   - tests inside files, skipped in the fast suite (tests/wait.ts: fullSuiteTest, FULL_SUITE):
#       onednn-off.test.ts           the numerics tests again with oneDNN off
#       jupyter/notebooks.test.ts    the Korean notebooks run twice too (the fast suite runs the
#                                    English ones twice, the Korean ones once)
#       jupyter/lab-browser.test.ts  notebook 4.2 of both editions in JupyterLab in Chromium
#       jupyter/html-export.test.ts  the HTML exports of saved outputs, JupyterLab's among them, and
#                                    the committed pages' Korean fonts, read in Chromium (the
#                                    executed notebooks' HTML is checked in notebooks.test.ts)
#       jupyter/kernel-preload.test.ts  a kernel without the output fix, waiting out its timeout
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

FULL_SUITE_FILES='^(training/stability|scripts/ablation)\.test\.ts$'

case "${1:-}" in
  "") full="" ;;
  --all) full=1 ;;
  *) echo "usage: bash scripts/test.sh [--all]" >&2; exit 2 ;;
esac

bash scripts/setup.sh
node_modules/.bin/tsc --noEmit -p .
if [[ -n "$full" ]]; then
  CNN_TEST_ALL=1 exec node_modules/.bin/uvu -r ts-node/register/transpile-only tests '\.test\.ts$'
fi

# The fast suite in two streams side by side, one per core: the Jupyter tests (whose work is in
# kernels and Jupyter's Python processes) and all the others. The Jupyter tests' output is kept
# and shown after the others'; the suite fails if either stream does.
echo "[test] the fast suite; \`npm run test:all\` adds the slow tests (scripts/test.sh lists them)" >&2
jupyter_log="$(mktemp)"
trap 'rm -f "$jupyter_log"' EXIT
node_modules/.bin/uvu -r ts-node/register/transpile-only tests '^jupyter/.*\.test\.ts$' >"$jupyter_log" 2>&1 &
jupyter_pid=$!
echo "[test] the Jupyter tests run alongside; their output follows the others'" >&2
others=0
node_modules/.bin/uvu -r ts-node/register/transpile-only tests '\.test\.ts$' --ignore '^jupyter/' --ignore "$FULL_SUITE_FILES" || others=$?
jupyter=0
wait "$jupyter_pid" || jupyter=$?
echo "[test] the Jupyter tests (tests/jupyter/):" >&2
cat "$jupyter_log"
if (( others != 0 || jupyter != 0 )); then
  echo "[test] FAILED: $( (( others != 0 )) && echo "the tests outside tests/jupyter/ " )$( (( jupyter != 0 )) && echo "the Jupyter tests" )(output above)" >&2
  exit 1
fi
